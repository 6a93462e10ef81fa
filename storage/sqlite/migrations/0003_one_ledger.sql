-- One exactly-once ledger for every fan-out (reminders, documents, notices): a row per topic
-- ('reminder:12', 'document:3', 'moved:5:2'...) and recipient ('group' or a user id), written
-- before the message is sent. The rows of the two former ledgers move over unchanged.
CREATE TABLE deliveries (
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'delivered', 'unreachable')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (topic, recipient)
);

INSERT INTO deliveries (topic, recipient, state, updated_at)
    SELECT 'reminder:' || reminder_id, recipient, state, updated_at FROM reminder_deliveries;
INSERT INTO deliveries (topic, recipient, state, updated_at)
    SELECT 'document:' || document_id, recipient, state, updated_at FROM document_deliveries;
DROP TABLE reminder_deliveries;
DROP TABLE document_deliveries;

-- A document is kept as its channel's own reference (a Telegram file_id, a Zalo URL...).
ALTER TABLE documents RENAME COLUMN file_id TO ref;
ALTER TABLE documents ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';

CREATE INDEX documents_meeting ON documents (meeting_id);
CREATE INDEX meeting_series_cell ON meeting_series (cell_id) WHERE active = 1;
