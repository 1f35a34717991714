-- A download-counts shard other than the registry's own database (DOWNLOADS_1, DOWNLOADS_2, …; see
-- src/downloads/shards.ts): the same counts tables as migrations/0002_downloads.sql and the shard's
-- import progress as migrations/0009_download_shards.sql. Apply with
-- `wrangler d1 migrations apply <database> --remote` after pointing the binding's migrations_dir here.
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

CREATE TABLE dl_shard_progress (
  source INTEGER NOT NULL,
  day TEXT NOT NULL,
  run TEXT NOT NULL,
  part INTEGER NOT NULL,
  line INTEGER NOT NULL,
  lines INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  PRIMARY KEY (source, day)
) WITHOUT ROWID;
