// KV-backed cache of derived packuments: fresh for CACHE_TTL, then served stale while a
// conditional request revalidates in the background; served stale (up to MAX_STALE) when the
// upstream fails; 404s remembered for NOT_FOUND_TTL. Documents over KV's value limit go to R2.
import type { Config } from '../config';
import type { Env } from '../env';
import { matchesEtag, sha256Hex } from '../http/conditional';
import { DeriveError, derivePackument, timesOf, type Derived, type TarballRef } from '../packages/derive';
import { releaseAgeFor } from '../config';
import { currentPolicy } from '../policy/policy-store';
import { planTag, planVisibility, type Plan } from '../policy/visibility';
import type { BlockRule, CompiledPolicy } from '../policy/rules';
import { lookupLocal } from '../local/store';
import { fetchPackument } from '../upstream/client';
import { ByteBudget } from './byte-budget';
import { EdgeCache } from './edge-cache';
import { IsolateCache } from './isolate-cache';
import { SingleFlight } from './single-flight';
import type { Doc, Lookup, NotFound, Representation } from '../docs/source';
import { failed, type Failure } from '../failure';
import type { RequestContext } from '../http/context';
import { chunkStream } from '../streams';
import { deleteMirrored, mirrorKey } from '../tarballs/tarball-store';
import { sentEtag } from '../docs/encoding';

/** Bump when derivation output changes, so ETags and stored documents change with it. */
const DERIVATION = 1;
const KV_VALUE_LIMIT = 25 * 1024 * 1024 - 1024;
/** Upstream validators longer than this are not kept (they ride in KV metadata, 1024 bytes at most). */
const MAX_VALIDATOR_LENGTH = 256;

/** The upstream's validators for a conditional refresh. */
interface Validators {
  etag?: string;
  lastModified?: string;
}

/** What a hit needs of one document: it answers a 304 without reading the document. */
interface DocInfo {
  /** the document's ETag (its gzip encoding's is derived from it) */
  etag: string;
  /** bytes stored: of the gzip encoding when `identityLength` is set */
  length: number;
  /** set when the document is stored gzip-compressed: its own length */
  identityLength?: number;
  modified?: string;
  /** the block rules and quarantine it was derived under (View.key); absent: none */
  view?: string;
  /** when a version it hides comes of age (ms): from then on it is not current */
  until?: number;
}

/** What a name's documents show: the block rules on it and its quarantine, and a key that tells them apart. */
export interface View {
  key: string;
  rules: BlockRule[];
  minAgeMs: number;
  policy: CompiledPolicy;
}

/** The name's entry: its status, when it was fetched, and (for a 200) its documents. */
interface Meta extends Validators {
  status: 200 | 404;
  fetchedAt: number;
  /** where the documents live */
  loc?: 'kv' | 'r2';
  docs?: Record<Representation, DocInfo>;
  /** when the upstream first answered 404 for a name with a copy here; a second 404 this long after deletes it */
  goneSince?: number;
}

/**
 * Each stored document's KV metadata: all a hit needs to answer and to revalidate it, so a hit is one
 * KV read (value and metadata together). For a document kept in R2 the KV value is empty.
 */
interface DocMeta extends DocInfo {
  fetchedAt: number;
  loc: 'kv' | 'r2';
  /** the upstream's validators */
  up?: Validators;
}

type Refreshed =
  | {
      kind: 'derived';
      derived: Derived;
      etags: Record<Representation, string>;
      /** each document gzip-compressed once: what is stored, and what a miss sends a client that takes gzip */
      gzipped: Record<Representation, Promise<Uint8Array>>;
    }
  | { kind: 'not-modified' }
  /** the upstream answered 404, once: the copy here is kept (and renewed) until a second 404 confirms it */
  | { kind: 'kept' }
  | { kind: 'not-found' }
  | Failure;

/** Isolate-wide: small hot documents as stored, ready to send, with the view they show. */
const hotDocs = new IsolateCache<{ doc: Doc; view: string }>(16 * 1024 * 1024);
/** Cache API deletes one refresh makes for dropped versions' tarballs (each is a subrequest). */
const MAX_EDGE_DELETES = 20;
/** Documents up to this size (as stored) are kept in the Cache API and the isolate; larger ones stream from KV. */
const MAX_HOT_DOC = 1024 * 1024;

function memKey(origin: string, name: string, rep: Representation): string {
  return `${origin}\n${name}\n${rep}`;
}

/** Drops this isolate's copies of `name`'s documents. */
export function forgetInIsolate(origin: string, name: string): void {
  hotDocs.delete(memKey(origin, name, 'full'));
  hotDocs.delete(memKey(origin, name, 'abbreviated'));
}

/** Isolate-wide: the upstream documents being fetched, derived and stored at once, by bytes. */
const documents = new ByteBudget(32 * 1024 * 1024, 30_000);

/** Isolate-wide: concurrent requests for one packument share one fetch and derivation. */
const refreshes = new SingleFlight<Refreshed>();
/** How long a request waits on another's refresh beyond the upstream timeout (the derivation's time). */
const DERIVE_ALLOWANCE_MS = 10_000;

export class PackumentCache {
  /** This request's read of each name's entry: asked once, whoever asks. */
  private metas = new Map<string, Promise<Meta | null>>();
  /** Documents this request already found missing or too old, so the miss path does not read them again. */
  private unusable = new Set<string>();
  private views = new Map<string, Promise<View>>();

  private env: Env;
  private cfg: Config;
  private origin: string;
  private waitUntil: (p: Promise<unknown>) => void;
  private edge: EdgeCache;

  constructor(
    ctx: Pick<RequestContext, 'env' | 'cfg' | 'origin' | 'waitUntil'>,
    private now: () => number = Date.now,
  ) {
    this.env = ctx.env;
    this.cfg = ctx.cfg;
    this.origin = ctx.origin;
    this.waitUntil = ctx.waitUntil;
    this.edge = new EdgeCache(ctx.origin, ctx.waitUntil);
  }

  /**
   * The cached document when there is a usable one, else undefined; never the upstream. First the
   * location's Cache API (no storage read); else one KV read: the document with its metadata, or, when
   * the client's `ifNoneMatch` names it, the name's entry alone, and the document is not read (the
   * answer is a 304, `body` null). Entries exist only for names that were not local when fetched (and
   * a first publish forgets them), so a hit needs no D1.
   */
  async cached(
    name: string,
    rep: Representation,
    ifNoneMatch: string | null,
    gzipOk: boolean,
  ): Promise<Doc | undefined> {
    const memKey = this.memKey(name, rep);
    const view = (await this.viewOf(name)).key;
    const kept = hotDocs.get(memKey);
    const mem = kept?.view === view ? kept.doc : undefined;
    if (mem) return matchesEtag(ifNoneMatch, sentEtag(mem, gzipOk)) ? { ...mem, body: null } : mem;
    const hot = await this.edge.get(this.edge.key('doc', name, rep));
    if (hot && (hot.headers.get('x-view') ?? '') !== view) await hot.body?.cancel();
    else if (hot) {
      const doc = edgeDoc(hot.headers, hot.body);
      if (matchesEtag(ifNoneMatch, sentEtag(doc, gzipOk))) {
        await hot.body?.cancel();
        return { ...doc, body: null };
      }
      const expires = Number(hot.headers.get('x-fresh-until'));
      return this.keepInMemory(memKey, doc, view, expires - this.now());
    }
    if (ifNoneMatch) {
      const meta = await this.readMeta(name);
      const info = meta?.status === 200 ? meta.docs?.[rep] : undefined;
      if (meta && info && this.usable(meta.fetchedAt) && this.current(info, view)) {
        const doc = docOf(info, null);
        if (matchesEtag(ifNoneMatch, sentEtag(doc, gzipOk))) {
          this.revalidateIfStale(name, meta.fetchedAt, meta);
          return doc;
        }
      }
    }
    return this.readDoc(name, rep);
  }

  /** The view of `name` now: the block rules in force on it and its quarantine (once per request). */
  viewOf(name: string): Promise<View> {
    let v = this.views.get(name);
    if (!v) {
      v = currentPolicy(this.env, this.waitUntil, this.now()).then((policy) => {
        const rules = policy.rulesFor(name);
        const minAgeMs = releaseAgeFor(this.cfg, name);
        const key = [policy.fingerprintOf(name), minAgeMs ? `q${minAgeMs}` : ''].filter(Boolean).join(';');
        return { key, rules, minAgeMs, policy };
      });
      this.views.set(name, v);
    }
    return v;
  }

  /** Whether a document derived under `info.view` shows what the view `view` shows now. */
  private current(info: Pick<DocInfo, 'view' | 'until'>, view: string): boolean {
    return (info.view ?? '') === view && !(info.until !== undefined && this.now() >= info.until);
  }

  /** Forgets every cached entry of `name` (a local package now has that name). */
  async forget(name: string): Promise<void> {
    this.metas.delete(name);
    forgetInIsolate(this.origin, name);
    const keys = [this.metaKey(name), this.docKey(name, 'full'), this.docKey(name, 'abbreviated')];
    await Promise.all([
      ...keys.map((k) => this.env.METADATA.delete(k)),
      this.edge.delete([this.edge.key('doc', name, 'full'), this.edge.key('doc', name, 'abbreviated')]),
    ]);
  }

  private readMeta(name: string): Promise<Meta | null> {
    let m = this.metas.get(name);
    if (!m) {
      m = this.env.METADATA.get<Meta>(this.metaKey(name), 'json');
      this.metas.set(name, m);
    }
    return m;
  }

  /** Whether a copy fetched at `fetchedAt` may still answer (fresh, or stale within MAX_STALE). */
  private usable(fetchedAt: number): boolean {
    return this.now() - fetchedAt < this.cfg.freshTtlMs + this.cfg.maxStaleMs;
  }

  private revalidateIfStale(name: string, fetchedAt: number, validators: Validators): void {
    if (this.now() - fetchedAt >= this.cfg.freshTtlMs)
      this.waitUntil(this.refresh(name, validators).catch(logFailure(name)));
  }

  /** The document, through the cache and on a miss from the upstream. */
  async get(name: string, rep: Representation, gzipOk = false): Promise<Lookup> {
    const meta = await this.readMeta(name);
    const age = meta ? this.now() - meta.fetchedAt : Infinity;
    if (meta?.status === 404 && age < this.cfg.notFoundTtlMs) return { kind: 'not-found' };
    if (meta?.status === 200 && this.usable(meta.fetchedAt)) {
      const doc = await this.readDoc(name, rep);
      if (doc) return doc;
    }
    // A copy derived under other rules, or hiding a version now of age, is derived again from a whole
    // fetch; while the upstream fails, it answers as it is (its tarballs are still refused by the rules now).
    const current = meta?.status === 200 && this.current(meta.docs?.[rep] ?? {}, (await this.viewOf(name)).key);
    const r = await this.refresh(name, meta?.status === 200 && current ? meta : null);
    if (r.kind === 'failed' && meta?.status === 200 && !current && this.usable(meta.fetchedAt))
      return (await this.readDoc(name, rep, true, true)) ?? r;
    if (r.kind === 'kept') return (await this.readDoc(name, rep, true)) ?? { kind: 'not-found' };
    if (r.kind !== 'derived') return r.kind === 'not-modified' ? this.missingAfter304(name, rep, gzipOk) : r;
    return fromDerived(r, rep, gzipOk);
  }

  /** The tarball files the name's last fetched document listed (none if it was never fetched). */
  async tarballFiles(name: string): Promise<string[]> {
    const index = await this.env.METADATA.get<Record<string, TarballRef>>(indexKey(name), 'json');
    return index ? Object.keys(index) : [];
  }

  /** The upstream's provenance URL of `name@version`, as its last fetched document listed it. */
  async attestationsUrl(name: string, version: string): Promise<string | undefined> {
    const index = await this.env.METADATA.get<Record<string, TarballRef>>(indexKey(name), 'json');
    return Object.values(index ?? {}).find((r) => r.version === version && r.attestations)?.attestations;
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
    return r.kind === 'not-modified' || r.kind === 'kept' ? { kind: 'not-found' } : r;
  }

  /**
   * Fetches upstream (conditionally when `validators` is given), derives and stores; shared with
   * any request already doing the same in this isolate.
   * A failure writes nothing, so whatever was cached stays as it was.
   */
  refresh(name: string, validators: Validators | null): Promise<Refreshed> {
    const key = `${this.origin}\n${name}\n${validators?.etag ?? validators?.lastModified ?? ''}`;
    const patience = this.cfg.upstreamTimeoutMs + DERIVE_ALLOWANCE_MS;
    return refreshes.run(key, patience, () => this.fetchAndDerive(name, validators), this.waitUntil);
  }

  private async fetchAndDerive(name: string, validators: Validators | null): Promise<Refreshed> {
    const view = await this.viewOf(name);
    const res = await fetchPackument(this.cfg, name, validators ?? {}, (bytes) => documents.acquire(bytes));
    if (res.kind === 'not-modified') {
      await this.renew(name);
      return res;
    }
    if (res.kind === 'not-found') return this.notFoundUpstream(name);
    if (res.kind === 'failed') return res;
    let derived: Derived;
    let plan: Plan | undefined;
    try {
      derived = derivePackument(res.body, name, this.origin);
      plan = this.plan(res.body, derived, view);
      // A second pass leaves the hidden versions out; the first one's tarball index keeps them, so that
      // their tarballs are refused with the reason rather than not found.
      if (plan?.hidden.size)
        derived = { ...derivePackument(res.body, name, this.origin, plan), tarballs: derived.tarballs };
    } catch (e) {
      res.release();
      if (!(e instanceof DeriveError)) throw e;
      return failed(502, `upstream sent an unusable document for ${name}: ${e.message}`);
    }
    const hash = (await sha256Hex(res.body)).slice(0, 32);
    const tag = plan?.hidden.size ? `-${planTag(plan)}` : '';
    const etags = { full: `"${hash}-f${DERIVATION}${tag}"`, abbreviated: `"${hash}-a${DERIVATION}${tag}"` };
    const shown = { view: view.key, until: plan?.until };
    const upstreamValidators: Validators = {
      // Validators ride in every document's metadata, which KV limits to 1024 bytes.
      ...(res.etag && res.etag.length <= MAX_VALIDATOR_LENGTH ? { etag: res.etag } : {}),
      ...(res.lastModified && res.lastModified.length <= MAX_VALIDATOR_LENGTH
        ? { lastModified: res.lastModified }
        : {}),
    };
    // Compressed once, for the store and for every answer that takes gzip; both start now, side by side.
    const gzipped = {
      full: gzip(chunkStream(derived.full)),
      abbreviated: gzip(chunkStream([derived.abbreviated])),
    };
    // Awaited by the store, and by answers that take gzip; a failure is the store's to log.
    for (const p of Object.values(gzipped)) p.catch(() => {});
    // The document's turn of the budget lasts until it is stored.
    this.waitUntil(
      this.store(name, derived, gzipped, etags, shown, upstreamValidators, this.now())
        .catch(logFailure(name))
        .finally(res.release),
    );
    return { kind: 'derived', derived, etags, gzipped };
  }

  /**
   * What the view hides of a document just derived; undefined when it can hide nothing. Under a
   * quarantine `time` is parsed (its `modified` is not trusted to say that nothing is young), and each
   * version's publish time goes into the tarball index, so a tarball can be refused by it.
   */
  private plan(input: Uint8Array, d: Derived, view: View): Plan | undefined {
    if (view.rules.length === 0 && view.minAgeMs === 0) return undefined;
    const times = view.minAgeMs > 0 ? timesOf(input, d) : undefined;
    if (times)
      for (const ref of Object.values(d.tarballs)) {
        const t = Object.hasOwn(times, ref.version) ? times[ref.version] : undefined;
        if (typeof t === 'string') ref.time = t;
      }
    return planVisibility({ versions: d.versions, distTags: d.distTags, times }, view.rules, view.minAgeMs, this.now());
  }

  /** Stores both documents gzip-compressed (sent as stored to clients that accept it), then the entry. */
  private async store(
    name: string,
    d: Derived,
    gzipped: Record<Representation, Promise<Uint8Array>>,
    etags: Record<Representation, string>,
    shown: Pick<DocInfo, 'view' | 'until'>,
    validators: Validators,
    fetchedAt: number,
  ): Promise<void> {
    // A cache entry answers without asking D1, so none may be made for a name that became local while
    // this fetch ran (a publish removes the entries there were; this closes the race with it).
    if (await lookupLocal(this.env.DB, name, false)) return;
    // One copy of each serves everything: KV, R2, the Cache API and Responses copy what they are given
    // and leave it intact (test/worker/runtime-buffers.test.ts), and nothing here writes into it.
    const [full, abbreviated] = await Promise.all([gzipped.full, gzipped.abbreviated]);
    const stored = { full, abbreviated };
    const view = { ...(shown.view ? { view: shown.view } : {}), ...(shown.until ? { until: shown.until } : {}) };
    const meta: Meta = {
      status: 200,
      fetchedAt,
      ...validators,
      loc: full.length > KV_VALUE_LIMIT || abbreviated.length > KV_VALUE_LIMIT ? 'r2' : 'kv',
      docs: {
        full: { etag: etags.full, length: full.length, identityLength: d.fullLength, modified: d.modified, ...view },
        abbreviated: {
          etag: etags.abbreviated,
          length: abbreviated.length,
          identityLength: d.abbreviated.length,
          modified: d.modified,
          ...view,
        },
      },
    };
    const docMeta = (rep: Representation): DocMeta => ({
      ...meta.docs![rep],
      fetchedAt: meta.fetchedAt,
      loc: meta.loc ?? 'kv',
      up: validatorsOf(meta),
    });
    // The tarball index first: a client that has the document may ask for a tarball at once.
    const before = await this.tarballFiles(name);
    await this.env.METADATA.put(indexKey(name), JSON.stringify(d.tarballs));
    // Versions the upstream no longer lists (unpublished, or removed as malware) are not served from here
    // either, their kept tarballs included, unless KEEP_DELETED.
    const dropped = before.filter((f) => !Object.hasOwn(d.tarballs, f));
    if (dropped.length > 0 && !this.cfg.keepDeleted) {
      await this.env.TARBALLS.delete(dropped.map((f) => mirrorKey(name, f)));
      await this.edge.delete(dropped.slice(-MAX_EDGE_DELETES).map((f) => this.edge.key('tarball', name, f)));
    }
    if (meta.loc === 'r2') {
      await Promise.all([
        this.env.TARBALLS.put(this.docKey(name, 'full'), full),
        this.env.TARBALLS.put(this.docKey(name, 'abbreviated'), abbreviated),
      ]);
      // KV keeps only the metadata: the one read of a hit still tells where the document is.
      await Promise.all(
        (['full', 'abbreviated'] as const).map((rep) =>
          this.env.METADATA.put(this.docKey(name, rep), '', { metadata: docMeta(rep) }),
        ),
      );
    } else {
      await Promise.all([
        this.env.METADATA.put(this.docKey(name, 'full'), full, { metadata: docMeta('full') }),
        this.env.METADATA.put(this.docKey(name, 'abbreviated'), abbreviated, { metadata: docMeta('abbreviated') }),
      ]);
    }
    await this.putMeta(name, meta);
    // Hot from the start: the next request here need not read KV. Not past the next coming of age.
    const freshUntil = Math.min(fetchedAt + this.cfg.freshTtlMs, shown.until ?? Infinity);
    const freshFor = freshUntil - this.now();
    for (const rep of ['full', 'abbreviated'] as const) {
      const info = meta.docs![rep];
      const bytes = stored[rep];
      const headers = { ...edgeHeaders(info), 'x-fresh-until': String(freshUntil) };
      if (bytes.length > MAX_HOT_DOC) continue;
      hotDocs.set(this.memKey(name, rep), { doc: docOf(info, bytes), view: info.view ?? '' }, bytes.length, freshFor);
      this.edge.put(this.edge.key('doc', name, rep), bytes, headers, freshFor / 1000);
    }
  }

  /**
   * The upstream answered 404. A failure is never a deletion, and nor is one 404: a name with a copy
   * here is deleted only when the 404 is seen again at least NOT_FOUND_TTL later; until then the copy is
   * kept and served. Deleted: its documents everywhere here, and its tarballs unless KEEP_DELETED.
   */
  private async notFoundUpstream(name: string): Promise<Refreshed> {
    const now = this.now();
    const meta = await this.env.METADATA.get<Meta>(this.metaKey(name), 'json');
    if (meta?.status === 200 && (meta.goneSince === undefined || now - meta.goneSince < this.cfg.notFoundTtlMs)) {
      await this.renew(name, meta.goneSince ?? now);
      return { kind: 'kept' };
    }
    if (meta?.status === 200) {
      await this.forget(name);
      if (!this.cfg.keepDeleted) {
        const files = await this.tarballFiles(name);
        await Promise.all([
          deleteMirrored(this.env.TARBALLS, name),
          this.env.METADATA.delete(indexKey(name)),
          this.edge.delete(files.slice(-MAX_EDGE_DELETES).map((f) => this.edge.key('tarball', name, f))),
        ]);
      }
    }
    await this.putMeta(name, { status: 404, fetchedAt: now });
    return { kind: 'not-found' };
  }

  /**
   * The upstream said 304: the copy is current again. Every stored document carries its fetch time in
   * its metadata, so each is written again with the new time (in the background: this is a refresh).
   */
  private async renew(name: string, goneSince?: number): Promise<void> {
    const fetchedAt = this.now();
    const meta = await this.env.METADATA.get<Meta>(this.metaKey(name), 'json');
    if (meta?.status !== 200) return;
    for (const rep of ['full', 'abbreviated'] as const) {
      const key = this.docKey(name, rep);
      const { value, metadata } = await this.env.METADATA.getWithMetadata<DocMeta>(key, 'stream');
      if (!value || !metadata) {
        await value?.cancel();
        continue;
      }
      const body = metadata.loc === 'r2' ? value : value.pipeThrough(new FixedLengthStream(metadata.length));
      await this.env.METADATA.put(key, body, { metadata: { ...metadata, fetchedAt } });
    }
    await this.putMeta(name, { ...meta, fetchedAt, goneSince });
  }

  /**
   * The stored document with one KV read (and one R2 read for one kept there); undefined if none is
   * usable, or (unless `anyView`) if it is not current.
   */
  private async readDoc(name: string, rep: Representation, again = false, anyView = false): Promise<Doc | undefined> {
    const key = this.docKey(name, rep);
    if (this.unusable.has(key) && !again) return undefined;
    const view = (await this.viewOf(name)).key;
    // Streamed, so concurrent requests do not each hold a whole document.
    const { value, metadata: m } = await this.env.METADATA.getWithMetadata<DocMeta>(key, 'stream');
    if (!value || !m || !this.usable(m.fetchedAt) || !(anyView || this.current(m, view))) {
      await value?.cancel();
      this.unusable.add(key);
      return undefined;
    }
    let body: ReadableStream = value;
    let length = m.length;
    if (m.loc === 'r2') {
      await value.cancel();
      const o = await this.env.TARBALLS.get(key);
      if (!o) {
        this.unusable.add(key);
        return undefined;
      }
      body = o.body;
      length = o.size;
    }
    this.revalidateIfStale(name, m.fetchedAt, m.up ?? {});
    // Hot documents are kept at this location (and small ones in this isolate) while they are fresh.
    const freshUntil = Math.min(m.fetchedAt + this.cfg.freshTtlMs, m.until ?? Infinity);
    const freshFor = freshUntil - this.now();
    if (freshFor < 1000 || !this.current(m, view)) return docOf({ ...m, length }, body);
    const headers = { ...edgeHeaders({ ...m, length }), 'x-fresh-until': String(freshUntil) };
    const edgeKey = this.edge.key('doc', name, rep);
    // Larger ones stream from KV (or R2) each time: holding them would crowd the isolate's memory.
    if (length > MAX_HOT_DOC) return docOf({ ...m, length }, body);
    const doc = await this.keepInMemory(this.memKey(name, rep), docOf({ ...m, length }, body), view, freshFor);
    this.edge.put(edgeKey, doc.body as Uint8Array, headers, freshFor / 1000);
    return doc;
  }

  /** `doc` with its body read into memory, kept in this isolate for `ttlMs` when it is small enough. */
  private async keepInMemory(key: string, doc: Doc, view: string, ttlMs: number): Promise<Doc> {
    if (doc.length > MAX_HOT_DOC || !(doc.body instanceof ReadableStream)) return doc;
    const bytes = new Uint8Array(await new Response(doc.body).arrayBuffer());
    const kept = { ...doc, body: bytes };
    hotDocs.set(key, { doc: kept, view }, bytes.length, ttlMs);
    return kept;
  }

  private memKey(name: string, rep: Representation): string {
    return memKey(this.origin, name, rep);
  }

  /** The upstream said 304 but our copy is gone: fetch it whole. */
  private async missingAfter304(name: string, rep: Representation, gzipOk: boolean): Promise<Lookup> {
    const r = await this.refresh(name, null);
    if (r.kind === 'kept') return { kind: 'not-found' }; // the upstream has it no more, and our copy is gone
    if (r.kind !== 'derived')
      return r.kind === 'not-modified' ? failed(502, 'upstream answered 304 to an unconditional request') : r;
    return fromDerived(r, rep, gzipOk);
  }

  private putMeta(name: string, meta: Meta): Promise<void> {
    const opts = meta.status === 404 ? { expirationTtl: Math.max(60, Math.ceil(this.cfg.notFoundTtlMs / 1000)) } : {};
    return this.env.METADATA.put(this.metaKey(name), JSON.stringify(meta), opts);
  }

  private metaKey(name: string): string {
    return `meta:${this.origin}:${name}`;
  }

  /** `doc2:`: documents carry their fetch time and validators since version 2 (older `doc:` keys are never read). */
  private docKey(name: string, rep: Representation): string {
    return `doc2:${rep}:${this.origin}:${name}`;
  }
}

/** A document's fields as Cache API headers, and back. */
function edgeHeaders(info: DocInfo): Record<string, string> {
  const h: Record<string, string> = { etag: info.etag, 'content-length': String(info.length) };
  if (info.identityLength !== undefined) h['x-identity-length'] = String(info.identityLength);
  if (info.modified) h['x-modified'] = info.modified;
  if (info.view) h['x-view'] = info.view;
  return h;
}

function edgeDoc(h: Headers, body: ReadableStream | null): Doc {
  const identity = h.get('x-identity-length');
  return docOf(
    {
      etag: h.get('etag') ?? '',
      length: Number(h.get('content-length')),
      identityLength: identity === null ? undefined : Number(identity),
      modified: h.get('x-modified') ?? undefined,
    },
    body,
  );
}

function docOf(info: DocInfo, body: ReadableStream | Uint8Array | null): Doc {
  const doc: Doc = { kind: 'doc', body, length: info.length, etag: info.etag, modified: info.modified };
  if (info.identityLength !== undefined) doc.gzip = { identityLength: info.identityLength };
  return doc;
}

async function gzip(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s.pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

/**
 * A miss's answer from what the refresh derived: for a client that takes gzip, the bytes the store keeps,
 * under the ETag later hits send; else the document as derived.
 */
async function fromDerived(r: Extract<Refreshed, { kind: 'derived' }>, rep: Representation, gzipOk: boolean) {
  const identityLength = rep === 'full' ? r.derived.fullLength : r.derived.abbreviated.length;
  const doc: Doc = {
    kind: 'doc',
    body: null,
    length: identityLength,
    etag: r.etags[rep],
    modified: r.derived.modified,
  };
  if (gzipOk) {
    const bytes = await r.gzipped[rep];
    return { ...doc, body: bytes, length: bytes.length, gzip: { identityLength } };
  }
  return { ...doc, body: rep === 'full' ? chunkStream(r.derived.full) : r.derived.abbreviated };
}

function validatorsOf(v: Validators): Validators {
  return {
    ...(v.etag === undefined ? {} : { etag: v.etag }),
    ...(v.lastModified === undefined ? {} : { lastModified: v.lastModified }),
  };
}

function indexKey(name: string): string {
  return `tarballs:${name}`;
}

function logFailure(name: string) {
  return (e: unknown) => console.error(`cache write for ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
}
