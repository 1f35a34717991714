// The Worker as `wrangler deploy` bundles it, on Miniflare's workerd with local D1/R2/KV in a temp
// folder, migrations applied: the harness of the D1-backed benches.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');

/**
 * Starts the bundled Worker with `bindings` (vars); returns { mf, db, url, time, sqliteBytes, close }.
 * `afterMigration(file, db)` runs after each migration file is applied. `options` adds or overrides
 * Miniflare options (queues, rate limits, host and port of its HTTP server); `url` is that server's.
 * `options.workers` adds more Workers beside the registry on the same workerd (the registry stays the
 * first: unrouted requests, `db` and the `mf.get…` helpers are its).
 */
export async function startWorker(name, bindings, afterMigration = async () => {}, options = {}) {
  execFileSync(
    join(root, 'node_modules', '.bin', 'wrangler'),
    ['deploy', '--dry-run', '--outdir', join(here, '.out', 'worker')],
    {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' },
    },
  ); // no banner: no update check
  const state = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const { workers, ...own } = options;
  const registry = {
    modules: true,
    scriptPath: join(here, '.out', 'worker', 'index.js'),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    d1Databases: ['DB'],
    r2Buckets: ['AGGREGATES', 'TARBALLS'],
    kvNamespaces: ['METADATA'],
    bindings,
    d1Persist: join(state, 'd1'),
    r2Persist: join(state, 'r2'),
    kvPersist: join(state, 'kv'),
    ...own,
  };
  // Each worker's options are parsed from its entry and the shared ones from the top level; both ignore the rest.
  const mf = new Miniflare(workers ? { ...registry, workers: [registry, ...workers] } : registry);
  const url = await mf.ready;
  const db = await mf.getD1Database('DB');
  for (const f of readdirSync(join(root, 'migrations')).sort()) {
    const sql = readFileSync(join(root, 'migrations', f), 'utf8').replace(/--.*$/gm, '');
    for (const stmt of sql
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await db.prepare(stmt).run();
    await afterMigration(f, db);
  }
  /** Mean ms per request over `n` after one warm-up, and the last answer's JSON. */
  const time = async (path, n = 20) => {
    await mf.dispatchFetch(`http://bench.test${path}`);
    const t = performance.now();
    let res;
    for (let i = 0; i < n; i++) res = await (await mf.dispatchFetch(`http://bench.test${path}`)).json();
    return [(performance.now() - t) / n, res];
  };
  /** Bytes of the local D1's SQLite files. */
  const sqliteBytes = () => {
    let n = 0;
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.sqlite(-wal)?$/.test(e.name)) n += statSync(p).size;
      }
    };
    walk(join(state, 'd1'));
    return n;
  };
  const close = async () => {
    await mf.dispose();
    rmSync(state, { recursive: true, force: true });
  };
  return { mf, db, url, time, sqliteBytes, close };
}
