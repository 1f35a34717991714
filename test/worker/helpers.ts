// Shared steering for integration tests: the fake upstream's control API and the cache's KV state.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index';
import type { Env } from '../../src/env';
import { inject, vi } from 'vitest';
import { digests } from './codec';
import { forgetInIsolate } from '../../src/cache/packument-cache';

export const upstream = inject('upstreamUrl');
export const ORIGIN = 'http://reg.test';
export const CORGI = 'application/vnd.npm.install-v1+json';

let seq = 0;
/** A package name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${seq++}`;
}

export async function setFault(name: string, mode: string): Promise<void> {
  const r = await fetch(`${upstream}__control/faults/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: JSON.stringify({ mode }),
  });
  if (!r.ok) throw new Error(`fault control failed: ${r.status}`);
}

/** The requests a fake upstream saw for `name`, with the Authorization header each carried. */
export async function upstreamRequests(
  name: string,
  at = upstream,
): Promise<{ path: string; authorization: string | null }[]> {
  const r = await fetch(`${at}__control/seen/${encodeURIComponent(name)}`);
  return ((await r.json()) as { requests: { path: string; authorization: string | null }[] }).requests;
}

export async function upstreamHits(name: string): Promise<number> {
  const r = await fetch(`${upstream}__control/hits/${encodeURIComponent(name)}`);
  return ((await r.json()) as { hits: number }).hits;
}

export async function waitForHits(name: string, atLeast: number): Promise<number> {
  return vi.waitFor(
    async () => {
      const h = await upstreamHits(name);
      if (h < atLeast) throw new Error(`upstream saw ${h} of ${atLeast} requests for ${name}`);
      return h;
    },
    { timeout: 2000, interval: 20 },
  );
}

export interface Published {
  name: string;
  doc: Record<string, any>;
  tarballs: Record<string, Uint8Array>;
}

export const secondUpstream = inject('secondUpstreamUrl');

/**
 * Puts a package with real tarballs (and matching integrity) on the fake upstream (`at`: another one),
 * its tarballs on `tarballsAt` (default: the same upstream), as a registry behind a CDN lists them.
 */
export async function putUpstreamPackage(
  name: string,
  versions: string[],
  extra: (v: string) => object = () => ({}),
  { at = upstream, tarballsAt = at }: { at?: string; tarballsAt?: string } = {},
): Promise<Published> {
  const base = name.split('/').pop()!;
  const doc: Record<string, any> = {
    _id: name,
    name,
    'dist-tags': { latest: versions[versions.length - 1] },
    versions: {},
    time: { created: '2020-01-01T00:00:00.000Z', modified: '2021-02-03T04:05:06.000Z' },
    readme: `# ${name}`,
  };
  const tarballs: Record<string, Uint8Array> = {};
  for (const v of versions) {
    const bytes = new TextEncoder().encode(`tarball of ${name}@${v} `.repeat(50));
    const file = `${base}-${v}.tgz`;
    tarballs[file] = bytes;
    const { integrity, shasum } = await digests(bytes);
    doc.versions[v] = {
      name,
      version: v,
      description: 'x',
      scripts: { test: 't' },
      directories: {},
      dist: { integrity, shasum, tarball: `${tarballsAt}${name}/-/${file}` },
      ...extra(v),
    };
    doc.time[v] = '2020-01-01T00:00:00.000Z';
    const r = await fetch(`${tarballsAt}__control/tarballs/${encodeURIComponent(`${name}/${file}`)}`, {
      method: 'PUT',
      body: bytes,
    });
    if (!r.ok) throw new Error('tarball control failed');
  }
  await putUpstreamDoc(name, doc, at);
  return { name, doc, tarballs };
}

export async function putUpstreamDoc(name: string, doc: unknown, at = upstream): Promise<void> {
  const r = await fetch(`${at}__control/packages/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: JSON.stringify(doc),
  });
  if (!r.ok) throw new Error('package control failed');
}

export async function deleteUpstreamDoc(name: string): Promise<void> {
  await fetch(`${upstream}__control/packages/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

const metaKey = (name: string) => `meta:${ORIGIN}:${name}`;

export async function readMeta(name: string): Promise<Record<string, any> | null> {
  return env.METADATA.get(metaKey(name), 'json');
}

/**
 * Moves the cache entry's fetch time `ms` into the past, as if time had passed: in the name's entry,
 * in each stored document's metadata (which a hit reads instead), and out of the Cache API and the isolate.
 */
export async function ageEntry(name: string, ms: number): Promise<void> {
  const meta = await readMeta(name);
  if (!meta) throw new Error(`no cache entry for ${name}`);
  for (const rep of ['full', 'abbreviated']) {
    const key = `doc2:${rep}:${ORIGIN}:${name}`;
    const { value, metadata } = await env.METADATA.getWithMetadata<Record<string, any>>(key, 'arrayBuffer');
    if (value && metadata)
      await env.METADATA.put(key, value, { metadata: { ...metadata, fetchedAt: metadata.fetchedAt - ms } });
  }
  const gone = meta.goneSince === undefined ? {} : { goneSince: meta.goneSince - ms };
  await env.METADATA.put(metaKey(name), JSON.stringify({ ...meta, fetchedAt: meta.fetchedAt - ms, ...gone }));
  // Copies kept at this location (Cache API) and in this isolate live only while fresh: aged, they are gone.
  for (const rep of ['full', 'abbreviated'])
    await caches.default.delete(`${ORIGIN}/-/edge/doc/${encodeURIComponent(name)}/${rep}`);
  forgetInIsolate(ORIGIN, name);
}

/** Waits until the cache entry exists (writes happen in waitUntil). */
export async function waitForMeta(name: string, pred: (m: Record<string, any>) => boolean = () => true) {
  return vi.waitFor(
    async () => {
      const m = await readMeta(name);
      if (!m || !pred(m)) throw new Error(`cache entry for ${name} never appeared`);
      return m;
    },
    { timeout: 2000, interval: 20 },
  );
}

/**
 * Calls the Worker's fetch handler with the real bindings. (Going through the SELF service binding
 * instead costs this vitest pool time that grows with every request in a file: 400 pings take 11 s,
 * the next 400 take 80 s.) Background work (waitUntil) carries on after the response, as deployed.
 */
export async function fetchWorker(path: string, init: RequestInit = {}, vars?: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const bindings = (vars ? withVars(vars) : env) as unknown as Env;
  const res = await worker.fetch(new Request(`${ORIGIN}${path}`, init), bindings, ctx);
  pending.push(waitOnExecutionContext(ctx));
  return res;
}

const pending: Promise<void>[] = [];

// One object per set of settings, so the Worker's per-env config cache sees the same env each time.
const variants = new Map<string, object>();
function withVars(vars: Partial<Env>): object {
  const key = JSON.stringify(vars);
  if (!variants.has(key)) variants.set(key, { ...env, ...vars });
  return variants.get(key)!;
}

/** Waits for every request's background work to finish. */
export async function settle(): Promise<void> {
  await Promise.all(pending.splice(0));
}

export function corgi(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetchWorker(path, { headers: { accept: `${CORGI}; q=1.0, application/json; q=0.8, */*`, ...headers } });
}
