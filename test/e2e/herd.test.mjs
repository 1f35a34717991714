// Concurrent misses for one packument, each its own request in npm start's workerd, share one
// upstream fetch, even when the request that started it goes away before the upstream answers.
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useRegistry } from './support.mjs';

const live = useRegistry();

const control = (path, init) => fetch(new URL(`__control/${path}`, live.upstream.url), init);

describe('a herd of cold requests through npm start', () => {
  it('costs one upstream fetch, and survives the first request being cancelled', async () => {
    const { names } = await (await control('fixtures')).json();
    const name = names.find((n) => !n.startsWith('@'));
    expect(name).toBeDefined();
    // the upstream takes 800 ms to answer
    await control(`faults/${encodeURIComponent(name)}`, { method: 'PUT', body: JSON.stringify({ mode: 'slow' }) });

    const doc = new URL(name, live.registry.url);
    const gone = new AbortController();
    const first = fetch(doc, { signal: gone.signal }).then(
      () => 'answered',
      () => 'cancelled',
    );
    // its upstream fetch is under way: the fake upstream has the request (and holds its answer for 800 ms)
    await vi.waitFor(
      async () => {
        const { hits } = await (await control(`hits/${encodeURIComponent(name)}`)).json();
        if (hits < 1) throw new Error(`the upstream has not been asked for ${name} yet`);
      },
      { timeout: 5_000, interval: 20 },
    );
    const herd = Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(doc, { headers: i % 2 ? {} : { accept: 'application/vnd.npm.install-v1+json' } }).then(async (r) => ({
          status: r.status,
          versions: Object.keys((await r.json()).versions ?? {}).length,
        })),
      ),
    );
    // Time for the herd to reach workerd and join the flight; nothing outside shows that they have.
    await new Promise((r) => setTimeout(r, 100));
    gone.abort();

    const answers = await herd;
    expect(await first).toBe('cancelled');
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.versions)).size).toBe(1);
    expect(answers[0].versions).toBeGreaterThan(0);
    const { hits } = await (await control(`hits/${encodeURIComponent(name)}`)).json();
    expect(hits).toBe(1);
  });

  // fetch() cannot send these, so they go over a raw socket: a GET or HEAD with a chunked body.
  it.each(['GET /-/ping', 'HEAD /-/ping', 'GET /-/v1/search?text=x'])(
    'answers %s sent with a chunked body, not a 500',
    async (line) => {
      const { host, port } = new URL(live.registry.url);
      const answer = await new Promise((resolve, reject) => {
        const socket = connect(Number(port), host.split(':')[0], () => {
          socket.end(
            `${line} HTTP/1.1\r\nhost: ${host}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
              '5\r\nhello\r\n0\r\n\r\n',
          );
        });
        let text = '';
        socket.on('data', (d) => (text += d));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    },
  );
});
