// Periods of the download-counts API, as npm's public API reads them. Pure: days are 'YYYY-MM-DD' (UTC).

export interface Span {
  start: string;
  end: string;
}

export class PeriodError extends Error {}

const DAY_MS = 86_400_000;
const LAST: Record<string, number> = { 'last-day': 1, 'last-week': 7, 'last-month': 30, 'last-year': 365 };
/** Single-package answers cover at most 18 months. */
export const MAX_SPAN_DAYS = 549;
export const MAX_BULK_DAYS = 365;

export function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}

export function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

/** Days from start to end, both included. */
export function spanDays(s: Span): number {
  return dayNumber(s.end) - dayNumber(s.start) + 1;
}

export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/**
 * `lastDay` is the last day whose data has landed: `last-*` periods end there.
 * Throws PeriodError with npm's texts.
 */
export function parsePeriod(period: string, lastDay: string): Span {
  const n = Object.hasOwn(LAST, period) ? LAST[period] : undefined; // not `constructor` and the like
  if (n !== undefined) return { start: addDays(lastDay, 1 - n), end: lastDay };
  const m = /^(\d{4}-\d{2}-\d{2})(?::(\d{4}-\d{2}-\d{2}))?$/.exec(period);
  if (!m) {
    if (/^[\d-]+(:[\d-]+)?$/.test(period)) throw new PeriodError('invalid date');
    throw new PeriodError('Invalid period specified');
  }
  const [start, end = start] = [m[1], m[2]];
  if (!isDay(start) || !isDay(end)) throw new PeriodError('invalid date');
  if (start > end) throw new PeriodError('end date > start date');
  return { start, end };
}

/** Keeps the last MAX_SPAN_DAYS days of a longer span. */
export function trimSpan(s: Span): Span {
  return spanDays(s) > MAX_SPAN_DAYS ? { start: addDays(s.end, 1 - MAX_SPAN_DAYS), end: s.end } : s;
}

/** The months (YYYYMM) a span touches. */
export function monthsOf(s: Span): number[] {
  const out: number[] = [];
  let y = Number(s.start.slice(0, 4));
  let m = Number(s.start.slice(5, 7));
  const endKey = Number(s.end.slice(0, 4)) * 100 + Number(s.end.slice(5, 7));
  for (let key = y * 100 + m; key <= endKey; key = y * 100 + m) {
    out.push(key);
    if (++m === 13) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** Every day of a span, in order. */
export function daysOf(s: Span): string[] {
  const out: string[] = [];
  for (let d = dayNumber(s.start), e = dayNumber(s.end); d <= e; d++) out.push(dayString(d));
  return out;
}
