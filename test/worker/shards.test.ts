// Download counts sharded over several D1 databases (issue 14): the routing, an import over three shards
// (each package's rows in its own shard, totals and answers as with one), resuming exactly on every shard,
// and migrations to three shards from one database and from two: import under the old layout, copy,
// switch, prune, and every answer stays the same.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { importAggregates } from '../../src/downloads/import';
import { copyPage, prunePage } from '../../src/downloads/reshard';
import { byShard, shardOf } from '../../src/downloads/shards';
import { fetchWorker } from './helpers';

const e = env as unknown as Record<string, D1Database> & { AGGREGATES: R2Bucket; DB: D1Database };
const THREE = [e.DB, e.DOWNLOADS_1, e.DOWNLOADS_2];
const SHARDED = { DOWNLOAD_SHARDS: '3' };

async function putRun(day: string, run: string, parts: Record<string, string>) {
  for (const [name, body] of Object.entries(parts)) await e.AGGREGATES.put(`${day}/${run}/${name}`, body);
  await e.AGGREGATES.put(`${day}/${run}/_SUCCESS`, '');
}

async function get(path: string, vars?: Record<string, string>): Promise<[number, unknown]> {
  const r = await fetchWorker(path, {}, vars);
  return [r.status, await r.json()];
}

async function names(db: D1Database): Promise<string[]> {
  return (await db.prepare('SELECT name FROM dl_packages ORDER BY name').all<{ name: string }>()).results.map(
    (r) => r.name,
  );
}

describe('shard routing', () => {
  it('is stable and spreads names evenly', () => {
    expect(shardOf('left-pad', 1)).toBe(0);
    expect(shardOf('left-pad', 3)).toBe(shardOf('left-pad', 3));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[shardOf(`package-${i.toString(36)}`, 4)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const groups = byShard(['a', 'b', 'c', 'd', 'e'], 3);
    expect(groups.flatMap(([, n]) => n).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [s, n] of groups) for (const name of n) expect(shardOf(name, 3)).toBe(s);
  });

  it('a missing shard binding is a clear 500, not a crash', async () => {
    const [status, body] = await get('/downloads/point/last-day/x', { DOWNLOAD_SHARDS: '5' });
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'misconfigured: DOWNLOAD_SHARDS is 5 but no D1 binding DOWNLOADS_3 exists' });
  });
});

describe('an import over three shards', () => {
  it('puts each package in its shard, answers as one database would, and resumes exactly', async () => {
    const pkgs = Array.from({ length: 300 }, (_, i) => `sh-${i}`);
    const text = pkgs.map((p, i) => `${p} ${i + 1}`).join('\n');
    await putRun('2017-03-01', '1', { 'part-00000': text, 'part-00001': 'sh-0 1000\nNot-Lower 5\nsh-299 1' });
    let t = 0;
    const cut = await importAggregates(e.AGGREGATES, e.DB, THREE, {
      budgetMs: 2,
      now: () => t++,
      days: new Set(['2017-03-01']),
      batchLines: 50,
    });
    expect(cut[0].done).toBe(false);
    const done = await importAggregates(e.AGGREGATES, e.DB, THREE, {
      budgetMs: 60_000,
      days: new Set(['2017-03-01']),
      batchLines: 50,
    });
    expect(done[0]).toEqual(expect.objectContaining({ done: true, lines: 302, skipped: 1 }));
    for (const [s, db] of THREE.entries())
      for (const n of (await names(db)).filter((x) => x.startsWith('sh-'))) expect(shardOf(n, 3)).toBe(s);
    const total = (300 * 301) / 2 + 1001;
    expect(await get('/downloads/point/2017-03-01', SHARDED)).toEqual([
      200,
      { downloads: total, start: '2017-03-01', end: '2017-03-01' },
    ]);
    expect(await get('/downloads/point/2017-03-01/sh-0', SHARDED)).toEqual([
      200,
      { downloads: 1001, start: '2017-03-01', end: '2017-03-01', package: 'sh-0' },
    ]);
    // A bulk query across all three shards, and names that are not there.
    const [, bulk] = (await get('/downloads/point/2017-03-01/sh-1,sh-2,sh-3,sh-299,nope', SHARDED)) as [
      number,
      Record<string, { downloads: number } | null>,
    ];
    expect(Object.fromEntries(Object.entries(bulk).map(([k, v]) => [k, v?.downloads ?? null]))).toEqual({
      'sh-1': 2,
      'sh-2': 3,
      'sh-3': 4,
      'sh-299': 301,
      nope: null,
    });
  });
});

// From one database (today's layout) and from two shards, to three.
const MOVES = [
  { from: 1, prefix: 'mig', year: '2016' },
  { from: 2, prefix: 'mig2', year: '2015' },
];

describe.each(MOVES)('migration from $from database(s) to three', ({ from: oldCount, prefix, year }) => {
  it('keeps every answer through copy, switch and prune', async () => {
    const pkgs = Array.from({ length: 120 }, (_, i) => `${prefix}-${i}`);
    const days = [`${year}-01-30`, `${year}-01-31`, `${year}-02-01`];
    const old = THREE.slice(0, oldCount);
    const OLD = { DOWNLOAD_SHARDS: String(oldCount) };
    for (const [d, day] of days.entries())
      await putRun(day, '7', { 'part-00000': pkgs.map((p, i) => `${p} ${(i * 7 + d) % 50}`).join('\n') });
    // The old layout: everything in DB, or in the old shards.
    await importAggregates(e.AGGREGATES, e.DB, old, { budgetMs: 60_000, days: new Set(days) });
    if (oldCount > 1) expect((await names(e.DOWNLOADS_1)).some((n) => n.startsWith(`${prefix}-`))).toBe(true);
    const span = `${year}-01-30:${year}-02-01`;
    const paths = [
      ...pkgs.map((p) => `/downloads/range/${span}/${p}`),
      `/downloads/point/${span}`,
      `/downloads/range/${span}`,
      `/downloads/point/${year}-01-01:${year}-02-28/${pkgs.slice(0, 128).join(',')}`,
      `/downloads/point/${year}-01-31/${prefix}-not-there`,
    ];
    const before = await Promise.all(paths.map((p) => get(p, OLD)));
    expect(before[0][0]).toBe(200);

    const run = async (step: typeof copyPage) => {
      for (let from = 0; from < 3; from++)
        for (let after = ''; ; ) {
          const page = await step(THREE, 3, from, after, 7);
          if (page.next === null) break;
          after = page.next;
        }
    };
    await run(copyPage);
    // Still the old count configured: the same answers from the old layout.
    expect(await Promise.all(paths.map((p) => get(p, OLD)))).toEqual(before);
    // Switched to three: the copies answer.
    expect(await Promise.all(paths.map((p) => get(p, SHARDED)))).toEqual(before);
    await run(copyPage); // again, as the procedure says: nothing doubles
    await run(prunePage);
    expect(await Promise.all(paths.map((p) => get(p, SHARDED)))).toEqual(before);
    for (const [s, db] of THREE.entries())
      for (const n of (await names(db)).filter((x) => x.startsWith(`${prefix}-`))) expect(shardOf(n, 3)).toBe(s);
    // And an import after the switch lands in the shards, next to the moved counts.
    await putRun(`${year}-02-02`, '1', { 'part-00000': `${prefix}-5 9` });
    await importAggregates(e.AGGREGATES, e.DB, THREE, { budgetMs: 60_000, days: new Set([`${year}-02-02`]) });
    const [, after] = (await get(`/downloads/point/${year}-01-30:${year}-02-02/${prefix}-5`, SHARDED)) as [
      number,
      { downloads: number },
    ];
    const [, was] = before[5] as [number, { downloads: { downloads: number }[] }];
    expect(after.downloads).toBe(was.downloads.reduce((n, d) => n + d.downloads, 0) + 9);
  });
});
