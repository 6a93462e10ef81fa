-- The durable inbox: every update Telegram sends is stored here, raw, before it is confirmed
-- (the next getUpdates offset, or the webhook's 200). 'pending' ones are processed (again after a
-- restart), 'done' ones are kept a day so that a redelivered update is not applied twice, and
-- 'failed' ones (unparseable, or a handler failed on them every attempt) are set aside for the
-- operator: SELECT update_id, error, payload FROM inbox WHERE status = 'failed'.
CREATE TABLE inbox (
    update_id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    received_at TEXT NOT NULL,
    finished_at TEXT
);

CREATE INDEX inbox_pending ON inbox (update_id) WHERE status = 'pending';
