-- Meetings, recurring series, agenda, documents, attendance replies, reminders and their
-- delivery log, and dialog state of the guided /schedule.
ALTER TABLE cells ADD COLUMN reminder_offsets TEXT;  -- minutes, comma separated; NULL = default

CREATE TABLE meeting_series (
    id INTEGER PRIMARY KEY,
    cell_id INTEGER NOT NULL REFERENCES cells (id),
    rule TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    link TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    cell_id INTEGER NOT NULL REFERENCES cells (id),
    series_id INTEGER REFERENCES meeting_series (id),
    type TEXT NOT NULL CHECK (type IN ('regular', 'thematic', 'extraordinary', 'committee')),
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    link TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'cancelled', 'open', 'closed')),
    -- Bumped when the meeting moves: reminders and calendar entries of the old time are void.
    revision INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    -- A series occurrence moved or cancelled alone is detached so that rule changes skip it.
    detached INTEGER NOT NULL DEFAULT 0 CHECK (detached IN (0, 1)),
    UNIQUE (series_id, starts_at)
);
CREATE INDEX meetings_cell_start ON meetings (cell_id, starts_at);

CREATE TABLE agenda_items (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
    added_by INTEGER REFERENCES users (id),
    added_at TEXT NOT NULL
);

CREATE TABLE attendance_replies (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL
        CHECK (status IN ('will_attend', 'absence_requested', 'absent_with_reason',
                          'absence_declined')),
    reason TEXT,
    decided_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    revision INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'cancelled', 'skipped')),
    done_at TEXT,
    UNIQUE (meeting_id, revision, offset_minutes)
);
CREATE INDEX reminders_pending ON reminders (status, due_at);

-- One row per reminder and recipient ('group' or a user id), written before the message is
-- sent: whatever happens afterwards, nobody gets the same reminder twice.
CREATE TABLE reminder_deliveries (
    reminder_id INTEGER NOT NULL REFERENCES reminders (id),
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'delivered', 'unreachable')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (reminder_id, recipient)
);

CREATE TABLE dialogs (
    user_id INTEGER NOT NULL REFERENCES users (id),
    chat_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, chat_id)
);

-- Documents go out with the reminders, once per recipient ('group' or a user id).
CREATE TABLE document_deliveries (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'delivered', 'unreachable')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (document_id, recipient)
);
