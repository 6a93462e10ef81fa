-- Zalo Bot Platform: updates received (getUpdates has no offset and may hand back consumed
-- updates; webhooks may repeat), numbered choices waiting for a reply, the monthly count of
-- messages sent.

-- One row per Zalo message_id ever received: a redelivered update is recognised and skipped,
-- also after a restart. The payload is kept until handled, so that an update received just
-- before a stop is handled at the next start.
CREATE TABLE zalo_inbox (
    message_id TEXT PRIMARY KEY,
    payload TEXT,
    state TEXT NOT NULL CHECK (state IN ('received', 'done')),
    received_at TEXT NOT NULL
);
CREATE INDEX zalo_inbox_received ON zalo_inbox (state) WHERE state = 'received';

-- Zalo has no buttons: choices are sent as a numbered list, and the person's reply "1", "2"...
-- is taken as that choice until it expires. Numbers are per person; a later message continues
-- the numbering while earlier choices are still open.
CREATE TABLE zalo_choices (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    -- The first number of the message that offered it: answering one closes its siblings.
    prompt INTEGER NOT NULL,
    label TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (user_id, number)
);

-- Messages sent per calendar month (UTC), against the plan's monthly quota; warned_at_* record
-- that operators were told at 80 % and at 100 %.
CREATE TABLE zalo_budget (
    month TEXT PRIMARY KEY,
    sent INTEGER NOT NULL DEFAULT 0,
    warned_80 INTEGER NOT NULL DEFAULT 0 CHECK (warned_80 IN (0, 1)),
    warned_100 INTEGER NOT NULL DEFAULT 0 CHECK (warned_100 IN (0, 1))
);
