-- Download counts. One row per package, source and month with a column per day: a row per
-- package-day would not fit npm-sized data in D1's 10 GB (see README, "Download counts").
CREATE TABLE dl_packages (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- source 0: aggregates at the bucket root; source 1: this registry's own tarball traffic (own/...).
-- month is YYYYMM; dNN is the downloads on day NN (0 when none). SQLite integers are 64-bit.
CREATE TABLE dl_months (
  package_id INTEGER NOT NULL,
  month INTEGER NOT NULL,
  source INTEGER NOT NULL,
  d01 INTEGER NOT NULL DEFAULT 0,
  d02 INTEGER NOT NULL DEFAULT 0,
  d03 INTEGER NOT NULL DEFAULT 0,
  d04 INTEGER NOT NULL DEFAULT 0,
  d05 INTEGER NOT NULL DEFAULT 0,
  d06 INTEGER NOT NULL DEFAULT 0,
  d07 INTEGER NOT NULL DEFAULT 0,
  d08 INTEGER NOT NULL DEFAULT 0,
  d09 INTEGER NOT NULL DEFAULT 0,
  d10 INTEGER NOT NULL DEFAULT 0,
  d11 INTEGER NOT NULL DEFAULT 0,
  d12 INTEGER NOT NULL DEFAULT 0,
  d13 INTEGER NOT NULL DEFAULT 0,
  d14 INTEGER NOT NULL DEFAULT 0,
  d15 INTEGER NOT NULL DEFAULT 0,
  d16 INTEGER NOT NULL DEFAULT 0,
  d17 INTEGER NOT NULL DEFAULT 0,
  d18 INTEGER NOT NULL DEFAULT 0,
  d19 INTEGER NOT NULL DEFAULT 0,
  d20 INTEGER NOT NULL DEFAULT 0,
  d21 INTEGER NOT NULL DEFAULT 0,
  d22 INTEGER NOT NULL DEFAULT 0,
  d23 INTEGER NOT NULL DEFAULT 0,
  d24 INTEGER NOT NULL DEFAULT 0,
  d25 INTEGER NOT NULL DEFAULT 0,
  d26 INTEGER NOT NULL DEFAULT 0,
  d27 INTEGER NOT NULL DEFAULT 0,
  d28 INTEGER NOT NULL DEFAULT 0,
  d29 INTEGER NOT NULL DEFAULT 0,
  d30 INTEGER NOT NULL DEFAULT 0,
  d31 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (package_id, month, source)
) WITHOUT ROWID;

-- All-packages total of each imported day, computed after the day's import.
CREATE TABLE dl_day_totals (
  day TEXT NOT NULL,
  source INTEGER NOT NULL,
  downloads INTEGER NOT NULL,
  PRIMARY KEY (day, source)
);

-- Import progress per day and source; committed with each batch so an import resumes exactly.
CREATE TABLE dl_imports (
  source INTEGER NOT NULL,
  day TEXT NOT NULL,
  run TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('clearing', 'importing', 'done')),
  part INTEGER NOT NULL DEFAULT 0,
  line INTEGER NOT NULL DEFAULT 0,
  lines INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (source, day)
);

-- This registry's own tarball downloads, per version and UTC day, counted exactly once per message.
CREATE TABLE dl_traffic (
  day TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  downloads INTEGER NOT NULL,
  PRIMARY KEY (day, name, version)
);
CREATE INDEX dl_traffic_by_name ON dl_traffic (name, day);
CREATE TABLE dl_traffic_seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE dl_traffic_days (
  day TEXT PRIMARY KEY,
  changed INTEGER NOT NULL DEFAULT 0,
  flushed INTEGER NOT NULL DEFAULT 0
);
