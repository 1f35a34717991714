import { describe, expect, it } from 'vitest';
import { PeriodError, daysOf, monthsOf, parsePeriod, trimSpan } from '../../src/downloads/periods';

describe('parsePeriod', () => {
  it.each([
    ['last-day', '2020-03-01', '2020-03-01'],
    ['last-week', '2020-02-24', '2020-03-01'],
    ['last-month', '2020-02-01', '2020-03-01'], // 30 days, 2020 is a leap year,
    ['last-year', '2019-03-03', '2020-03-01'],
    ['2020-02-29', '2020-02-29', '2020-02-29'],
    ['2019-12-31:2020-01-02', '2019-12-31', '2020-01-02'],
    ['2020-01-01:2020-01-01', '2020-01-01', '2020-01-01'],
  ])('%s (landed 2020-03-01) → %s..%s', (period, start, end) => {
    expect(parsePeriod(period, '2020-03-01')).toEqual({ start, end });
  });

  it.each([
    ['last-decade', 'Invalid period specified'],
    ['', 'Invalid period specified'],
    ['today', 'Invalid period specified'],
    ['2020-01-01:', 'Invalid period specified'],
    ['2019-02-29', 'invalid date'],
    ['2020-00-10', 'invalid date'],
    ['2020-1-1', 'invalid date'],
    ['2020-01-02:2020-01-01', 'end date > start date'],
  ])('%s → %s', (period, message) => {
    expect(() => parsePeriod(period, '2020-03-01')).toThrow(PeriodError);
    expect(() => parsePeriod(period, '2020-03-01')).toThrow(message);
  });
});

describe('spans', () => {
  it('trims to the last 549 days (18 months)', () => {
    expect(trimSpan({ start: '2000-01-01', end: '2020-03-01' })).toEqual({ start: '2018-08-31', end: '2020-03-01' });
    expect(daysOf(trimSpan({ start: '2000-01-01', end: '2020-03-01' }))).toHaveLength(549);
    expect(trimSpan({ start: '2018-08-31', end: '2020-03-01' })).toEqual({ start: '2018-08-31', end: '2020-03-01' });
  });

  it('lists months and days', () => {
    expect(monthsOf({ start: '2019-11-30', end: '2020-02-01' })).toEqual([201911, 201912, 202001, 202002]);
    expect(daysOf({ start: '2020-02-28', end: '2020-03-01' })).toEqual(['2020-02-28', '2020-02-29', '2020-03-01']);
  });
});
