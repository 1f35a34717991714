-- Packages published to this registry: one row each, the whole packument in `doc` (JSON, no
-- attachments). `rev` guards every write (compare-and-set). `files` maps tarball file names to
-- {key (in R2), version, size, sha1}. `summary` is what a search shows (src/local/search.ts).
-- The small columns come before `doc`: SQLite reads a row's columns in order, so a search or a
-- tarball read that stops before `doc` never reads a megabyte-sized document.
CREATE TABLE local_packages (
  name TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  -- 1 once the whole package is unpublished: reads answer 404, old versions stay unusable.
  unpublished INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  files TEXT NOT NULL,
  updated INTEGER NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
