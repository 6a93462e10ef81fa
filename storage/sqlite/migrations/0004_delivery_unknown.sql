-- A send whose outcome is unknown (sent, no answer; or claimed when the bot stopped) is
-- recorded as 'unknown': never sent again, shown to leaders. SQLite cannot widen a CHECK
-- constraint in place: the ledger is rebuilt with every row.
CREATE TABLE deliveries_new (
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'delivered', 'unreachable', 'unknown')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (topic, recipient)
);
INSERT INTO deliveries_new (topic, recipient, state, updated_at)
    SELECT topic, recipient, state, updated_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
-- Claims left by a stopped bot are found at start without reading the whole ledger.
CREATE INDEX deliveries_claimed ON deliveries (state) WHERE state = 'claimed';

-- Notices (join and absence requests, meeting changes...) that a passing failure kept from
-- going out: their content, kept until delivered or useless, so that a retry job resends
-- exactly these letters (the ledger still keeps each from being sent twice).
CREATE TABLE outbox (
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL,
    to_kind TEXT NOT NULL CHECK (to_kind IN ('person', 'group')),
    to_id INTEGER NOT NULL,
    content TEXT NOT NULL,
    position INTEGER NOT NULL,
    until TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, recipient)
);
