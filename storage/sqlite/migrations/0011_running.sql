-- Running a meeting: opening it fixes who is summoned, members check in, the agenda is gone
-- through with speakers and conclusions, the meeting is closed, its minutes are drafted,
-- corrected and approved (a later change is a new version), and members score it anonymously.

-- Per cell: the quorum (percent of the summoned, default 67 = two thirds) and the grace
-- period after the start within which a check-in is on time (default 15 minutes).
ALTER TABLE cells ADD COLUMN quorum_percent INTEGER
    CHECK (quorum_percent IS NULL OR quorum_percent BETWEEN 1 AND 100);
ALTER TABLE cells ADD COLUMN grace_minutes INTEGER
    CHECK (grace_minutes IS NULL OR grace_minutes BETWEEN 0 AND 240);

-- One row per meeting that was opened.
CREATE TABLE meeting_runs (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings (id),
    chair_id INTEGER REFERENCES users (id),
    recorder_id INTEGER REFERENCES users (id),          -- the minute-taker
    opened_by INTEGER NOT NULL REFERENCES users (id),
    opened_at TEXT NOT NULL,
    quorum_percent INTEGER NOT NULL,                    -- fixed when opened
    grace_minutes INTEGER NOT NULL,                     -- fixed when opened
    checkin_chat TEXT,                                  -- the check-in message in the group
    checkin_message INTEGER,
    current_item INTEGER NOT NULL DEFAULT 0,            -- agenda position; 0 = none yet
    closed_at TEXT,
    closed_by INTEGER REFERENCES users (id),            -- NULL when closed automatically
    auto_closed INTEGER NOT NULL DEFAULT 0 CHECK (auto_closed IN (0, 1))
);

-- The meeting's roll: everyone who belongs to the cell when it opens (and guests and
-- exempted members who come), with the kind they had then. summoned = 1 for those the rules
-- summon (official, probationary, visiting; the committee for a committee meeting).
CREATE TABLE roll (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('official', 'probationary', 'exempted', 'elsewhere', 'visiting',
                        'guest')),
    summoned INTEGER NOT NULL CHECK (summoned IN (0, 1)),
    status TEXT NOT NULL DEFAULT 'expected'
        CHECK (status IN ('expected', 'present', 'late', 'excused', 'absent')),
    reason TEXT,
    checked_at TEXT,                                    -- when present/late was recorded
    marked_by INTEGER REFERENCES users (id),            -- NULL = the member checked in
    marked_at TEXT,
    PRIMARY KEY (meeting_id, user_id)
);

-- Messages the bot posted for an agenda item (replies to them are the item's contributions).
CREATE TABLE item_messages (
    chat_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- What was said on an item (speech), the minute-taker's notes and the chair's conclusion.
CREATE TABLE contributions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('speech', 'note', 'conclusion')),
    speaker_id INTEGER REFERENCES users (id),
    text TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    source_chat TEXT,
    source_message INTEGER
);
CREATE INDEX contributions_meeting ON contributions (meeting_id, position);
CREATE UNIQUE INDEX contributions_source ON contributions (source_chat, source_message)
    WHERE source_chat IS NOT NULL;

-- The speakers' queue ("đăng ký phát biểu").
CREATE TABLE speakers (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,                          -- agenda item when the hand went up
    raised_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'speaking', 'done', 'withdrawn')),
    PRIMARY KEY (meeting_id, user_id, raised_at)
);

-- Minutes: drafted at closing, corrected, approved; every change after approval is a new
-- version and the old ones are kept.
CREATE TABLE minutes (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,                                 -- JSON: the structured minutes
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'superseded')),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES users (id),
    approved_at TEXT,
    PRIMARY KEY (meeting_id, version)
);

-- Anonymous scores of a meeting: who scored is kept apart from what was scored (counters
-- per grade, no row per voter), so that nothing links a member to a grade.
CREATE TABLE score_register (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (meeting_id, user_id)
) WITHOUT ROWID;
CREATE TABLE score_counts (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    grade TEXT NOT NULL CHECK (grade IN ('good', 'fair', 'average', 'weak')),
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, grade)
) WITHOUT ROWID;
