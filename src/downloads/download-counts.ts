// The messages that carry this registry's own download counts: many counts per message, so counting
// costs a Queue operation per batch of downloads rather than per download. Pure: packing and checking.
import type { Count, DownloadCounts } from '../env';
import { isDay } from './periods';

/** Below the Queue's 128 KB per message, and two of them below its 256 KB per `sendBatch`. */
export const MAX_MESSAGE_BYTES = 100_000;
/** `sendBatch` takes at most 100 messages and 256 KB. */
export const MAX_BATCH_MESSAGES = 2;

/** Groups counts into messages of at most `maxBytes` of JSON each. */
export function packCounts(counts: Iterable<Count>, maxBytes = MAX_MESSAGE_BYTES): DownloadCounts[] {
  const out: DownloadCounts[] = [];
  let cur: Count[] = [];
  let size = 16; // `{"counts":[]}` and slack
  for (const c of counts) {
    const n = JSON.stringify(c).length + 1;
    if (cur.length > 0 && size + n > maxBytes) {
      out.push({ counts: cur });
      cur = [];
      size = 16;
    }
    cur.push(c);
    size += n;
  }
  if (cur.length > 0) out.push({ counts: cur });
  return out;
}

/**
 * The valid counts of a message body; one of the older one-download shape (`{name, version, day}`)
 * counts too. Anything malformed is dropped.
 */
export function countsOf(body: unknown): Count[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as Partial<DownloadCounts> & { name?: unknown; version?: unknown; day?: unknown };
  if (typeof b.name === 'string' && typeof b.version === 'string' && typeof b.day === 'string')
    return isDay(b.day) ? [[b.name, b.version, b.day, 1]] : [];
  if (!Array.isArray(b.counts)) return [];
  return b.counts.filter(
    (c): c is Count =>
      Array.isArray(c) &&
      c.length === 4 &&
      typeof c[0] === 'string' &&
      typeof c[1] === 'string' &&
      typeof c[2] === 'string' &&
      isDay(c[2]) &&
      Number.isSafeInteger(c[3]) &&
      c[3] > 0,
  );
}
