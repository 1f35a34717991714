-- Local packages get a search summary (what /-/v1/search shows: src/local/search.ts, searchSummary,
-- which every write keeps current), and the row's small columns move before `doc`: SQLite reads a
-- row's columns in order, so a search or a tarball read that stops before `doc` never reads a
-- megabyte-sized document. `files` maps tarball file names to {key (in R2), version, size, sha1}.
-- SQLite cannot reorder columns, so the table is rebuilt; rows written before get their summary here.
CREATE TABLE local_packages_v2 (
  name TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  -- 1 once the whole package is unpublished: reads answer 404, old versions stay unusable.
  unpublished INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  files TEXT NOT NULL,
  updated INTEGER NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO local_packages_v2 (name, rev, unpublished, summary, files, updated, doc)
SELECT name, rev, unpublished,
  CASE WHEN unpublished = 0 THEN json_object(
    'version', json_extract(doc, '$."dist-tags".latest'),
    'description', json(doc -> '$.description'),
    'keywords', json(doc -> '$.keywords'),
    'modified', json(doc -> '$.time.modified'),
    'maintainers', json(doc -> '$.maintainers'),
    'publisher', json(doc -> ('$.versions."' || json_extract(doc, '$."dist-tags".latest') || '"._npmUser'))
  ) END AS summary,
  files, updated, doc
FROM local_packages;
DROP TABLE local_packages;
ALTER TABLE local_packages_v2 RENAME TO local_packages;
