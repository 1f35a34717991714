// Twenty parallel cold misses of large packuments (2 to 25 MB, ~190 MB in all) through npm start: the
// load under which `wrangler dev` ran out of file descriptors and logged without end. All answer, the
// second round comes from the cache, npm start still answers, and its log and descriptors stay small.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { herd, putLargeDocs } from './large-docs.mjs';
import { useRegistry } from './support.mjs';

const live = useRegistry();

/** Open descriptors of every process in npm start's group (Linux), or undefined elsewhere. */
function groupFds(pgid) {
  if (!existsSync('/proc/self/fd')) return undefined;
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid)
        n += readdirSync(`/proc/${pid}/fd`).length;
    } catch {}
  }
  return n;
}

describe('a herd of cold requests for large packuments through npm start', () => {
  it('answers all twenty, then from the cache, and stays healthy', async () => {
    const docs = await putLargeDocs(live.upstream.url);
    const total = docs.reduce((n, d) => n + d.bytes, 0);
    expect(total).toBeGreaterThan(150e6);

    const check = (round) => {
      expect(round.answers.map((a) => [a.name, a.status, a.versions])).toEqual(
        docs.map((d) => [d.name, 200, d.versions]),
      );
      expect(round.wallMs).toBeLessThan(120_000);
    };
    const cold = await herd(live.registry.url, docs, { timeoutMs: 120_000 });
    const fdsAfterCold = groupFds(live.registry.pid);
    check(cold);
    const warm = await herd(live.registry.url, docs, { timeoutMs: 120_000 });
    check(warm);
    console.log(
      `herd of ${docs.length} (${(total / 1e6).toFixed(0)} MB): cold ${(cold.wallMs / 1000).toFixed(1)} s, ` +
        `cached ${(warm.wallMs / 1000).toFixed(1)} s; ` +
        `retried on a closed kept-alive socket: ${cold.retries.length + warm.retries.length}; ` +
        `${fdsAfterCold} descriptors in npm start's group after the cold round; ` +
        `log ${live.registry.log().length} bytes`,
    );

    // one upstream fetch per document: the second round was served from what the first stored
    for (const { name } of docs) {
      const { hits } = await (
        await fetch(new URL(`__control/hits/${encodeURIComponent(name)}`, live.upstream.url))
      ).json();
      expect(hits, name).toBe(1);
    }
    expect((await fetch(new URL('-/ping', live.registry.url))).status).toBe(200);
    if (fdsAfterCold !== undefined) expect(fdsAfterCold).toBeLessThan(1000);
    expect(live.registry.log().length).toBeLessThan(1e6);
  });
});
