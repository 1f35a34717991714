// KV-backed cache of derived packuments: fresh for CACHE_TTL, then served stale while a
// conditional request revalidates in the background; served stale (up to MAX_STALE) when the
// upstream fails; 404s remembered for NOT_FOUND_TTL. Documents over KV's value limit go to R2.
import type { Config } from '../config';
import type { Env } from '../env';
import { sha256Hex } from '../http/conditional';
import { DeriveError, derivePackument, type Derived, type TarballRef } from '../packages/derive';
import { lookupLocal } from '../local/store';
import { fetchPackument } from '../upstream/client';
import { SingleFlight } from './single-flight';
import type { Doc, Lookup, NotFound, Representation } from '../docs/source';
import { failed, type Failure } from '../failure';
import type { RequestContext } from '../http/context';
import { chunkStream, sizedStream } from '../streams';

/** Bump when derivation output changes, so ETags and stored documents change with it. */
const DERIVATION = 1;
const KV_VALUE_LIMIT = 25 * 1024 * 1024 - 1024;

interface Meta {
  status: 200 | 404;
  fetchedAt: number;
  etag?: string;
  lastModified?: string;
  /** where the documents live */
  loc?: 'kv' | 'r2';
}

interface DocMeta {
  etag: string;
  modified?: string;
  length: number;
}

type Refreshed =
  | { kind: 'derived'; derived: Derived; etags: Record<Representation, string> }
  | { kind: 'not-modified' }
  | { kind: 'not-found' }
  | Failure;

/** Isolate-wide: concurrent requests for one packument share one fetch and derivation. */
const refreshes = new SingleFlight<Refreshed>();
/** How long a request waits on another's refresh beyond the upstream timeout (the derivation's time). */
const DERIVE_ALLOWANCE_MS = 10_000;

export class PackumentCache {
  /** This request's read of each name's entry: asked once, whoever asks. */
  private metas = new Map<string, Promise<Meta | null>>();

  private env: Env;
  private cfg: Config;
  private origin: string;
  private waitUntil: (p: Promise<unknown>) => void;

  constructor(
    ctx: Pick<RequestContext, 'env' | 'cfg' | 'origin' | 'waitUntil'>,
    private now: () => number = Date.now,
  ) {
    this.env = ctx.env;
    this.cfg = ctx.cfg;
    this.origin = ctx.origin;
    this.waitUntil = ctx.waitUntil;
  }

  /**
   * Whether a usable copy of `name` is cached. Entries are only made for names that were not local
   * when fetched (and a first publish forgets them), so such a name is served without asking D1.
   */
  async hasCopy(name: string): Promise<boolean> {
    const meta = await this.readMeta(name);
    return meta?.status === 200 && this.now() - meta.fetchedAt < this.cfg.freshTtlMs + this.cfg.maxStaleMs;
  }

  /** Forgets the cached entry of `name` (a local package now has that name). */
  async forget(name: string): Promise<void> {
    this.metas.delete(name);
    await this.env.METADATA.delete(this.metaKey(name));
  }

  private readMeta(name: string): Promise<Meta | null> {
    let m = this.metas.get(name);
    if (!m) {
      m = this.env.METADATA.get<Meta>(this.metaKey(name), 'json');
      this.metas.set(name, m);
    }
    return m;
  }

  async get(name: string, rep: Representation): Promise<Lookup> {
    const meta = await this.readMeta(name);
    const age = meta ? this.now() - meta.fetchedAt : Infinity;
    if (meta?.status === 404 && age < this.cfg.notFoundTtlMs) return { kind: 'not-found' };
    if (meta?.status === 200 && age < this.cfg.freshTtlMs + this.cfg.maxStaleMs) {
      const doc = await this.readDoc(name, rep, meta);
      if (doc) {
        if (age >= this.cfg.freshTtlMs) this.waitUntil(this.refresh(name, meta).catch(logFailure(name)));
        return doc;
      }
    }
    const r = await this.refresh(name, meta?.status === 200 ? meta : null);
    if (r.kind !== 'derived') return r.kind === 'not-modified' ? this.missingAfter304(name, rep) : r;
    const body = rep === 'full' ? chunkStream(r.derived.full) : r.derived.abbreviated;
    const length = rep === 'full' ? r.derived.fullLength : r.derived.abbreviated.length;
    return { kind: 'doc', body, length, etag: r.etags[rep], modified: r.derived.modified };
  }

  /** The upstream tarball behind `file`, refreshing the packument once if it is not listed. */
  async tarballRef(name: string, file: string): Promise<TarballRef | NotFound | Failure> {
    // The index is written after the packument is served, so a client may ask before it lands.
    const index = await this.env.METADATA.get<Record<string, TarballRef>>(indexKey(name), 'json');
    if (index && Object.hasOwn(index, file)) return index[file];
    const meta = await this.env.METADATA.get<Meta>(this.metaKey(name), 'json');
    // A file missing from a recent listing is missing: unknown paths must not each cost an upstream trip.
    if (meta && this.now() - meta.fetchedAt < this.cfg.notFoundTtlMs) return { kind: 'not-found' };
    const r = await this.refresh(name, null);
    if (r.kind === 'derived')
      return Object.hasOwn(r.derived.tarballs, file) ? r.derived.tarballs[file] : { kind: 'not-found' };
    return r.kind === 'not-modified' ? { kind: 'not-found' } : r;
  }

  /**
   * Fetches upstream (conditionally when `validators` is given), derives and stores; shared with
   * any request already doing the same in this isolate.
   * A failure writes nothing, so whatever was cached stays as it was.
   */
  refresh(name: string, validators: Meta | null): Promise<Refreshed> {
    const key = `${this.origin}\n${name}\n${validators?.etag ?? validators?.lastModified ?? ''}`;
    const patience = this.cfg.upstreamTimeoutMs + DERIVE_ALLOWANCE_MS;
    return refreshes.run(key, patience, () => this.fetchAndDerive(name, validators), this.waitUntil);
  }

  private async fetchAndDerive(name: string, validators: Meta | null): Promise<Refreshed> {
    const res = await fetchPackument(this.cfg, name, validators ?? {});
    if (res.kind === 'not-modified') {
      await this.putMeta(name, { ...validators!, fetchedAt: this.now() });
      return res;
    }
    if (res.kind === 'not-found') {
      await this.putMeta(name, { status: 404, fetchedAt: this.now() });
      return res;
    }
    if (res.kind === 'failed') return res;
    let derived: Derived;
    try {
      derived = derivePackument(res.body, name, this.origin);
    } catch (e) {
      if (!(e instanceof DeriveError)) throw e;
      return failed(502, `upstream sent an unusable document for ${name}: ${e.message}`);
    }
    const hash = (await sha256Hex(res.body)).slice(0, 32);
    const etags = { full: `"${hash}-f${DERIVATION}"`, abbreviated: `"${hash}-a${DERIVATION}"` };
    const meta: Meta = {
      status: 200,
      fetchedAt: this.now(),
      etag: res.etag,
      lastModified: res.lastModified,
      loc: derived.fullLength > KV_VALUE_LIMIT || derived.abbreviated.length > KV_VALUE_LIMIT ? 'r2' : 'kv',
    };
    this.waitUntil(this.store(name, derived, etags, meta).catch(logFailure(name)));
    return { kind: 'derived', derived, etags };
  }

  private async store(name: string, d: Derived, etags: Record<Representation, string>, meta: Meta): Promise<void> {
    // A cache entry answers without asking D1, so none may be made for a name that became local while
    // this fetch ran (a publish removes the entries there were; this closes the race with it).
    if (await lookupLocal(this.env.DB, name, false)) return;
    const full: DocMeta = { etag: etags.full, modified: d.modified, length: d.fullLength };
    const abbr: DocMeta = { etag: etags.abbreviated, modified: d.modified, length: d.abbreviated.length };
    if (meta.loc === 'r2') {
      await Promise.all([
        this.env.TARBALLS.put(this.docKey(name, 'full'), sizedStream(d.full, d.fullLength), {
          customMetadata: r2Meta(full),
        }),
        this.env.TARBALLS.put(this.docKey(name, 'abbreviated'), d.abbreviated, { customMetadata: r2Meta(abbr) }),
      ]);
    } else {
      await Promise.all([
        this.env.METADATA.put(this.docKey(name, 'full'), sizedStream(d.full, d.fullLength), { metadata: full }),
        this.env.METADATA.put(this.docKey(name, 'abbreviated'), d.abbreviated, { metadata: abbr }),
      ]);
    }
    await this.env.METADATA.put(indexKey(name), JSON.stringify(d.tarballs));
    // Meta last: a reader that sees it finds the documents it points at.
    await this.putMeta(name, meta);
  }

  private async readDoc(name: string, rep: Representation, meta: Meta): Promise<Doc | undefined> {
    if (meta.loc === 'r2') {
      const o = await this.env.TARBALLS.get(this.docKey(name, rep));
      if (!o) return undefined;
      const m = o.customMetadata ?? {};
      return { kind: 'doc', body: o.body, length: o.size, etag: m.etag, modified: m.modified };
    }
    // Streamed, so concurrent requests do not each hold a whole document.
    const { value, metadata } = await this.env.METADATA.getWithMetadata<DocMeta>(this.docKey(name, rep), 'stream');
    if (!value || !metadata) {
      await value?.cancel();
      return undefined;
    }
    return { kind: 'doc', body: value, length: metadata.length, etag: metadata.etag, modified: metadata.modified };
  }

  /** The upstream said 304 but our copy is gone: fetch it whole. */
  private async missingAfter304(name: string, rep: Representation): Promise<Lookup> {
    const r = await this.refresh(name, null);
    if (r.kind !== 'derived')
      return r.kind === 'not-modified' ? failed(502, 'upstream answered 304 to an unconditional request') : r;
    const body = rep === 'full' ? chunkStream(r.derived.full) : r.derived.abbreviated;
    const length = rep === 'full' ? r.derived.fullLength : r.derived.abbreviated.length;
    return { kind: 'doc', body, length, etag: r.etags[rep], modified: r.derived.modified };
  }

  private putMeta(name: string, meta: Meta): Promise<void> {
    const opts = meta.status === 404 ? { expirationTtl: Math.max(60, Math.ceil(this.cfg.notFoundTtlMs / 1000)) } : {};
    return this.env.METADATA.put(this.metaKey(name), JSON.stringify(meta), opts);
  }

  private metaKey(name: string): string {
    return `meta:${this.origin}:${name}`;
  }

  private docKey(name: string, rep: Representation): string {
    return `doc:${rep}:${this.origin}:${name}`;
  }
}

function r2Meta(m: DocMeta): Record<string, string> {
  const out: Record<string, string> = { etag: m.etag, length: String(m.length) };
  if (m.modified) out.modified = m.modified;
  return out;
}

function indexKey(name: string): string {
  return `tarballs:${name}`;
}

function logFailure(name: string) {
  return (e: unknown) => console.error(`cache write for ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
}
