// D1 reads of download counts. Per-package counts live in the shard databases (src/downloads/shards.ts):
// day columns of dl_months back into per-day maps, one query per shard a request touches, run in
// parallel. Day totals, import progress and own traffic by version live in the registry's `DB`.
import type { PerDay } from './answers';
import { addDays, monthsOf, type Span } from './periods';
import { byShard } from './shards';

const DAY_COLS = Array.from({ length: 31 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
const SUMS = DAY_COLS.map((c) => `SUM(m.${c}) AS ${c}`).join(', ');

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

/**
 * Per-day downloads over the span (all sources summed) of each name that has any data: absent from the
 * map when the name has none at all. One query per shard the names fall in (names go as one JSON value:
 * no bound-parameter limit), in parallel.
 */
export async function packageDays(shards: D1Database[], names: string[], span: Span): Promise<Map<string, PerDay>> {
  const out = new Map<string, PerDay>();
  if (names.length === 0) return out;
  const months = monthsOf(span);
  const first = months[0];
  const last = months[months.length - 1];
  const answers = await Promise.all(
    byShard(names, shards.length).map(([s, group]) =>
      shards[s]
        .prepare(
          `SELECT p.name AS name, m.month AS month, ${SUMS} FROM dl_packages p` +
            ' LEFT JOIN dl_months m ON m.package_id = p.id AND m.month BETWEEN ? AND ?' +
            ' WHERE p.name IN (SELECT value FROM json_each(?)) GROUP BY p.name, m.month',
        )
        .bind(first, last, JSON.stringify(group))
        .all<Record<string, number> & { name: string; month: number | null }>(),
    ),
  );
  for (const { results } of answers)
    for (const r of results) {
      let perDay = out.get(r.name);
      if (!perDay) {
        perDay = new Map();
        out.set(r.name, perDay);
      }
      if (r.month === null) continue; // known, but nothing in these months
      const prefix = `${String(r.month).slice(0, 4)}-${String(r.month).slice(4, 6)}-`;
      DAY_COLS.forEach((c, d) => {
        if (r[c]) perDay.set(`${prefix}${String(d + 1).padStart(2, '0')}`, r[c]);
      });
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
