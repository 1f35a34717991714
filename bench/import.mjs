// Download counts at the public registry's scale (issue 14), on the real Worker (the bundle of
// `wrangler deploy --dry-run` on Miniflare's workerd, local D1 and R2), DOWNLOAD_SHARDS shards:
// 1. bytes per package-day, measured: a month of days imported through the cron for a sample of
//    SAMPLE packages drawn evenly from the ranks of a 4 M-package population whose daily downloads follow
//    a power law (see `expected`), and the dense worst case (every package a 6-digit count every day);
//    projected to 4 M packages × 549 days × both sources, per database;
// 2. a synthetic 4 M-line day (8 parts, one gzip) imported at IMPORT_BUDGET: lines/s, wall time and the
//    number of Cron invocations it takes;
// 3. a 549-day range of one package and a 128-name bulk point query, next to GET /-/ping.
// SAMPLE (50,000), DAY_LINES (4,000,000), SHARDS (2), BUDGET (600 s, the default; 25 s runs too) steer it.
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startWorker } from './worker-harness.mjs';

const POPULATION = 4_000_000;
const DAYS = 549;
const SAMPLE = Number(process.env.SAMPLE ?? 50_000);
const DAY_LINES = Number(process.env.DAY_LINES ?? 4_000_000);
const SHARDS = Number(process.env.SHARDS ?? 2);
const BUDGET = Number(process.env.BUDGET ?? 600);
const GB = 1e9;

/**
 * The mean daily downloads of the package of popularity rank `r` (1 = most downloaded): 5e7 / r^1.25.
 * Why: a power law is what download counts follow (a few packages take most downloads); with these
 * numbers the top package has about 50 M a day (the public registry's busiest have tens of millions),
 * rank 1,000 about 9,000, rank 100,000 about 28, rank 1 M 1.6 and the last ones one download every few
 * days, so most of the population has a few downloads on some days and none on most, as the public
 * registry's long tail has (its aggregates list only packages downloaded that day).
 */
function expected(rank) {
  return 5e7 / rank ** 1.25;
}

/** A count for one day: Poisson around the mean when it is small, the mean ±20% with weekends lower. */
function countOn(rank, day, rnd) {
  const weekend = day % 7 === 5 || day % 7 === 6 ? 0.7 : 1;
  const lambda = expected(rank) * weekend;
  if (lambda > 50) return Math.round(lambda * (0.8 + 0.4 * rnd()));
  let k = 0;
  for (let p = Math.exp(-lambda), s = p, u = rnd(); u > s; k++) {
    p *= lambda / (k + 1);
    s += p;
  }
  return k;
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const day = (i) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);

async function start(shards, budget = BUDGET) {
  const d1 = ['DB', ...Array.from({ length: shards - 1 }, (_, i) => `DOWNLOADS_${i + 1}`)];
  const w = await startWorker(
    'import',
    { UPSTREAM_URL: 'http://127.0.0.1:9/', IMPORT_BUDGET: String(budget), DOWNLOAD_SHARDS: String(shards) },
    async () => {},
    { d1Databases: d1 },
  );
  const sql = readFileSync(join(root, 'migrations-downloads', '0001_counts.sql'), 'utf8').replace(/--.*$/gm, '');
  for (const b of d1.slice(1)) {
    const db = await w.mf.getD1Database(b);
    for (const stmt of sql
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await db.prepare(stmt).run();
  }
  const bucket = await w.mf.getR2Bucket('AGGREGATES');
  const worker = await w.mf.getWorker();
  /** Runs the cron until nothing is left to import; returns [invocations, seconds]. */
  const cronUntilDone = async () => {
    const t = performance.now();
    let n = 0;
    for (;;) {
      n++;
      await worker.scheduled({ cron: '0 * * * *' });
      const open = await w.db.prepare("SELECT COUNT(*) AS n FROM dl_imports WHERE state <> 'done'").first();
      if (open.n === 0) return [n, (performance.now() - t) / 1000];
    }
  };
  return { ...w, bucket, cronUntilDone };
}

/** The database's size as D1 reports it (`meta.size_after`: its pages, the write-ahead log folded in). */
async function sizeOf(db) {
  return (await db.prepare('SELECT 1').run()).meta.size_after;
}

async function putDay(bucket, d, lines, parts = 1) {
  const per = Math.ceil(lines.length / parts);
  for (let p = 0; p < parts; p++) {
    const text = lines.slice(p * per, (p + 1) * per).join('\n');
    const key = `${d}/1/part-${String(p).padStart(5, '0')}`;
    if (p === parts - 1 && parts > 1) await bucket.put(`${key}.gz`, new Uint8Array(gzipSync(text)));
    else await bucket.put(key, text);
  }
  await bucket.put(`${d}/1/_SUCCESS`, '');
}

/**
 * Imports 31 days of `countsOf(sample index, day)` for SAMPLE packages; returns the bytes of a name (kept
 * once per package) and the bytes per package-day of the counts.
 */
async function month(label, countsOf) {
  const w = await start(1);
  try {
    const empty = await sizeOf(w.db);
    const name = (i) => `package-${i.toString(36)}-js`;
    // The names first, to tell their bytes (once per package) from the counts' (per day).
    for (let i = 0; i < SAMPLE; i += 20_000) {
      const chunk = Array.from({ length: Math.min(20_000, SAMPLE - i) }, (_, k) => name(i + k));
      await w.db
        .prepare('INSERT INTO dl_packages (name) SELECT value FROM json_each(?)')
        .bind(JSON.stringify(chunk))
        .run();
    }
    const before = await sizeOf(w.db);
    let nonzero = 0;
    for (let d = 0; d < 31; d++) {
      const lines = [];
      for (let i = 0; i < SAMPLE; i++) {
        const n = countsOf(i, d);
        if (n > 0) lines.push(`${name(i)} ${n}`);
      }
      nonzero += lines.length;
      await putDay(w.bucket, day(d), lines);
      await w.cronUntilDone();
    }
    const bytes = (await sizeOf(w.db)) - before;
    const perDay = bytes / (SAMPLE * 31);
    const perName = (before - empty) / SAMPLE;
    console.log(
      `${label.padEnd(10)} ${(bytes / 1e6).toFixed(1).padStart(6)} MB of counts for ${SAMPLE} packages × 31 days ` +
        `(${((100 * nonzero) / (SAMPLE * 31)).toFixed(1)}% of package-days with downloads): ` +
        `${perDay.toFixed(2)} bytes per package-day, and ${perName.toFixed(1)} bytes per name`,
    );
    return [perName, perDay];
  } finally {
    await w.close();
  }
}

/** The real routing (src/downloads/shards.ts), bundled. */
async function routing() {
  const out = join(root, 'bench', '.out', 'shards.mjs');
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [
    join(root, 'src', 'downloads', 'shards.ts'),
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    `--outfile=${out}`,
    '--log-level=warning',
  ]);
  return import(out);
}

async function main() {
  console.log(`1. bytes per package-day (one database, ${SAMPLE} packages sampled evenly over ${POPULATION} ranks)`);
  const ranks = Array.from({ length: SAMPLE }, (_, i) => Math.round(((i + 0.5) * POPULATION) / SAMPLE));
  const rnd = rng(42);
  const shaped = await month('power law', (i, d) => countOn(ranks[i], d, rnd));
  const dense = await month('dense', (i, d) => 100_000 + ((i * 7919 + d * 104729) % 900_000));
  console.log('   projection: 4 M packages × 549 days, both sources (own traffic assumed as large as the aggregates)');
  for (const [label, [perName, perDay]] of [
    ['power law', shaped],
    ['dense', dense],
  ]) {
    const total = perName * POPULATION + perDay * POPULATION * DAYS * 2;
    const need = Math.ceil(total / (8 * GB));
    console.log(
      `   ${label.padEnd(10)} ${(total / GB).toFixed(1).padStart(6)} GB in all; per database with ` +
        `${SHARDS} shards ${(total / SHARDS / GB).toFixed(1)} GB ${total / SHARDS <= 8 * GB ? 'PASS' : 'FAIL'} ` +
        `(<= 8 GB); shards needed for 8 GB each: ${need}`,
    );
  }

  console.log(`2. a ${DAY_LINES}-line day, 8 parts (the last gzip), DOWNLOAD_SHARDS=${SHARDS}`);
  const lines = Array.from({ length: DAY_LINES }, (_, i) => `package-${i.toString(36)} ${(i * 7919) % 100000}`);
  for (const budget of [...new Set([25, BUDGET])]) {
    const d = await start(SHARDS, budget);
    try {
      await putDay(d.bucket, '2020-03-01', lines, 8);
      const [invocations, secs] = await d.cronUntilDone();
      const r = await d.db.prepare("SELECT lines FROM dl_imports WHERE day = '2020-03-01'").first();
      console.log(
        `   IMPORT_BUDGET=${String(budget).padEnd(4)} ${r.lines} lines in ${secs.toFixed(1)} s = ` +
          `${Math.round(r.lines / secs)} lines/s; ${invocations} Cron invocation(s): ` +
          `${invocations <= 1 ? 'PASS' : 'FAIL'} (one day within one hour of hourly triggers)`,
      );
    } finally {
      await d.close();
    }
  }
  const w = await start(SHARDS);
  try {
    await putDay(w.bucket, '2020-03-01', lines, 8);
    await w.cronUntilDone();

    console.log('3. queries (mean of 20 after a warm-up, through the same harness)');
    const cols = Array.from({ length: 31 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
    // One package with data on every day of 19 months, in its shard.
    const busy = 'busy';
    const target = (await routing()).shardOf(busy, SHARDS);
    const db = target === 0 ? w.db : await w.mf.getD1Database(`DOWNLOADS_${target}`);
    await db.prepare(`INSERT INTO dl_packages (name) VALUES ('${busy}')`).run();
    for (let y = 2018; y <= 2020; y++)
      for (let m = 1; m <= 12; m++)
        await db
          .prepare(
            `INSERT INTO dl_months (package_id, month, source, ${cols.join(',')})` +
              ` SELECT id, ?, 0, ${cols.map(() => '1000').join(',')} FROM dl_packages WHERE name = '${busy}'`,
          )
          .bind(y * 100 + m)
          .run();
    const [pingMs] = await w.time('/-/ping');
    const [rangeMs, range] = await w.time(`/downloads/range/2018-07-01:2019-12-31/${busy}`);
    const names = Array.from({ length: 128 }, (_, i) => `package-${(i * 1013).toString(36)}`).join(',');
    const [bulkMs, bulk] = await w.time(`/downloads/point/2020-03-01/${names}`);
    const found = Object.values(bulk).filter(Boolean).length;
    const verdict = (ms) => (ms - pingMs < 20 ? 'PASS' : 'FAIL');
    console.log(`   GET /-/ping (baseline)           ${pingMs.toFixed(1)} ms`);
    console.log(
      `   549-day range, one package       ${rangeMs.toFixed(1)} ms (${range.downloads.length} days), ` +
        `${(rangeMs - pingMs).toFixed(1)} ms over ping ${verdict(rangeMs)} (< 20)`,
    );
    console.log(
      `   128-name bulk point, ${SHARDS} shards    ${bulkMs.toFixed(1)} ms (${found} found), ` +
        `${(bulkMs - pingMs).toFixed(1)} ms over ping ${verdict(bulkMs)} (< 20)`,
    );
  } finally {
    await w.close();
  }
}

await main();
