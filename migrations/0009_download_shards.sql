-- Download counts can be sharded by package over several D1 databases (src/downloads/shards.ts); this
-- database is shard 0. Each shard records how far it has imported each day, in the same batch as the
-- counts it adds, so an import cut short resumes exactly on every shard. The other shards' schema is
-- migrations-downloads/.
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
