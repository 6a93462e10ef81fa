-- One person, several accounts: a Zalo account connected to a Telegram account (or the other
-- way round) with a one-time code points at the person's first account (person_id); the
-- person's memberships, answers and roster line live on that first account only, so nobody is
-- counted twice. prefers names the channel the person's private messages go to first.
ALTER TABLE users ADD COLUMN person_id INTEGER REFERENCES users (id);
ALTER TABLE users ADD COLUMN prefers TEXT;
CREATE INDEX users_person ON users (person_id) WHERE person_id IS NOT NULL;

-- One-time codes for connecting accounts: shown on one channel, sent on the other. Kept only
-- as a SHA-256 hash; valid for minutes; one use.
CREATE TABLE connect_codes (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX connect_codes_user ON connect_codes (user_id);
