-- Web login (`npm login` on npm 9+): one row per login begun, for a few minutes. The CLI polls with the
-- done id, which only it knows (kept hashed); the browser signs in through the login id and the CSRF value.
CREATE TABLE login_sessions (
  login_id TEXT PRIMARY KEY,
  done_hash TEXT NOT NULL UNIQUE,
  csrf TEXT NOT NULL,
  created INTEGER NOT NULL,
  user_name TEXT,
  token TEXT
);
CREATE INDEX login_sessions_created ON login_sessions (created);
