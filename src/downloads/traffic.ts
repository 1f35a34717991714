// Counting this registry's own tarball downloads: messages of many counts (src/downloads/counter.ts),
// each counted exactly once in D1 (message ids are remembered in the same transaction), then written
// to the AGGREGATES bucket as a complete run per day under own/, which the importer loads like any other.
import type { Count } from '../env';
import { countsOf } from './download-counts';
import { addDays } from './periods';

const SEEN_DAYS = 14;

/** A message's counts as rows, from its JSON (`[name, version, day, n]` each). */
const COUNTS =
  "SELECT value ->> '$[0]' AS name, value ->> '$[1]' AS version, value ->> '$[2]' AS day," +
  " value ->> '$[3]' AS n FROM json_each(?)";

/**
 * A message's three statements, one batch call for any number of messages. The first remembers its id
 * and changes nothing for a redelivered one; the next two count only when the statement before them
 * changed a row (`changes()`), so a redelivery counts nothing and never fails the batch.
 */
function countStatements(db: D1Database, m: Message<unknown>, counts: Count[]): D1PreparedStatement[] {
  const json = JSON.stringify(counts);
  return [
    db
      .prepare('INSERT INTO dl_traffic_seen (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING')
      .bind(m.id, m.timestamp.getTime()),
    db
      .prepare(
        'INSERT INTO dl_traffic (day, name, version, downloads) SELECT day, name, version, SUM(n)' +
          ` FROM (${COUNTS}) WHERE changes() = 1 GROUP BY day, name, version` +
          ' ON CONFLICT (day, name, version) DO UPDATE SET downloads = downloads + excluded.downloads',
      )
      .bind(json),
    db
      .prepare(
        `INSERT INTO dl_traffic_days (day, changed) SELECT day, SUM(n) FROM (${COUNTS})` +
          ' WHERE changes() > 0 GROUP BY day ON CONFLICT (day) DO UPDATE SET changed = changed + excluded.changed',
      )
      .bind(json),
  ];
}

/** One D1 batch (one transaction, one subrequest) per queue batch, however many messages it holds. */
export async function countDownloads(batch: MessageBatch<unknown>, env: { DB: D1Database }): Promise<void> {
  const db = env.DB;
  const statements = batch.messages.flatMap((m) => {
    const counts = countsOf(m.body);
    return counts.length > 0 ? countStatements(db, m, counts) : [];
  });
  // a failure retries the whole batch
  if (statements.length > 0) await db.batch(statements);
  batch.ackAll();
}

/** Writes a new complete run for every day whose counts changed since its last run. */
export async function flushOwnTraffic(db: D1Database, bucket: R2Bucket, now = new Date()): Promise<void> {
  const days = await db
    .prepare('SELECT day, changed FROM dl_traffic_days WHERE changed > flushed')
    .all<{ day: string; changed: number }>();
  for (const { day, changed } of days.results) {
    const rows = await db
      .prepare('SELECT name, SUM(downloads) AS n FROM dl_traffic WHERE day = ? GROUP BY name')
      .bind(day)
      .all<{ name: string; n: number }>();
    const run = String(now.getTime()).padStart(15, '0');
    const prefix = `own/${day}/`;
    await bucket.put(`${prefix}${run}/part-00000`, rows.results.map((r) => `${r.name} ${r.n}\n`).join(''));
    await bucket.put(`${prefix}${run}/_SUCCESS`, '');
    await db
      .prepare('UPDATE dl_traffic_days SET flushed = ? WHERE day = ? AND flushed < ?')
      .bind(changed, day, changed)
      .run();
    // Older runs of the day are superseded by this one.
    const old = await bucket.list({ prefix });
    const stale = old.objects.map((o) => o.key).filter((k) => !k.startsWith(`${prefix}${run}/`));
    if (stale.length) await bucket.delete(stale);
  }
  await db
    .prepare('DELETE FROM dl_traffic_seen WHERE at < ?')
    .bind(Date.parse(addDays(now.toISOString().slice(0, 10), -SEEN_DAYS)))
    .run();
}
