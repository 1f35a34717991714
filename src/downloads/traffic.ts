// Counting this registry's own tarball downloads: one queue message per download, counted exactly
// once in D1 (message ids are remembered in the same transaction), then written to the AGGREGATES
// bucket as a complete run per day under own/, which the importer loads like any other aggregate.
import type { DownloadEvent } from '../env';
import { addDays } from './periods';

const SEEN_DAYS = 14;

/** Sends one download event; counting must never break a download, so failures are only logged. */
export async function recordDownload(
  queue: Queue<DownloadEvent> | undefined,
  name: string,
  version: string,
  now = new Date(),
): Promise<void> {
  if (!queue) return;
  try {
    await queue.send({ name, version, day: now.toISOString().slice(0, 10) });
  } catch (e) {
    console.error(`download of ${name}@${version} not counted: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A message's three statements. The first remembers its id and changes nothing for a redelivered one;
 * the next two count only when the statement before them changed a row (`changes()`), so a batch
 * never fails on a redelivery and every message costs the same one batch call.
 */
function countStatements(db: D1Database, m: Message<DownloadEvent>): D1PreparedStatement[] {
  const { name, version, day } = m.body;
  return [
    db
      .prepare('INSERT INTO dl_traffic_seen (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING')
      .bind(m.id, m.timestamp.getTime()),
    db
      .prepare(
        'INSERT INTO dl_traffic (day, name, version, downloads) SELECT ?, ?, ?, 1 WHERE changes() = 1' +
          ' ON CONFLICT (day, name, version) DO UPDATE SET downloads = downloads + 1',
      )
      .bind(day, name, version),
    db
      .prepare(
        'INSERT INTO dl_traffic_days (day, changed) SELECT ?, 1 WHERE changes() = 1' +
          ' ON CONFLICT (day) DO UPDATE SET changed = changed + 1',
      )
      .bind(day),
  ];
}

function isEvent(v: unknown): v is DownloadEvent {
  const e = v as DownloadEvent;
  return !!e && typeof e.name === 'string' && typeof e.version === 'string' && typeof e.day === 'string';
}

/** One D1 batch (one transaction, one subrequest) per queue batch, however many messages it holds. */
export async function countDownloads(batch: MessageBatch<DownloadEvent>, env: { DB: D1Database }): Promise<void> {
  const db = env.DB;
  const usable = batch.messages.filter((m) => isEvent(m.body));
  // a failure retries the whole batch
  if (usable.length > 0) await db.batch(usable.flatMap((m) => countStatements(db, m)));
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
