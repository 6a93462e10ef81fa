-- A member may be on the cell committee (role 'committee', chi ủy viên), and a member of
-- another cell may attend this one for a while (kind 'visiting', sinh hoạt tạm thời here).
-- SQLite cannot widen a CHECK constraint in place: the table is rebuilt with every row and
-- the same ids. Its history is rebuilt with it, pointing at the new table, so that no row
-- ever points at a dropped one (foreign keys stay on during migrations).
CREATE TABLE memberships_new (
    id INTEGER PRIMARY KEY,
    cell_id INTEGER NOT NULL REFERENCES cells (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'removed')),
    kind TEXT NOT NULL
        CHECK (kind IN ('official', 'probationary', 'exempted', 'elsewhere', 'visiting')),
    role TEXT NOT NULL CHECK (role IN ('secretary', 'deputy', 'committee', 'member', 'guest')),
    via TEXT NOT NULL CHECK (via IN ('setup', 'join', 'invite')),
    requested_at TEXT NOT NULL,
    joined_at TEXT,
    UNIQUE (cell_id, user_id),
    UNIQUE (cell_id, number)
);
INSERT INTO memberships_new (id, cell_id, user_id, number, status, kind, role, via,
                             requested_at, joined_at)
    SELECT id, cell_id, user_id, number, status, kind, role, via, requested_at, joined_at
    FROM memberships;

CREATE TABLE membership_history_new (
    id INTEGER PRIMARY KEY,
    membership_id INTEGER NOT NULL REFERENCES memberships_new (id),
    field TEXT NOT NULL CHECK (field IN ('kind', 'role', 'status')),
    old_value TEXT,
    new_value TEXT NOT NULL,
    changed_by INTEGER REFERENCES users (id),
    changed_at TEXT NOT NULL
);
INSERT INTO membership_history_new (id, membership_id, field, old_value, new_value, changed_by,
                                    changed_at)
    SELECT id, membership_id, field, old_value, new_value, changed_by, changed_at
    FROM membership_history;

DROP TABLE membership_history;
DROP TABLE memberships;
-- Renaming also makes the history's reference name the renamed table.
ALTER TABLE memberships_new RENAME TO memberships;
ALTER TABLE membership_history_new RENAME TO membership_history;
CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX membership_history_membership ON membership_history (membership_id);
