// Own downloads: counted in the isolate, sent many per message, and each message counted exactly once
// (redeliveries included) in one D1 batch.
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { countDownload } from '../../src/downloads/counter';
import { packCounts } from '../../src/downloads/download-counts';
import { countDownloads } from '../../src/downloads/traffic';
import type { Count, DownloadCounts } from '../../src/env';
import { uniqueName } from './helpers';

/** A batch as the Queues runtime delivers it: messages with ids, bodies and ack calls. */
function batchOf(messages: { id: string; body: unknown }[]): MessageBatch<unknown> & { acked: number } {
  const b = {
    queue: 'registry-download-events',
    acked: 0,
    messages: messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1, ack() {}, retry() {} })),
    ackAll() {
      b.acked++;
    },
    retryAll() {},
  };
  return b as unknown as MessageBatch<unknown> & { acked: number };
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

describe('counting messages', () => {
  it('counts a message of many counts once, redelivered or not, and drops malformed entries', async () => {
    const name = uniqueName('tr-many');
    const day = '2031-02-03';
    const id = crypto.randomUUID();
    const body = {
      counts: [
        [name, '1.0.0', day, 5],
        [name, '2.0.0', day, 2],
        [name, '1.0.0', day, 1],
        [name, '3.0.0', 'not a day', 4],
        [name, '3.0.0', day, -1],
        [name, '3.0.0', day],
      ],
    };
    await countDownloads(batchOf([{ id, body }]), env);
    await countDownloads(batchOf([{ id, body }]), env);
    const rows = await env.DB.prepare('SELECT version, downloads FROM dl_traffic WHERE name = ? ORDER BY version')
      .bind(name)
      .all();
    expect(rows.results).toEqual([
      { version: '1.0.0', downloads: 6 },
      { version: '2.0.0', downloads: 2 },
    ]);
    const days = await env.DB.prepare('SELECT changed FROM dl_traffic_days WHERE day = ?')
      .bind(day)
      .first<{ changed: number }>();
    expect(days?.changed).toBe(8);
  });

  it('packs counts into messages under the size limit, each count in exactly one', () => {
    const counts: Count[] = Array.from({ length: 1000 }, (_, i) => [`pkg-${i}`, '1.0.0', '2031-01-01', i + 1]);
    const messages = packCounts(counts, 4096);
    expect(messages.length).toBeGreaterThan(5);
    for (const m of messages) expect(JSON.stringify(m).length).toBeLessThanOrEqual(4096);
    expect(messages.flatMap((m) => m.counts)).toEqual(counts);
    expect(packCounts([])).toEqual([]);
  });

  it('sends an isolate’s downloads in the background, hundreds per Queue operation, each counted once', async () => {
    const name = uniqueName('tr-batch');
    let sends = 0;
    let sent = 0;
    // The real queue binding, with its operations counted.
    const queue = {
      sendBatch: (msgs: MessageSendRequest<DownloadCounts>[]) => {
        sends++;
        sent += msgs.length;
        return env.DOWNLOAD_EVENTS.sendBatch(msgs);
      },
    } as unknown as Queue<DownloadCounts>;
    const waits: Promise<unknown>[] = [];
    const ctx = { env: { DOWNLOAD_EVENTS: queue }, waitUntil: (p: Promise<unknown>) => waits.push(p) };
    for (let i = 0; i < 300; i++) countDownload(ctx, name, `1.0.${i % 3}`);
    expect(sends).toBe(0); // nothing is sent while the downloads are answered
    await Promise.all(waits);
    expect(sends).toBeLessThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(1);
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare('SELECT SUM(downloads) AS n FROM dl_traffic WHERE name = ?')
          .bind(name)
          .first<{ n: number }>();
        expect(row?.n).toBe(300);
      },
      { timeout: 20_000, interval: 100 },
    );
  });
});
