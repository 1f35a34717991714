// Counts tarball downloads in the isolate and sends them in the background, many per Queue message:
// a download never waits for counting, and under load a Queue operation carries a second's downloads.
// What an isolate that dies before its flush (a crash, an exceeded limit) loses: the counts of at most
// its last FLUSH_MS. A send that fails is logged, and those counts are lost; none is ever counted twice
// (each message is counted once by its id, src/downloads/traffic.ts).
import type { Count, DownloadCounts } from '../env';
import { MAX_BATCH_MESSAGES, packCounts } from './download-counts';

/** How long counts wait in the isolate for others to share their message. */
export const FLUSH_MS = 1000;
/** Distinct (name, version, day) counts that make a request send at once rather than wait. */
const FLUSH_AT = 500;

/** Per isolate: plain data only (no I/O object crosses requests); the request that arms the timer sends. */
const pending = new Map<string, Count>();
let armed = false;

/**
 * Counts one download of `name@version` today. The first download after a flush arms a timer in its
 * request's `waitUntil`; when it fires, that request sends everything counted meanwhile.
 */
export function countDownload(
  ctx: { env: { DOWNLOAD_EVENTS?: Queue<DownloadCounts> }; waitUntil: (p: Promise<unknown>) => void },
  name: string,
  version: string,
  now = new Date(),
): void {
  const queue = ctx.env.DOWNLOAD_EVENTS;
  if (!queue) return;
  const day = now.toISOString().slice(0, 10);
  const key = `${name}\n${version}\n${day}`;
  const c = pending.get(key);
  if (c) c[3]++;
  else pending.set(key, [name, version, day, 1]);
  if (pending.size >= FLUSH_AT) ctx.waitUntil(flush(queue));
  else if (!armed) {
    armed = true;
    ctx.waitUntil(new Promise((r) => setTimeout(r, FLUSH_MS)).then(() => flush(queue)));
  }
}

/** Sends every pending count now. */
export async function flush(queue: Queue<DownloadCounts>): Promise<void> {
  armed = false;
  const messages = packCounts(pending.values());
  pending.clear();
  for (let i = 0; i < messages.length; i += MAX_BATCH_MESSAGES) {
    const batch = messages.slice(i, i + MAX_BATCH_MESSAGES);
    try {
      await queue.sendBatch(batch.map((body) => ({ body })));
    } catch (e) {
      const n = batch.reduce((sum, m) => sum + m.counts.reduce((s, c) => s + c[3], 0), 0);
      console.error(`${n} downloads not counted: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
