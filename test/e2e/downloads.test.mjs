// Download counts end to end: npm start, aggregates put with `wrangler r2 object put --local`,
// the cron handler run through GET /__scheduled, the API over HTTP, and the backfill script.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, exec, putAggregate, useRegistry } from './support.mjs';

const live = useRegistry();

const putObject = (key, text) => putAggregate(live.registry.stateDir, key, text);

const api = async (path) => {
  const r = await fetch(new URL(path, live.registry.url));
  return [r.status, await r.json()];
};

describe('download counts through npm start', () => {
  it('imports aggregates put into local R2 when /__scheduled runs, and serves them', async () => {
    await putObject('2020-02-01/100/part-00000', 'left-pad 12\nabbrev 3\nMixed 9\n');
    await putObject('2020-02-01/100/_SUCCESS', '');
    await putObject('2020-02-02/100/part-00000', 'left-pad 8\n');
    await putObject('2020-02-02/100/_SUCCESS', '');
    const s = await fetch(new URL('__scheduled', live.registry.url));
    expect(s.status).toBe(200);
    await s.text();

    expect(await api('downloads/point/last-day/left-pad')).toEqual([
      200,
      { downloads: 8, start: '2020-02-02', end: '2020-02-02', package: 'left-pad' },
    ]);
    expect(await api('downloads/point/2020-02-01:2020-02-02')).toEqual([
      200,
      { downloads: 23, start: '2020-02-01', end: '2020-02-02' },
    ]);
    const [, range] = await api('downloads/range/2020-01-31:2020-02-02/left-pad');
    expect(range.downloads).toEqual([
      { downloads: 0, day: '2020-01-31' },
      { downloads: 12, day: '2020-02-01' },
      { downloads: 8, day: '2020-02-02' },
    ]);
    expect(await api('downloads/point/2020-02-01/left-pad,abbrev,mixed')).toEqual([
      200,
      {
        'left-pad': { downloads: 12, start: '2020-02-01', end: '2020-02-01', package: 'left-pad' },
        abbrev: { downloads: 3, start: '2020-02-01', end: '2020-02-01', package: 'abbrev' },
        mixed: null,
      },
    ]);
    expect(await api('downloads/point/2020-02-31/left-pad')).toEqual([400, { error: 'invalid date' }]);
    expect(await api('downloads/point/2020-02-01/nope')).toEqual([404, { error: 'package nope not found' }]);
  });

  it('backfills a date range with the backfill script', async () => {
    await putObject('2020-02-01/200/part-00000', 'left-pad 1\n');
    await putObject('2020-02-01/200/_SUCCESS', '');
    const { stdout } = await exec(
      process.execPath,
      [join(ROOT, 'scripts', 'backfill.mjs'), '2020-02-01', '2', live.registry.url],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/2020-02-01 source=0 run=200 lines=1/);
    expect(stdout).toMatch(/backfill complete/);
    expect(await api('downloads/point/2020-02-01/left-pad')).toEqual([
      200,
      { downloads: 1, start: '2020-02-01', end: '2020-02-01', package: 'left-pad' },
    ]);
  });
});
