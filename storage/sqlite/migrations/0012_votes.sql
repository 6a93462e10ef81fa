-- Votes taken in a meeting: resolutions, admissions, recognitions, elections, classification.
-- Open ballots record who chose what; secret ballots keep who has voted apart from the ballot
-- box, which holds only counters per option, so that no row, key or order links a voter to a
-- choice (and the file is rewritten, its WAL emptied, when a secret vote closes).

CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    number INTEGER NOT NULL,                            -- 1, 2, ... within the meeting
    position INTEGER NOT NULL DEFAULT 0,                -- the agenda item it was taken under
    kind TEXT NOT NULL
        CHECK (kind IN ('resolution', 'admission', 'recognition', 'election',
                        'classification')),
    mode TEXT NOT NULL CHECK (mode IN ('open', 'secret')),
    subject TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',                 -- JSON: candidates, members classified
    subjects TEXT NOT NULL DEFAULT '[]',                -- JSON: user ids of members classified
    seats INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1),
    threshold TEXT NOT NULL,                            -- '>1/2', '>=2/3'
    basis TEXT NOT NULL CHECK (basis IN ('legal', 'official', 'present')),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    -- A secret vote's ballot buttons are sealed with this key; erased when the vote closes, so
    -- that updates kept afterwards (the inbox) no longer tell which button was pressed.
    secret_key TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    closed_by INTEGER REFERENCES users (id),            -- NULL when the meeting closed it
    closed_at TEXT,
    result TEXT,                                        -- JSON, when closed
    message_chat TEXT,                                  -- the vote's message in the group
    message_id INTEGER,
    UNIQUE (meeting_id, number)
);
CREATE INDEX votes_open ON votes (meeting_id) WHERE state = 'open';

-- Open ballots: one row per chosen option (an election ballot chooses several); a voter may
-- change them until the vote closes.
CREATE TABLE open_ballots (
    vote_id INTEGER NOT NULL REFERENCES votes (id),
    voter_id INTEGER NOT NULL REFERENCES users (id),
    item INTEGER NOT NULL,                              -- the member classified; 0 otherwise
    option INTEGER NOT NULL,
    cast_at TEXT NOT NULL,
    PRIMARY KEY (vote_id, voter_id, item, option)
) WITHOUT ROWID;

-- Secret ballots, written together in one transaction: the register of who has voted (keyed,
-- not ordered by time; no timestamp) ...
CREATE TABLE secret_register (
    vote_id INTEGER NOT NULL REFERENCES votes (id),
    item INTEGER NOT NULL,
    voter_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (vote_id, item, voter_id)
) WITHOUT ROWID;

-- ... and the ballot box: a counter per option, no row per ballot.
CREATE TABLE secret_counts (
    vote_id INTEGER NOT NULL REFERENCES votes (id),
    item INTEGER NOT NULL,
    option INTEGER NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (vote_id, item, option)
) WITHOUT ROWID;
