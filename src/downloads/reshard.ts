// Moving download counts to a new number of shards (from today's single database to several), a page of
// packages per call so each call stays small: `copyPage` copies the packages of one shard that belong to
// another under the new count (merging: a day keeps the larger count, so a copy made twice, or after an
// import into the new shard, loses nothing); `prunePage` then deletes them where they no longer belong.
// The procedure (README, "Download counts"): copy, switch DOWNLOAD_SHARDS, copy again, prune.
import { shardOf } from './shards';

const DAY_COLS = Array.from({ length: 31 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
export const RESHARD_PAGE = 500;

export interface Page {
  /** packages handled in this page */
  packages: number;
  /** the name to continue after, or null when the shard is done */
  next: string | null;
}

interface Named {
  id: number;
  name: string;
}

/** The page of shard `from`'s packages after `after` that belong elsewhere under `count`, and where to go on. */
async function movingPage(
  shards: D1Database[],
  count: number,
  from: number,
  after: string,
  limit: number,
): Promise<{ moving: Named[]; next: string | null }> {
  const r = await shards[from]
    .prepare('SELECT id, name FROM dl_packages WHERE name > ? ORDER BY name LIMIT ?')
    .bind(after, limit)
    .all<Named>();
  const page = r.results;
  return {
    moving: page.filter((p) => shardOf(p.name, count) !== from),
    next: page.length < limit ? null : page[page.length - 1].name,
  };
}

/** Copies the packages after `after` in shard `from` that belong to another shard under `count`. */
export async function copyPage(
  shards: D1Database[],
  count: number,
  from: number,
  after: string,
  limit = RESHARD_PAGE,
): Promise<Page> {
  const { moving, next } = await movingPage(shards, count, from, after, limit);
  if (moving.length) {
    const rows = await shards[from]
      .prepare(
        `SELECT p.name AS name, m.month AS month, m.source AS source, ${DAY_COLS.map((c) => `m.${c}`).join(', ')}` +
          ' FROM dl_months m JOIN dl_packages p ON p.id = m.package_id' +
          ' WHERE m.package_id IN (SELECT value FROM json_each(?))',
      )
      .bind(JSON.stringify(moving.map((p) => p.id)))
      .all<Record<string, number> & { name: string }>();
    const byTarget = new Map<number, { names: string[]; rows: unknown[][] }>();
    for (const p of moving) {
      const t = shardOf(p.name, count);
      if (!byTarget.has(t)) byTarget.set(t, { names: [], rows: [] });
      byTarget.get(t)!.names.push(p.name);
    }
    for (const r of rows.results)
      byTarget.get(shardOf(r.name, count))!.rows.push([r.name, r.month, r.source, ...DAY_COLS.map((c) => r[c])]);
    await Promise.all(
      [...byTarget].map(([t, { names, rows: months }]) =>
        shards[t].batch([
          shards[t]
            .prepare('INSERT OR IGNORE INTO dl_packages (name) SELECT value FROM json_each(?)')
            .bind(JSON.stringify(names)),
          shards[t]
            .prepare(
              `INSERT INTO dl_months (package_id, month, source, ${DAY_COLS.join(', ')})` +
                ` SELECT p.id, json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), ${DAY_COLS.map(
                  (_, i) => `json_extract(j.value, '$[${i + 3}]')`,
                ).join(', ')}` +
                " FROM json_each(?) AS j JOIN dl_packages p ON p.name = json_extract(j.value, '$[0]') WHERE 1" +
                ` ON CONFLICT (package_id, month, source) DO UPDATE SET ${DAY_COLS.map(
                  (c) => `${c} = max(${c}, excluded.${c})`,
                ).join(', ')}`,
            )
            .bind(JSON.stringify(months)),
        ]),
      ),
    );
  }
  return { packages: moving.length, next };
}

/** Deletes, from shard `from`, the packages after `after` that belong to another shard under `count`. */
export async function prunePage(
  shards: D1Database[],
  count: number,
  from: number,
  after: string,
  limit = RESHARD_PAGE,
): Promise<Page> {
  const { moving, next } = await movingPage(shards, count, from, after, limit);
  const ids = JSON.stringify(moving.map((p) => p.id));
  const db = shards[from];
  const [, gone] = await db.batch([
    db.prepare('DELETE FROM dl_months WHERE package_id IN (SELECT value FROM json_each(?))').bind(ids),
    db.prepare('DELETE FROM dl_packages WHERE id IN (SELECT value FROM json_each(?))').bind(ids),
  ]);
  return { packages: gone.meta.changes ?? 0, next };
}
