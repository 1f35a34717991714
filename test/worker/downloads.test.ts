import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import type { Env } from '../../src/env';
import { importAggregates } from '../../src/downloads/import';
import { fetchWorker, putUpstreamPackage, uniqueName } from './helpers';

async function putRun(
  day: string,
  run: string,
  parts: Record<string, string | Uint8Array>,
  complete = true,
  prefix = '',
) {
  for (const [name, body] of Object.entries(parts)) await env.AGGREGATES.put(`${prefix}${day}/${run}/${name}`, body);
  if (complete) await env.AGGREGATES.put(`${prefix}${day}/${run}/_SUCCESS`, '');
}

async function gzip(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
  );
}

async function scheduled(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController(), env as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
}

async function json(path: string, status = 200): Promise<any> {
  const r = await fetchWorker(path);
  const body = await r.json();
  expect([path, r.status]).toEqual([path, status]);
  return body;
}

describe('download counts', () => {
  it('imports runs and answers every period form', async () => {
    await putRun('2019-03-01', '1', { 'part-00000': 'alpha 10\nbeta 5\n', 'part-00001': 'alpha 1\n@s/n 7\n' });
    // the greatest complete run wins; the incomplete 3 is ignored
    await putRun('2019-03-03', '1', { 'part-00000': 'alpha 999\n' });
    await putRun('2019-03-03', '2', { 'part-00000.gz': await gzip('alpha 20\nBeta 4\nbad line\nbeta x\n\nbeta 6\n') });
    await putRun('2019-03-03', '3', { 'part-00000': 'alpha 5000\n' }, false);
    await scheduled();

    expect(await json('/downloads/point/2019-03-01/alpha')).toEqual({
      downloads: 11,
      start: '2019-03-01',
      end: '2019-03-01',
      package: 'alpha',
    });
    expect(Object.keys(await json('/downloads/point/2019-03-01/alpha'))).toEqual([
      'downloads',
      'start',
      'end',
      'package',
    ]);
    expect(await json('/downloads/point/2019-03-01:2019-03-03/alpha')).toEqual({
      downloads: 31,
      start: '2019-03-01',
      end: '2019-03-03',
      package: 'alpha',
    });
    const range = await json('/downloads/range/2019-03-01:2019-03-03/beta');
    expect(Object.keys(range)).toEqual(['start', 'end', 'package', 'downloads']);
    expect(range.downloads).toEqual([
      { downloads: 5, day: '2019-03-01' },
      { downloads: 0, day: '2019-03-02' },
      { downloads: 6, day: '2019-03-03' },
    ]);
    // last-* end at the last day that landed
    expect(await json('/downloads/point/last-day/alpha')).toEqual({
      downloads: 20,
      start: '2019-03-03',
      end: '2019-03-03',
      package: 'alpha',
    });
    const week = await json('/downloads/range/last-week/alpha');
    expect([week.start, week.end, week.downloads.length]).toEqual(['2019-02-25', '2019-03-03', 7]);
    expect((await json('/downloads/point/last-month/alpha')).start).toBe('2019-02-02');
    expect((await json('/downloads/point/last-year/alpha')).start).toBe('2018-03-04');
    // all packages: the per-day totals, no package key
    expect(await json('/downloads/point/2019-03-01:2019-03-03')).toEqual({
      downloads: 49,
      start: '2019-03-01',
      end: '2019-03-03',
    });
    expect((await json('/downloads/range/2019-03-01:2019-03-02')).downloads).toEqual([
      { downloads: 23, day: '2019-03-01' },
      { downloads: 0, day: '2019-03-02' },
    ]);
    // scoped single packages in both encodings
    expect((await json('/downloads/point/2019-03-01/@s/n')).downloads).toBe(7);
    expect((await json('/downloads/point/2019-03-01/@s%2fn')).package).toBe('@s/n');
    // bulk, trailing comma included
    expect(await json('/downloads/point/2019-03-01/alpha,beta,nope')).toEqual({
      alpha: { downloads: 11, start: '2019-03-01', end: '2019-03-01', package: 'alpha' },
      beta: { downloads: 5, start: '2019-03-01', end: '2019-03-01', package: 'beta' },
      nope: null,
    });
    expect(Object.keys(await json('/downloads/point/2019-03-01/alpha,'))).toEqual(['alpha']);
    expect((await json('/downloads/range/2019-03-01:2019-03-02/alpha,beta')).beta.downloads).toHaveLength(2);

    const imports = await env.DB.prepare(
      "SELECT day, run, lines, skipped FROM dl_imports WHERE source = 0 AND day LIKE '2019-03-%' ORDER BY day",
    ).all();
    expect(imports.results).toEqual([
      { day: '2019-03-01', run: '1', lines: 4, skipped: 0 },
      { day: '2019-03-03', run: '2', lines: 2, skipped: 3 },
    ]);
  });

  it('trims single packages to 18 months and zero-fills', async () => {
    const r = await json('/downloads/range/2017-01-01:2019-03-03/alpha');
    expect([r.start, r.end, r.downloads.length]).toEqual(['2017-09-01', '2019-03-03', 549]);
    expect(r.downloads.at(-1)).toEqual({ downloads: 20, day: '2019-03-03' });
    expect(r.downloads[0]).toEqual({ downloads: 0, day: '2017-09-01' });
  });

  it('sends caching headers and 304', async () => {
    const r = await fetchWorker('/downloads/point/2019-03-01/alpha');
    expect(r.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const maxAge = Number(r.headers.get('cache-control')!.split('=')[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    const etag = r.headers.get('etag')!;
    expect(
      (await fetchWorker('/downloads/point/2019-03-01/alpha', { headers: { 'if-none-match': etag } })).status,
    ).toBe(304);
  });

  it.each([
    ['/downloads/point/last-decade/alpha', 'Invalid period specified'],
    ['/downloads/point/yesterday', 'Invalid period specified'],
    ['/downloads/point/2019-02-30/alpha', 'invalid date'],
    ['/downloads/point/2019-13-01:2019-13-02', 'invalid date'],
    ['/downloads/range/2019-03-03:2019-03-01/alpha', 'end date > start date'],
    ['/downloads/point/2019-03-01/alpha,@s/n', 'scoped packages are not currently supported in bulk lookups'],
    ['/downloads/point/2018-01-01:2019-03-01/alpha,beta', 'exceeded max days of 365 for bulk query'],
    [
      `/downloads/point/2019-03-01/${Array.from({ length: 129 }, (_, i) => `p${i}`).join(',')}`,
      'exceeded max packages of 128 for bulk query',
    ],
  ])('%s → 400', async (path, error) => {
    expect(await json(path, 400)).toEqual({ error });
  });

  it('404s unknown packages', async () => {
    expect(await json('/downloads/point/2019-03-01/never-downloaded', 404)).toEqual({
      error: 'package never-downloaded not found',
    });
    expect(await json('/versions/never-downloaded/last-week', 404)).toEqual({
      error: 'package never-downloaded not found',
    });
  });

  it('re-importing a day replaces it, and a superseding run replaces the old one', async () => {
    await putRun('2019-04-01', '1', { 'part-00000': 'gamma 3\ndelta 4\n' });
    await scheduled();
    const before = await json('/downloads/point/2019-04-01');
    await scheduled(); // nothing new: nothing changes
    expect(await json('/downloads/point/2019-04-01')).toEqual(before);
    await putRun('2019-04-01', '2', { 'part-00000': 'gamma 3\ndelta 4\n' });
    await scheduled();
    expect(await json('/downloads/point/2019-04-01')).toEqual(before);
    expect(before.downloads).toBe(7);
    await putRun('2019-04-01', '10', { 'part-00000': 'gamma 1\n' }); // 10 > 2 numerically
    await scheduled();
    expect((await json('/downloads/point/2019-04-01/gamma')).downloads).toBe(1);
    expect((await json('/downloads/point/2019-04-01/delta')).downloads).toBe(0);
    expect((await json('/downloads/point/2019-04-01')).downloads).toBe(1);
  });

  it('resumes an interrupted import to exact totals', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `pkg-${i % 700} ${i % 13}`).join('\n');
    const want = Array.from({ length: 5000 }, (_, i) => i % 13).reduce((a, b) => a + b, 0);
    await putRun('2019-05-01', '1', { 'part-00000': lines, 'part-00001.gz': await gzip(lines) });
    let t = 0;
    const cut = await importAggregates(env.AGGREGATES, env.DB, [env.DB], {
      batchLines: 2000,
      budgetMs: 3,
      now: () => t++,
      days: new Set(['2019-05-01']),
    });
    expect(cut).toEqual([expect.objectContaining({ day: '2019-05-01', done: false, lines: 2000 })]);
    t = 0;
    const more = await importAggregates(env.AGGREGATES, env.DB, [env.DB], {
      batchLines: 2000,
      budgetMs: 3,
      now: () => t++,
      days: new Set(['2019-05-01']),
    });
    expect(more[0].done).toBe(false);
    await scheduled();
    expect((await json('/downloads/point/2019-05-01')).downloads).toBe(2 * want);
    expect((await json('/downloads/point/2019-05-01/pkg-5')).downloads).toBe(
      2 *
        Array.from({ length: 5000 }, (_, i) => i)
          .filter((i) => i % 700 === 5)
          .reduce((a, i) => a + (i % 13), 0),
    );
  });

  it('a corrupt .gz part fails its run without touching what was imported, and is retried', async () => {
    await putRun('2019-06-01', '1', {
      'part-00000': 'eps 2\n',
      'part-00001.gz': new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    });
    await scheduled();
    expect(await env.DB.prepare("SELECT state, part FROM dl_imports WHERE day = '2019-06-01'").first()).toEqual({
      state: 'importing',
      part: 1,
    });
    expect((await json('/downloads/point/2019-06-01/eps')).downloads).toBe(2);
    await scheduled(); // retried, still failing, still intact
    expect((await json('/downloads/point/2019-06-01/eps')).downloads).toBe(2);
    await putRun('2019-06-01', '2', { 'part-00000.gz': await gzip('eps 3\n') });
    await scheduled();
    expect((await json('/downloads/point/2019-06-01/eps')).downloads).toBe(3);
  });

  it('counts this registry’s own tarball downloads after the next import', async () => {
    const name = uniqueName('counted');
    await putUpstreamPackage(name, ['1.0.0', '2.0.0']);
    const today = new Date().toISOString().slice(0, 10);
    for (const v of ['1.0.0', '1.0.0', '2.0.0']) {
      const r = await fetchWorker(`/${name}/-/${name}-${v}.tgz`);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`, { method: 'HEAD' })).status).toBe(200); // not a download
    // the queue consumer counts each message once
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare('SELECT SUM(downloads) AS n FROM dl_traffic WHERE name = ?')
          .bind(name)
          .first<{ n: number }>();
        expect(row?.n).toBe(3);
      },
      { timeout: 20_000, interval: 100 },
    );
    await scheduled();
    const files = await env.AGGREGATES.list({ prefix: `own/${today}/` });
    expect(files.objects.some((o) => o.key.endsWith('/_SUCCESS'))).toBe(true);
    expect((await json(`/downloads/point/${today}/${name}`)).downloads).toBe(3);
    const versions = await env.DB.prepare('SELECT version, downloads FROM dl_traffic WHERE name = ? ORDER BY version')
      .bind(name)
      .all();
    expect(versions.results).toEqual([
      { version: '1.0.0', downloads: 2 },
      { version: '2.0.0', downloads: 1 },
    ]);
    expect(await json(`/versions/${name}/last-week`)).toEqual({ package: name, downloads: { '1.0.0': 2, '2.0.0': 1 } });
    // a second pass with no new downloads writes no new run and changes nothing
    await scheduled();
    expect((await json(`/downloads/point/${today}/${name}`)).downloads).toBe(3);
  }, 60_000);
});

describe('backfill', () => {
  const call = (query: string, token?: string, vars?: Partial<Env>) =>
    fetchWorker(
      `/-/admin/downloads/backfill?${query}`,
      { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} },
      vars,
    );
  const admin = { ADMIN_TOKEN: 'sekrit' };

  it('is off without ADMIN_TOKEN', async () => {
    const r = await call('start=2019-07-01&days=1', 'x');
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ error: expect.stringContaining('ADMIN_TOKEN') });
  });

  it('imports a date range again on demand', async () => {
    await putRun('2019-07-01', '1', { 'part-00000': 'zeta 4\n' });
    await putRun('2019-07-02', '1', { 'part-00000': 'zeta 5\n' });
    await scheduled();
    // someone wiped a day: backfill puts it back
    await env.DB.prepare('UPDATE dl_months SET d02 = 0 WHERE month = 201907').run();
    expect((await json('/downloads/point/2019-07-02/zeta')).downloads).toBe(0);
    expect((await call('start=2019-07-01&days=2', 'wrong', admin)).status).toBe(401);
    expect((await call('start=2019-7-1&days=2', 'sekrit', admin)).status).toBe(400);
    expect((await call('start=2019-07-01&days=0', 'sekrit', admin)).status).toBe(400);
    const r = await call('start=2019-07-01&days=2', 'sekrit', admin);
    const body = await r.json<any>();
    expect(body.complete).toBe(true);
    expect(body.results.map((x: any) => [x.day, x.done])).toEqual([
      ['2019-07-01', true],
      ['2019-07-02', true],
    ]);
    expect((await json('/downloads/point/2019-07-01:2019-07-02/zeta')).downloads).toBe(9);
  });
});

describe('packages named like the API', () => {
  it('still serves the packages `downloads` and `versions`', async () => {
    for (const name of ['downloads', 'versions']) {
      const { tarballs } = await putUpstreamPackage(name, ['1.0.0']);
      const doc = await fetchWorker(`/${name}`);
      expect([name, doc.status]).toEqual([name, 200]);
      expect((await doc.json<any>()).name).toBe(name);
      expect((await fetchWorker(`/${name}/1.0.0`)).status).toBe(200);
      const t = await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`);
      expect(new Uint8Array(await t.arrayBuffer())).toEqual(tarballs[`${name}-1.0.0.tgz`]);
    }
  });
});
