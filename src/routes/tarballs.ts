// GET/HEAD /<name>/-/<file>: R2 first; on a miss, fetch the upstream URL, verify, then keep.
import type { Config } from '../config';
import type { Env } from '../env';
import type { PackumentCache } from '../cache/packument-cache';
import { matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';
import { toHex, verifyIntegrity } from '../tarballs/integrity';
import { mirrorKey, readTarball, writeTarball, type StoredTarball } from '../tarballs/tarball-store';
import { fetchTarball } from '../upstream/client';
import { recordDownload } from '../downloads/traffic';
import type { LocalEntry } from '../local/store';

/** Tarballs are verified in memory before the client sees a byte; bigger ones pass through uncached. */
const VERIFY_LIMIT = 48 * 1024 * 1024;
const IMMUTABLE = 'public, max-age=31536000, immutable';

export async function serveTarball(
  req: Request,
  env: Env,
  cfg: Config,
  cache: PackumentCache,
  waitUntil: (p: Promise<unknown>) => void,
  name: string,
  file: string,
  /** what R2 holds under the mirror key, read by the caller */
  stored: StoredTarball | undefined,
): Promise<Response> {
  const head = req.method === 'HEAD';
  if (stored) {
    const res = answer(req, stored.body, stored.size, stored.etag);
    if (res.status === 200 && !head && stored.version) await recordDownload(env.DOWNLOAD_EVENTS, name, stored.version);
    return res;
  }

  const ref = await cache.tarballRef(name, file);
  if ('kind' in ref) {
    if (ref.kind === 'failed') return jsonError(ref.status, ref.message);
    return jsonError(404, `tarball not found: ${name}/-/${file}`);
  }
  const up = await fetchTarball(cfg, ref.url);
  if (up.kind === 'not-found') return jsonError(502, `upstream has no tarball for ${name}@${ref.version}`);
  if (up.kind === 'failed') return jsonError(up.status, up.message);

  const declared = Number(up.res.headers.get('content-length') ?? NaN);
  if (declared > VERIFY_LIMIT) {
    up.done();
    return new Response(head ? null : up.res.body, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(declared),
        'cache-control': 'no-store',
      },
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await up.res.arrayBuffer());
  } catch {
    return jsonError(up.signal.aborted ? 504 : 502, `upstream failed while sending ${name}/-/${file}`);
  } finally {
    up.done();
  }
  const verdict = await verifyIntegrity(bytes, ref.integrity, ref.shasum);
  if (verdict === 'mismatch') {
    console.error(`integrity mismatch for ${name}/-/${file}: not stored`);
    return jsonError(502, `upstream tarball for ${name}@${ref.version} does not match its integrity`);
  }
  const etag = `"${toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)))}"`;
  if (verdict === 'match')
    waitUntil(
      writeTarball(env.TARBALLS, mirrorKey(name, file), bytes, {
        etag,
        version: ref.version,
        integrity: ref.integrity,
      }),
    );
  const res = answer(req, head ? null : bytes, bytes.length, etag);
  if (res.status === 200 && !head) await recordDownload(env.DOWNLOAD_EVENTS, name, ref.version);
  return res;
}

/** A tarball of a local package: listed in its row (unpublished ones are not), bytes in R2. */
export async function serveLocalTarball(req: Request, env: Env, pkg: LocalEntry, file: string): Promise<Response> {
  const f = Object.hasOwn(pkg.files, file) ? pkg.files[file] : undefined;
  if (!f) return jsonError(404, `tarball not found: ${pkg.name}/-/${file}`);
  const head = req.method === 'HEAD';
  const stored = await readTarball(env.TARBALLS, f.key, !head);
  if (!stored) return jsonError(404, `tarball not found: ${pkg.name}/-/${file}`);
  const res = answer(req, stored.body, stored.size, stored.etag);
  if (res.status === 200 && !head) await recordDownload(env.DOWNLOAD_EVENTS, pkg.name, f.version);
  return res;
}

function answer(req: Request, body: ReadableStream | Uint8Array | null, size: number, etag: string): Response {
  const headers = new Headers({ 'content-type': 'application/octet-stream', etag, 'cache-control': IMMUTABLE });
  if (matchesEtag(req.headers.get('if-none-match'), etag)) {
    if (body instanceof ReadableStream) void body.cancel();
    return new Response(null, { status: 304, headers });
  }
  headers.set('content-length', String(size));
  return new Response(req.method === 'HEAD' ? null : body, { headers });
}
