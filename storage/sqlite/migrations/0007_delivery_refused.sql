-- A send the channel refused for its own reason (Zalo's monthly message budget is used up)
-- is recorded as 'refused': not delivered, never retried this month, shown to leaders with
-- that reason; the person stays reachable. SQLite cannot widen a CHECK constraint in place:
-- the ledger is rebuilt with every row.
CREATE TABLE deliveries_new (
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('claimed', 'delivered', 'unreachable', 'unknown', 'refused')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (topic, recipient)
);
INSERT INTO deliveries_new (topic, recipient, state, updated_at)
    SELECT topic, recipient, state, updated_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_claimed ON deliveries (state) WHERE state = 'claimed';
