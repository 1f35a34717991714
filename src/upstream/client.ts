// The only place that talks to the upstream registry: bounded time, conditional GETs, loop guard.
import type { Config } from '../config';
import { failed, type Failure } from '../failure';
import { MAX_RELAYED_BYTES } from '../limits';
import { credentialFor, upstreamFor, type Upstream } from './upstreams';

/** Marks our own requests so an upstream that is really this Worker is caught, not looped. */
export const HOP_HEADER = 'x-edge-registry-hop';

export type Fetched =
  /** `release`: gives back the bytes `admit` counted for this document, once the caller is done with it */
  | { kind: 'ok'; body: Uint8Array; etag?: string; lastModified?: string; release: () => void }
  | { kind: 'not-modified' }
  | { kind: 'not-found' }
  | Failure;

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export function packumentUrl(up: Upstream, name: string): URL {
  // Scoped names travel as `@scope%2fname`, as npm sends them.
  return new URL(name.replace('/', '%2f'), up.url);
}

/** The upstream of `name`, its document URL and the headers for it (with its credential). */
function request(
  cfg: Config,
  name: string,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } {
  const up = upstreamFor(cfg.upstreams, name);
  const url = packumentUrl(up, name);
  return { url, headers: { ...headers, [HOP_HEADER]: '1', ...credentialFor(up, url) } };
}

/** Room for a document of `bytes` (its Content-Length, or a guess) before its body is read. */
export type Admit = (bytes: number) => Promise<() => void>;

/** A document this size is assumed when the upstream does not say (a chunked answer). */
const UNKNOWN_LENGTH = 8 * 1024 * 1024;

export async function fetchPackument(
  cfg: Config,
  name: string,
  v: Validators = {},
  admit: Admit = async () => () => {},
): Promise<Fetched> {
  const conditional: Record<string, string> = { accept: 'application/json' };
  if (v.etag) conditional['if-none-match'] = v.etag;
  if (v.lastModified) conditional['if-modified-since'] = v.lastModified;
  const { url, headers } = request(cfg, name, conditional);
  return withTimeout<Fetched>(cfg, `metadata for ${name}`, async (signal): Promise<Fetched> => {
    const res = await fetch(url, { headers, signal });
    if (res.status === 304) return { kind: 'not-modified' };
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return { kind: 'not-found' };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return failed(502, `upstream answered ${res.status} for ${name}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    const release = await admit(Number.isFinite(declared) ? declared : UNKNOWN_LENGTH);
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      release();
      throw e;
    }
    return {
      kind: 'ok',
      body,
      etag: res.headers.get('etag') ?? undefined,
      lastModified: res.headers.get('last-modified') ?? undefined,
      release,
    };
  });
}

/** Whether the upstream has `name`, without reading its document. */
export async function packumentExists(cfg: Config, name: string): Promise<{ kind: 'yes' | 'no' } | Failure> {
  const { url, headers } = request(cfg, name, { accept: 'application/vnd.npm.install-v1+json' });
  return withTimeout(cfg, `metadata for ${name}`, async (signal) => {
    const res = await fetch(url, { headers, signal });
    await res.body?.cancel();
    if (res.ok) return { kind: 'yes' as const };
    if (res.status === 404 || res.status === 410) return { kind: 'no' as const };
    return failed(502, `upstream answered ${res.status} for ${name}`);
  });
}

export type FetchedBytes =
  | { kind: 'ok'; res: Response; signal: AbortSignal; done: () => void }
  | { kind: 'not-found' }
  | Failure;

/**
 * Starts a GET of `name`'s tarball at `url`; the caller reads the body before calling `done` (the timer
 * covers the body too). The upstream's credential goes only to its own origin, never to a CDN host.
 */
export async function fetchTarball(cfg: Config, name: string, url: string): Promise<FetchedBytes> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new TimeoutError()), cfg.upstreamTimeoutMs);
  const done = () => clearTimeout(timer);
  try {
    const credential = credentialFor(upstreamFor(cfg.upstreams, name), url);
    const res = await fetch(url, { headers: { [HOP_HEADER]: '1', ...credential }, signal: ctrl.signal });
    if (res.status === 404) {
      done();
      await res.body?.cancel();
      return { kind: 'not-found' };
    }
    if (!res.ok || !res.body) {
      done();
      await res.body?.cancel();
      return failed(502, `upstream answered ${res.status} for a tarball`);
    }
    return { kind: 'ok', res, signal: ctrl.signal, done };
  } catch (e) {
    done();
    return failure(ctrl.signal.aborted ? new TimeoutError() : e, 'tarball');
  }
}

/**
 * Forwards a request upstream as is, within the timeout: to UPSTREAM_URL (search, audits), or to the
 * upstream of `name` (its dist-tags), with that upstream's credential.
 */
export async function forward(cfg: Config, req: Request, path: string, name?: string): Promise<Response> {
  const up = name === undefined ? cfg.upstreams.fallback : upstreamFor(cfg.upstreams, name);
  const url = new URL(path.replace(/^\//, ''), up.url);
  url.search = new URL(req.url).search;
  const headers = new Headers();
  for (const h of ['accept', 'content-type', 'content-encoding', 'npm-command', 'user-agent']) {
    const v = req.headers.get(h);
    if (v) headers.set(h, v);
  }
  headers.set(HOP_HEADER, '1');
  for (const [k, v] of Object.entries(credentialFor(up, url))) headers.set(k, v);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
  const r = await withTimeout(cfg, path, async (signal) => {
    const res = await fetch(url, { method: req.method, headers, body, signal });
    const buf = await readCapped(res, MAX_RELAYED_BYTES);
    if (!buf) return failed(502, `upstream answer for ${path} is over ${MAX_RELAYED_BYTES} bytes`);
    return { kind: 'ok' as const, res, buf };
  });
  if (r.kind !== 'ok') return Response.json({ error: r.message }, { status: r.status });
  const out = new Headers({ 'content-type': r.res.headers.get('content-type') ?? 'application/json' });
  return new Response(r.buf, { status: r.res.status, headers: out });
}

/** The whole body, or undefined (and the rest cancelled) once it passes `max` bytes. */
async function readCapped(res: Response, max: number): Promise<Uint8Array | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

class TimeoutError extends Error {}

async function withTimeout<T extends { kind: string }>(
  cfg: Config,
  what: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | Failure> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new TimeoutError()), cfg.upstreamTimeoutMs);
  try {
    return await run(ctrl.signal);
  } catch (e) {
    return failure(ctrl.signal.aborted ? new TimeoutError() : e, what);
  } finally {
    clearTimeout(timer);
  }
}

function failure(e: unknown, what: string): Failure {
  if (e instanceof TimeoutError || (e instanceof Error && e.name === 'TimeoutError')) {
    return failed(504, `upstream timed out fetching ${what}`);
  }
  return failed(502, `upstream unreachable fetching ${what}`);
}
