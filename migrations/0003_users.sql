-- Registry users and their tokens. Passwords are PBKDF2 hashes; tokens are kept only as SHA-256 hashes.
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  email TEXT,
  salt TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  iterations INTEGER NOT NULL,
  created INTEGER NOT NULL
);

CREATE TABLE tokens (
  key TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  readonly INTEGER NOT NULL DEFAULT 0,
  cidr_whitelist TEXT,
  created INTEGER NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_name);
