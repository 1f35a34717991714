-- Schema bookkeeping; tables for local packages and download counts arrive with their features.
CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
