import { applyD1Migrations, env, type D1Migration } from 'cloudflare:test';

const e = env as unknown as Record<string, D1Database> & {
  TEST_MIGRATIONS: D1Migration[];
  TEST_SHARD_MIGRATIONS: D1Migration[];
};
await applyD1Migrations(e.DB, e.TEST_MIGRATIONS);
// The extra download-counts shards (DOWNLOAD_SHARDS=3 in test/worker/shards.test.ts).
for (const b of ['DOWNLOADS_1', 'DOWNLOADS_2']) await applyD1Migrations(e[b], e.TEST_SHARD_MIGRATIONS);
