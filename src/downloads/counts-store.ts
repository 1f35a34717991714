// D1 reads of download counts: day columns of dl_months back into per-day maps.
import type { PerDay } from './answers';
import { addDays, monthsOf, type Span } from './periods';

const DAY_COLS = Array.from({ length: 31 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
const SUMS = DAY_COLS.map((c) => `SUM(${c}) AS ${c}`).join(', ');
/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;

/** The last day whose aggregates have landed; own traffic only when there are no aggregates. */
export async function lastLandedDay(db: D1Database, today: string): Promise<string> {
  const r = await db
    .prepare(
      'SELECT (SELECT MAX(day) FROM dl_day_totals WHERE source = 0) AS agg,' +
        ' (SELECT MAX(day) FROM dl_day_totals WHERE source = 1 AND day < ?) AS own',
    )
    .bind(today)
    .first<{ agg: string | null; own: string | null }>();
  return r?.agg ?? r?.own ?? addDays(today, -1);
}

/** The last day of own-traffic data imported: per-version answers (own traffic only) end there. */
export async function lastOwnTrafficDay(db: D1Database, today: string): Promise<string> {
  const r = await db
    .prepare('SELECT MAX(day) AS day FROM dl_day_totals WHERE source = 1')
    .first<{ day: string | null }>();
  return r?.day ?? addDays(today, -1);
}

/** Package ids by name, for the names that have any data. */
export async function packageIds(db: D1Database, names: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < names.length; i += MAX_PARAMS) {
    const chunk = names.slice(i, i + MAX_PARAMS);
    const rows = await db
      .prepare(`SELECT id, name FROM dl_packages WHERE name IN (${chunk.map(() => '?').join(',')})`)
      .bind(...chunk)
      .all<{ id: number; name: string }>();
    for (const r of rows.results) out.set(r.name, r.id);
  }
  return out;
}

/** Per-day downloads of each package id over the span, all sources summed. */
export async function packageDays(db: D1Database, ids: number[], span: Span): Promise<Map<number, PerDay>> {
  const out = new Map<number, PerDay>(ids.map((id) => [id, new Map()]));
  if (ids.length === 0) return out;
  const months = monthsOf(span);
  const first = months[0];
  const last = months[months.length - 1];
  for (let i = 0; i < ids.length; i += MAX_PARAMS - 2) {
    const chunk = ids.slice(i, i + MAX_PARAMS - 2);
    const rows = await db
      .prepare(
        `SELECT package_id, month, ${SUMS} FROM dl_months WHERE package_id IN (${chunk.map(() => '?').join(',')})` +
          ' AND month BETWEEN ? AND ? GROUP BY package_id, month',
      )
      .bind(...chunk, first, last)
      .all<Record<string, number>>();
    for (const r of rows.results) {
      const perDay = out.get(r.package_id)!;
      const prefix = `${String(r.month).slice(0, 4)}-${String(r.month).slice(4, 6)}-`;
      DAY_COLS.forEach((c, d) => {
        if (r[c]) perDay.set(`${prefix}${String(d + 1).padStart(2, '0')}`, r[c]);
      });
    }
  }
  return out;
}

/** Per-day all-packages totals over the span. */
export async function totalDays(db: D1Database, span: Span): Promise<PerDay> {
  const rows = await db
    .prepare('SELECT day, SUM(downloads) AS downloads FROM dl_day_totals WHERE day BETWEEN ? AND ? GROUP BY day')
    .bind(span.start, span.end)
    .all<{ day: string; downloads: number }>();
  return new Map(rows.results.map((r) => [r.day, r.downloads]));
}

/** Own-traffic downloads per version of one package over the span. */
export async function versionDownloads(
  db: D1Database,
  name: string,
  span: Span,
): Promise<Record<string, number> | undefined> {
  const rows = await db
    .prepare(
      'SELECT version, SUM(downloads) AS downloads FROM dl_traffic' +
        ' WHERE name = ? AND day BETWEEN ? AND ? GROUP BY version',
    )
    .bind(name, span.start, span.end)
    .all<{ version: string; downloads: number }>();
  if (rows.results.length === 0) {
    const any = await db.prepare('SELECT 1 FROM dl_traffic WHERE name = ? LIMIT 1').bind(name).first();
    if (!any) return undefined;
  }
  return Object.fromEntries(rows.results.map((r) => [r.version, r.downloads]));
}
