-- Packages published to this registry. The whole packument lives in `doc` (JSON, no attachments);
-- `rev` guards every write (compare-and-set), `files` maps tarball file names to their R2 keys.
CREATE TABLE local_packages (
  name TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  doc TEXT NOT NULL,
  files TEXT NOT NULL,
  -- 1 once the whole package is unpublished: reads answer 404, old versions stay unusable.
  unpublished INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL
) WITHOUT ROWID;
