// The upstream mirror as a document source: packuments from the KV cache (src/cache/packument-cache.ts),
// tarballs from R2, and on a miss from the upstream URL, verified in memory before the client sees a
// byte and then kept, so installs keep working while the upstream is down.
import { EdgeCache } from '../cache/edge-cache';
import { PackumentCache } from '../cache/packument-cache';
import type { Doc, DocumentSource, Lookup, Refused, Representation, Tarball, TarballLookup } from '../docs/source';
import { publishedAt } from '../policy/visibility';
import { failed, type Failure } from '../failure';
import type { RequestContext } from '../http/context';
import { toHex } from '../codec';
import { verifyIntegrity } from '../tarballs/integrity';
import { deleteMirrored, mirrorKey, readTarball, writeTarball } from '../tarballs/tarball-store';
import { fetchTarball } from '../upstream/client';
import { readAttestations, writeAttestations } from '../tarballs/attestations-store';

/** Tarballs are verified in memory before the client sees a byte; bigger ones pass through uncached. */
const VERIFY_LIMIT = 48 * 1024 * 1024;
/** Provenance bundles are a few KiB; an answer over this is refused. */
const MAX_ATTESTATIONS_BYTES = 4 * 1024 * 1024;
/** Cache API deletes a first publish makes for the name's old mirror tarballs (a publish's subrequests are few). */
const MAX_EDGE_FORGETS = 20;

type Ctx = Pick<RequestContext, 'env' | 'cfg' | 'origin' | 'waitUntil'>;

export class MirrorSource implements DocumentSource {
  readonly revalidate = false;
  private cache: PackumentCache;
  private edge: EdgeCache;
  /** This request's read of each kept tarball: the hit check and the answer share it. */
  private kept = new Map<string, Promise<Tarball | undefined>>();

  constructor(private ctx: Ctx) {
    this.cache = new PackumentCache(ctx);
    this.edge = new EdgeCache(ctx.origin, ctx.waitUntil);
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

  /**
   * A kept tarball: from the location's Cache API, else R2 (one read, shared with `tarball`); or
   * undefined. Refused when a block rule now covers its version, kept or not.
   */
  async cachedTarball(name: string, file: string, withBody: boolean): Promise<Tarball | Refused | undefined> {
    const key = mirrorKey(name, file);
    let t = this.kept.get(key);
    if (!t) {
      t = this.readKept(name, file, withBody);
      this.kept.set(key, t);
    }
    const kept = await t;
    const refused = kept && (await this.refusal(name, kept.version));
    if (!refused) return kept;
    if (kept.body instanceof ReadableStream) await kept.body.cancel();
    return refused;
  }

  /**
   * Why `name@version` may not be downloaded: a block rule on it, or (given its publish time) the
   * quarantine. A kept tarball was served before, so only block rules are asked of one.
   */
  private async refusal(name: string, version: string | undefined, time?: string): Promise<Refused | undefined> {
    if (version === undefined) return undefined;
    const view = await this.cache.viewOf(name);
    const reason = view.policy.blocked(name, version);
    if (reason !== undefined) return { kind: 'refused', message: `${name}@${version} is blocked: ${reason}` };
    const at = view.minAgeMs > 0 ? publishedAt({ [version]: time }, version) : undefined;
    if (at !== undefined && at + view.minAgeMs > Date.now())
      return {
        kind: 'refused',
        message: `${name}@${version} is quarantined until ${new Date(at + view.minAgeMs).toISOString()}`,
      };
    return undefined;
  }

  packument(name: string, rep: Representation, gzipOk = false): Promise<Lookup> {
    return this.cache.get(name, rep, gzipOk);
  }

  async tarball(name: string, file: string, withBody: boolean): Promise<TarballLookup> {
    const kept = await this.cachedTarball(name, file, withBody);
    if (kept) return kept;

    const ref = await this.cache.tarballRef(name, file);
    if ('kind' in ref) return ref;
    const refused = await this.refusal(name, ref.version, ref.time);
    if (refused) return refused;
    const up = await fetchTarball(this.ctx.cfg, name, ref.url);
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
    if (verdict === 'match') {
      this.ctx.waitUntil(
        writeTarball(this.ctx.env.TARBALLS, mirrorKey(name, file), bytes, { etag, version: ref.version }),
      );
      this.keepAtEdge(name, file, bytes, { size: bytes.length, etag, version: ref.version });
    }
    return { kind: 'tarball', body: withBody ? bytes : null, size: bytes.length, etag, version: ref.version };
  }

  /**
   * Forgets every copy of `name` (a local package now has that name): KV, R2 and this location's
   * Cache API (the last MAX_EDGE_FORGETS tarballs listed: each delete is a subrequest). Other Cache API
   * entries, here and at other locations, expire within CACHE_TTL.
   */
  async forget(name: string): Promise<void> {
    const files = (await this.cache.tarballFiles(name)).slice(-MAX_EDGE_FORGETS);
    await Promise.all([
      this.cache.forget(name),
      deleteMirrored(this.ctx.env.TARBALLS, name),
      this.edge.delete(files.map((f) => this.edge.key('tarball', name, f))),
    ]);
  }

  private async readKept(name: string, file: string, withBody: boolean): Promise<Tarball | undefined> {
    const key = this.edge.key('tarball', name, file);
    const hot = await this.edge.get(key);
    if (hot) {
      if (!withBody) await hot.body?.cancel();
      const h = hot.headers;
      return {
        kind: 'tarball',
        body: withBody ? hot.body : null,
        size: Number(h.get('content-length')),
        etag: h.get('etag') ?? undefined,
        version: h.get('x-version') ?? undefined,
      };
    }
    const stored = await readTarball(this.ctx.env.TARBALLS, mirrorKey(name, file), withBody);
    if (!stored) return undefined;
    let body = stored.body;
    if (body && stored.version) {
      const [mine, kept] = body.tee();
      body = mine;
      this.keepAtEdge(name, file, kept, { size: stored.size, etag: stored.etag, version: stored.version });
    }
    return { kind: 'tarball', ...stored, body };
  }

  /**
   * A mirrored version's provenance: kept in R2 once fetched from the upstream (so it verifies while
   * the upstream is down); undefined when the version has none.
   */
  async attestations(name: string, version: string): Promise<string | Failure | undefined> {
    const kept = await readAttestations(this.ctx.env.TARBALLS, name, version);
    if (kept !== undefined) return kept;
    const url = await this.cache.attestationsUrl(name, version);
    if (url === undefined) return undefined;
    const up = await fetchTarball(this.ctx.cfg, name, url); // a GET with the upstream's credential
    if (up.kind === 'not-found') return undefined;
    if (up.kind === 'failed') return up;
    let text: string;
    try {
      if (Number(up.res.headers.get('content-length') ?? 0) > MAX_ATTESTATIONS_BYTES) throw new Error('too large');
      text = await up.res.text();
      if (text.length > MAX_ATTESTATIONS_BYTES) throw new Error('too large');
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    } catch {
      return failed(up.signal.aborted ? 504 : 502, `upstream sent no usable provenance for ${name}@${version}`);
    } finally {
      up.done();
    }
    this.ctx.waitUntil(writeAttestations(this.ctx.env.TARBALLS, name, version, text));
    return text;
  }

  /** Keeps a verified tarball at this location for CACHE_TTL. */
  private keepAtEdge(
    name: string,
    file: string,
    body: ReadableStream | Uint8Array,
    t: { size: number; etag: string; version: string },
  ): void {
    const headers = { etag: t.etag, 'content-length': String(t.size), 'x-version': t.version };
    this.edge.put(this.edge.key('tarball', name, file), body, headers, this.ctx.cfg.freshTtlMs / 1000);
  }
}
