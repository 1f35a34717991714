// Every full/abbreviated pair of the shared fixtures: the abbreviated document derived here must
// equal the one the public registry served, once tarball URLs are mapped back to the upstream.
import { describe, expect, inject, it } from 'vitest';
import { derivePackument } from '../../src/packages/derive';
import { ORIGIN, fetchWorker, settle } from './helpers';

const upstream = inject('upstreamUrl');
const shared = inject('sharedFixtures');

/** pacote's cache bookkeeping, present in three captured abbreviated files; not registry data. */
function withoutCaptureArtifacts(doc: Record<string, unknown>) {
  delete doc._cached;
  delete doc._contentLength;
  return doc;
}

function toUpstream(text: string): unknown {
  return JSON.parse(text.replaceAll(`${ORIGIN}/`, upstream));
}

async function fixtureNames(): Promise<string[]> {
  const r = await fetch(`${upstream}__control/fixtures`);
  return ((await r.json()) as { names: string[] }).names;
}

async function expected(name: string): Promise<unknown | undefined> {
  const text = await (await fetch(`${upstream}__control/min/${encodeURIComponent(name)}`)).text();
  try {
    return withoutCaptureArtifacts(JSON.parse(text));
  } catch {
    return undefined; // types/mocha.min.json was captured malformed
  }
}

/** Runs `derive` on every fixture pair and returns the names whose result differs, and how many ran. */
async function comparePairs(
  derive: (name: string) => Promise<unknown>,
): Promise<{ compared: number; mismatches: string[] }> {
  let compared = 0;
  const mismatches: string[] = [];
  for (const name of await fixtureNames()) {
    const want = await expected(name);
    if (want === undefined) continue;
    const got = await derive(name);
    compared++;
    if (JSON.stringify(sortKeys(got)) !== JSON.stringify(sortKeys(want))) mismatches.push(name);
  }
  return { compared, mismatches };
}

describe.skipIf(!shared)('corgi conformance over shared/fixtures', () => {
  it('derives every abbreviated document exactly', async () => {
    const result = await comparePairs(async (name) => {
      const full = new Uint8Array(await (await fetch(upstream + name.replace('/', '%2f'))).arrayBuffer());
      return toUpstream(new TextDecoder().decode(derivePackument(full, name, ORIGIN).abbreviated));
    });
    expect(result).toEqual({ compared: 1123, mismatches: [] });
  }, 300_000);

  it('serves the same documents through the Worker', async () => {
    const result = await comparePairs(async (name) => {
      const r = await fetchWorker(`/${name.replace('/', '%2f')}`, {
        headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' },
      });
      expect([name, r.status, r.headers.get('content-type')]).toEqual([
        name,
        200,
        'application/vnd.npm.install-v1+json',
      ]);
      return toUpstream(await r.text());
    });
    await settle();
    expect(result).toEqual({ compared: 1123, mismatches: [] });
  }, 600_000);
});

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}
