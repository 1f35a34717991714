-- Browser sessions: the cookie's value is known only to the browser (kept hashed here, like tokens).
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_expires ON web_sessions (expires);

-- Two-factor (TOTP, RFC 6238): the shared secret (base32) while it is on; a secret being enrolled
-- waits in totp_pending until a code from it confirms it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;

-- Single-use recovery codes, SHA-256 hashed (each is 80 random bits, so no slow hash is needed).
CREATE TABLE recovery_codes (
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  PRIMARY KEY (user_name, code_hash)
) WITHOUT ROWID;

-- The home page lists the newest local packages.
CREATE INDEX local_packages_updated ON local_packages (updated);
