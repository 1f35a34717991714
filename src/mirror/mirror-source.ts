// The upstream mirror as a document source: packuments from the KV cache (src/cache/packument-cache.ts),
// tarballs from R2, and on a miss from the upstream URL, verified in memory before the client sees a
// byte and then kept, so installs keep working while the upstream is down.
import { PackumentCache } from '../cache/packument-cache';
import type { Doc, DocumentSource, Lookup, Representation, Tarball, TarballLookup } from '../docs/source';
import { failed } from '../failure';
import type { RequestContext } from '../http/context';
import { toHex } from '../codec';
import { verifyIntegrity } from '../tarballs/integrity';
import { deleteMirrored, mirrorKey, readTarball, writeTarball, type StoredTarball } from '../tarballs/tarball-store';
import { fetchTarball } from '../upstream/client';

/** Tarballs are verified in memory before the client sees a byte; bigger ones pass through uncached. */
const VERIFY_LIMIT = 48 * 1024 * 1024;

type Ctx = Pick<RequestContext, 'env' | 'cfg' | 'origin' | 'waitUntil'>;

export class MirrorSource implements DocumentSource {
  readonly revalidate = false;
  private cache: PackumentCache;
  /** This request's R2 read of each tarball: the hit check and the answer share it. */
  private stored = new Map<string, Promise<StoredTarball | undefined>>();

  constructor(private ctx: Ctx) {
    this.cache = new PackumentCache(ctx);
  }

  /**
   * A cached copy's answer, or undefined when there is none: neither the upstream nor D1 is asked,
   * since cache entries and mirrored tarballs exist only for names that were not local when fetched,
   * and a first publish removes them. One KV read for a packument (none of the document for a 304).
   */
  cachedPackument(
    name: string,
    rep: Representation,
    ifNoneMatch: string | null,
    gzipOk: boolean,
  ): Promise<Doc | undefined> {
    return this.cache.cached(name, rep, ifNoneMatch, gzipOk);
  }

  /** A tarball kept in R2, or undefined (one R2 read, shared with `tarball`). */
  async cachedTarball(name: string, file: string, withBody: boolean): Promise<Tarball | undefined> {
    const kept = await this.storedTarball(name, file, withBody);
    return kept && { kind: 'tarball', ...kept };
  }

  packument(name: string, rep: Representation): Promise<Lookup> {
    return this.cache.get(name, rep);
  }

  async tarball(name: string, file: string, withBody: boolean): Promise<TarballLookup> {
    const kept = await this.storedTarball(name, file, withBody);
    if (kept) return { kind: 'tarball', ...kept };

    const ref = await this.cache.tarballRef(name, file);
    if ('kind' in ref) return ref;
    const up = await fetchTarball(this.ctx.cfg, ref.url);
    if (up.kind === 'not-found') return failed(502, `upstream has no tarball for ${name}@${ref.version}`);
    if (up.kind === 'failed') return up;

    const declared = Number(up.res.headers.get('content-length') ?? NaN);
    if (declared > VERIFY_LIMIT) {
      up.done();
      return { kind: 'tarball', body: withBody ? up.res.body : null, size: declared };
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await up.res.arrayBuffer());
    } catch {
      return failed(up.signal.aborted ? 504 : 502, `upstream failed while sending ${name}/-/${file}`);
    } finally {
      up.done();
    }
    const verdict = await verifyIntegrity(bytes, ref.integrity, ref.shasum);
    if (verdict === 'mismatch') {
      console.error(`integrity mismatch for ${name}/-/${file}: not stored`);
      return failed(502, `upstream tarball for ${name}@${ref.version} does not match its integrity`);
    }
    const etag = `"${toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)))}"`;
    if (verdict === 'match')
      this.ctx.waitUntil(
        writeTarball(this.ctx.env.TARBALLS, mirrorKey(name, file), bytes, { etag, version: ref.version }),
      );
    return { kind: 'tarball', body: withBody ? bytes : null, size: bytes.length, etag, version: ref.version };
  }

  /** Forgets every copy of `name` (a local package now has that name). */
  async forget(name: string): Promise<void> {
    await Promise.all([this.cache.forget(name), deleteMirrored(this.ctx.env.TARBALLS, name)]);
  }

  private storedTarball(name: string, file: string, withBody: boolean): Promise<StoredTarball | undefined> {
    const key = mirrorKey(name, file);
    let s = this.stored.get(key);
    if (!s) {
      s = readTarball(this.ctx.env.TARBALLS, key, withBody);
      this.stored.set(key, s);
    }
    return s;
  }
}
