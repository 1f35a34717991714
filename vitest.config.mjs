import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { generateKeyPairSync } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import { freePort } from './test/support/free-port.mjs';

// The fake upstream's port is fixed here so it can be bound into the Worker; global setup starts it.
process.env.FAKE_UPSTREAM_PORT ??= String(await freePort());
const upstreamUrl = `http://127.0.0.1:${process.env.FAKE_UPSTREAM_PORT}/`;
process.env.FAKE_UPSTREAM2_PORT ??= String(await freePort());
process.env.FAKE_UPSTREAM2_TOKEN ??= 'second-upstream-secret';
const secondUpstreamUrl = `http://127.0.0.1:${process.env.FAKE_UPSTREAM2_PORT}/`;
const migrations = await readD1Migrations('./migrations');
const shardMigrations = await readD1Migrations('./migrations-downloads');
// A throwaway registry signing key, as npm start makes one.
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'der' })
  .toString('base64');

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.mjs'],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Two more download-counts shards, for DOWNLOAD_SHARDS=3 (test/worker/shards.test.ts).
              d1Databases: ['DB', 'DOWNLOADS_1', 'DOWNLOADS_2'],
              bindings: {
                UPSTREAM_URL: upstreamUrl,
                UPSTREAMS: `@second-up=${secondUpstreamUrl}`,
                SIGNING_KEY: signingKey,
                UPSTREAM_TOKENS: JSON.stringify({ '@second-up': process.env.FAKE_UPSTREAM2_TOKEN }),
                UPSTREAM_TIMEOUT: '2',
                ALLOW_SIGNUP: 'true',
                TEST_MIGRATIONS: migrations,
                TEST_SHARD_MIGRATIONS: shardMigrations,
                LOCAL_SCOPES: '@local-test,@other-local',
                MAX_TARBALL_BYTES: '65536',
                // test/worker/fuzz.test.ts: a fixed seed unless asked otherwise
                FUZZ_SEED: process.env.FUZZ_SEED ?? '',
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? '',
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          setupFiles: ['./test/worker/apply-migrations.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.mjs'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
