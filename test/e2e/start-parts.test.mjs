// npm start's own parts, without starting it: the rate-limited log and the cron matcher and scheduler.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCron, scheduleCrons } from '../../scripts/start-cron.mjs';
import { limitedLog } from '../../scripts/start-log.mjs';

afterEach(() => vi.useRealTimers());

describe('limitedLog', () => {
  it('writes a burst, then drops, and says how many it dropped', () => {
    vi.useFakeTimers();
    const out = [];
    const log = limitedLog({ perSecond: 10, burst: 50, reportEvery: 1000, write: (s) => out.push(s) });
    for (let i = 0; i < 100_000; i++) log.line(`Too many open files ${i}`);
    expect(out).toHaveLength(50);
    vi.advanceTimersByTime(1000); // ten more tokens, and the report
    expect(out.at(-1)).toMatch(/^npm start: 99950 log lines dropped in the last 1 s/);
    for (let i = 0; i < 100; i++) log.line('again');
    expect(out.filter((l) => l === 'again\n')).toHaveLength(10);
    log.close();
  });

  it('cuts long lines, and does not hold a line that never ends', async () => {
    const out = [];
    const log = limitedLog({ maxLength: 100, write: (s) => out.push(s) });
    log.line('x'.repeat(1000));
    expect(out[0]).toBe(`${'x'.repeat(100)} … (900 more characters)\n`);
    const stream = new PassThrough();
    log.pipe(stream, '[w] ');
    for (let i = 0; i < 1000; i++) stream.write('y'.repeat(1000)); // 1 MB without a newline
    stream.write('\nnext\nlast');
    stream.end();
    await new Promise((r) => stream.on('end', r));
    expect(out).toHaveLength(4); // the cut line once, then the two after it
    expect(out[1]).toMatch(/^\[w\] y{96,}/);
    expect(out[1].length).toBeLessThan(200);
    expect(out.slice(2)).toEqual(['[w] next\n', '[w] last\n']);
    log.close();
  });
});

describe('parseCron', () => {
  const at = (s) => new Date(`${s}Z`);
  it('matches the fields in UTC', () => {
    const hourly = parseCron('0 * * * *');
    expect(hourly.matches(at('2026-03-01T05:00:59'))).toBe(true);
    expect(hourly.matches(at('2026-03-01T05:01:00'))).toBe(false);
    const office = parseCron('*/15 9-17 * JAN-MAR mon-fri');
    expect(office.matches(at('2026-03-02T09:45:00'))).toBe(true); // a Monday
    expect(office.matches(at('2026-03-01T09:45:00'))).toBe(false); // a Sunday
    expect(office.matches(at('2026-04-01T09:45:00'))).toBe(false);
    expect(parseCron('0 0 * * 7').matches(at('2026-03-01T00:00:00'))).toBe(true); // 7 is Sunday
    expect(parseCron('5,10-12/2 * * * *').matches(at('2026-03-01T00:12:00'))).toBe(true);
  });

  it('matches day of month OR day of week when both are restricted, as cron does', () => {
    const c = parseCron('0 0 1 * MON');
    expect(c.matches(at('2026-04-01T00:00:00'))).toBe(true); // the 1st, a Wednesday
    expect(c.matches(at('2026-04-06T00:00:00'))).toBe(true); // a Monday
    expect(c.matches(at('2026-04-07T00:00:00'))).toBe(false);
  });

  it.each(['0 * * *', '0 0 L * *', '0 0 * * 5#3', '0 0 15W * *', '61 * * * *', '5-1 * * * *', '0 0 ? * *'])(
    'refuses %s',
    (expr) => {
      expect(() => parseCron(expr)).toThrow();
    },
  );
});

describe('scheduleCrons', () => {
  it('fires each matching cron once a minute, at the minute', () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T04:58:30Z') });
    const fired = [];
    const stop = scheduleCrons([parseCron('0 * * * *'), parseCron('* * * * *')], (expr, t) =>
      fired.push(`${expr} ${t.toISOString()}`),
    );
    vi.advanceTimersByTime(150_000);
    stop();
    vi.advanceTimersByTime(600_000);
    expect(fired).toEqual([
      '* * * * * 2026-03-01T04:59:00.000Z',
      '0 * * * * 2026-03-01T05:00:00.000Z',
      '* * * * * 2026-03-01T05:00:00.000Z',
    ]);
  });
});
