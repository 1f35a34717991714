// The queue consumer counts each download message exactly once, redeliveries included, in one D1 batch.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { countDownloads } from '../../src/downloads/traffic';
import type { DownloadEvent } from '../../src/env';
import { uniqueName } from './helpers';

/** A batch as the Queues runtime delivers it: messages with ids, bodies and ack calls. */
function batchOf(messages: { id: string; body: unknown }[]): MessageBatch<DownloadEvent> & { acked: number } {
  const b = {
    queue: 'registry-download-events',
    acked: 0,
    messages: messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1, ack() {}, retry() {} })),
    ackAll() {
      b.acked++;
    },
    retryAll() {},
  };
  return b as unknown as MessageBatch<DownloadEvent> & { acked: number };
}

describe('counting own downloads', () => {
  it('counts a message redelivered in the same batch or a later one once, and skips malformed bodies', async () => {
    const name = uniqueName('tr-pkg');
    const day = '2031-01-02';
    const ev = (version: string) => ({ name, version, day });
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const first = batchOf([
      { id: ids[0], body: ev('1.0.0') },
      { id: ids[1], body: ev('1.0.0') },
      { id: ids[0], body: ev('1.0.0') },
      { id: 'junk', body: { name: 5 } },
    ]);
    await countDownloads(first, env);
    const again = batchOf([
      { id: ids[1], body: ev('1.0.0') },
      { id: ids[2], body: ev('2.0.0') },
    ]);
    await countDownloads(again, env);
    expect(first.acked + again.acked).toBe(2);
    const rows = await env.DB.prepare('SELECT version, downloads FROM dl_traffic WHERE name = ? ORDER BY version')
      .bind(name)
      .all();
    expect(rows.results).toEqual([
      { version: '1.0.0', downloads: 2 },
      { version: '2.0.0', downloads: 1 },
    ]);
    const days = await env.DB.prepare('SELECT changed FROM dl_traffic_days WHERE day = ?')
      .bind(day)
      .first<{ changed: number }>();
    expect(days?.changed).toBe(3);
  });
});
