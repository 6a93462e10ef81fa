-- Meetings are numbered per cell (#1, #2... in each cell); the global id stays internal (the
-- calendar's UID, buttons, reminders). Existing meetings are numbered per cell in id order.
ALTER TABLE meetings ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE meetings SET number = (
    SELECT COUNT(*) FROM meetings AS earlier
    WHERE earlier.cell_id = meetings.cell_id AND earlier.id <= meetings.id
);
CREATE UNIQUE INDEX meetings_cell_number ON meetings (cell_id, number);
-- A row written without a number (tools, imports) gets the cell's next one.
CREATE TRIGGER meetings_next_number AFTER INSERT ON meetings WHEN NEW.number = 0
BEGIN
    UPDATE meetings
    SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM meetings WHERE cell_id = NEW.cell_id)
    WHERE id = NEW.id;
END;

-- The calendar's SEQUENCE: bumped by every change a calendar must take over (time, title,
-- link, cancelled or restored); revision stays the reminders' generation (bumped by a move).
ALTER TABLE meetings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
UPDATE meetings SET sequence = revision;

-- The message a meeting was scheduled with (one-line /schedule), so that editing that
-- message amends the meeting instead of scheduling a second one.
ALTER TABLE meetings ADD COLUMN source_chat TEXT;
ALTER TABLE meetings ADD COLUMN source_message INTEGER;
CREATE UNIQUE INDEX meetings_source ON meetings (source_chat, source_message)
    WHERE source_chat IS NOT NULL;

-- Changes that ask "are you sure?" first (cancel a meeting, change the regular meeting's
-- rule, a new video room): what was asked, kept until answered once or expired.
CREATE TABLE confirmations (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
