-- registry_meta (0001_init.sql) was never read or written: schema bookkeeping is wrangler's own d1_migrations table.
DROP TABLE IF EXISTS registry_meta;
