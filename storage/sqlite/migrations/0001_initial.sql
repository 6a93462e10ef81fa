-- Cells, users, memberships, invites and setup codes.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    username TEXT,
    full_name TEXT,
    language TEXT CHECK (language IN ('vi', 'en')),
    platform_language TEXT,
    private_chat_id TEXT,
    reachable INTEGER NOT NULL DEFAULT 0 CHECK (reachable IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);

CREATE TABLE cells (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    chat_title TEXT,
    timezone TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('vi', 'en')),
    bot_present INTEGER NOT NULL DEFAULT 1 CHECK (bot_present IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (channel, chat_id)
);

CREATE TABLE setup_codes (
    code_hash TEXT PRIMARY KEY,
    cell_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    cell_id INTEGER REFERENCES cells (id)
);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY,
    cell_id INTEGER NOT NULL REFERENCES cells (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'removed')),
    kind TEXT NOT NULL CHECK (kind IN ('official', 'probationary', 'exempted', 'elsewhere')),
    role TEXT NOT NULL CHECK (role IN ('secretary', 'deputy', 'member', 'guest')),
    via TEXT NOT NULL CHECK (via IN ('setup', 'join', 'invite')),
    requested_at TEXT NOT NULL,
    joined_at TEXT,
    UNIQUE (cell_id, user_id),
    UNIQUE (cell_id, number)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- Every change of kind, role or status, for the superior committee's record.
CREATE TABLE membership_history (
    id INTEGER PRIMARY KEY,
    membership_id INTEGER NOT NULL REFERENCES memberships (id),
    field TEXT NOT NULL CHECK (field IN ('kind', 'role', 'status')),
    old_value TEXT,
    new_value TEXT NOT NULL,
    changed_by INTEGER REFERENCES users (id),
    changed_at TEXT NOT NULL
);
CREATE INDEX membership_history_membership ON membership_history (membership_id);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    cell_id INTEGER NOT NULL REFERENCES cells (id),
    code TEXT NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL CHECK (max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
