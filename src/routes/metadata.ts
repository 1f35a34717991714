// Answers for packuments and manifests (`/<name>/<version|tag|range>`) from a document lookup, with validators.
import type { Doc, Lookup, Representation } from '../docs/source';
import type { RequestContext } from '../http/context';
import { httpDate, matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';
import { IsolateCache } from '../cache/isolate-cache';
import { CORGI_TYPE, acceptsGzip } from '../http/negotiate';
import { identityBody, sendsGzip, sentEtag } from '../docs/encoding';
import { pickVersion } from '../packages/manifest';
import { indexVersions } from '../packages/versions';

/** Manifests recently cut, per document ETag; an entry outlives no document (its ETag names it). */
const manifests = new IsolateCache<{ version: string; body: Uint8Array }>(4 * 1024 * 1024);
const MANIFEST_MEMO_MS = 60_000;

/**
 * A packument lookup's answer; `revalidate`: the source's documents change with every write. A document
 * stored gzip-compressed goes out as stored to a client that takes gzip, else decompressed on the fly.
 */
export function answerPackument(ctx: RequestContext, r: Lookup, rep: Representation, revalidate: boolean): Response {
  if (r.kind === 'not-found') return jsonError(404, 'Not found');
  if (r.kind === 'failed') return jsonError(r.status, r.message);
  const gzipOk = acceptsGzip(ctx.req.headers.get('accept-encoding'));
  const etag = sentEtag(r, gzipOk);
  const headers = docHeaders(ctx, revalidate, r, etag);
  headers.set('content-type', rep === 'abbreviated' ? CORGI_TYPE : 'application/json');
  if (sendsGzip(r, gzipOk)) {
    headers.set('content-encoding', 'gzip');
    return answer(ctx.req, r, headers, etag, 'manual');
  }
  return answer(ctx.req, { ...r, ...identityBody(r) }, headers, etag);
}

/**
 * The manifest `spec` picks from a full packument lookup. What a spec picks depends only on the
 * document, so this isolate remembers it per document ETag: a hot manifest is not cut again.
 */
export async function answerManifest(
  ctx: RequestContext,
  r: Lookup,
  name: string,
  spec: string,
  revalidate: boolean,
): Promise<Response> {
  if (r.kind === 'not-found') return jsonError(404, 'Not found');
  if (r.kind === 'failed') return jsonError(r.status, r.message);
  const memo = `${ctx.origin}\n${name}\n${r.etag}\n${spec}`;
  let picked = manifests.get(memo);
  if (picked) cancel(r.body);
  else {
    const doc = await bytesOf(identityBody(r).body);
    const index = indexVersions(doc);
    const version = pickVersion(spec, [...index.spans.keys()], index.distTags);
    if (version === undefined) return jsonError(404, `version not found: ${spec}`);
    const [s, e] = index.spans.get(version)!;
    picked = { version, body: doc.slice(s, e) };
    manifests.set(memo, picked, picked.body.length, MANIFEST_MEMO_MS);
  }
  const { version, body } = picked;
  // Each manifest is its own representation: its ETag names the document and the version.
  const etag = r.etag.replace(/"$/, `-${encodeURIComponent(version)}"`);
  const headers = docHeaders(ctx, revalidate, r, etag);
  headers.set('content-type', 'application/json');
  return answer(ctx.req, { ...r, body, length: body.length }, headers, etag);
}

function docHeaders(ctx: RequestContext, revalidate: boolean, doc: Doc, etag: string): Headers {
  const h = new Headers({
    etag,
    // A document stored compressed is sent in either encoding, so caches must key on it too.
    vary: doc.gzip ? 'Accept, Accept-Encoding' : 'Accept',
    'cache-control': revalidate ? 'no-cache' : `public, max-age=${ctx.cfg.clientMaxAge}`,
  });
  const lm = httpDate(doc.modified);
  if (lm) h.set('last-modified', lm);
  return h;
}

/** `encodeBody: 'manual'`: the body is already in its Content-Encoding, sent as it is. */
function answer(
  req: Request,
  doc: Pick<Doc, 'body' | 'length'>,
  headers: Headers,
  etag: string,
  encodeBody?: 'manual',
): Response {
  if (matchesEtag(req.headers.get('if-none-match'), etag)) {
    cancel(doc.body);
    return new Response(null, { status: 304, headers });
  }
  headers.set('content-length', String(doc.length));
  if (req.method === 'HEAD') {
    cancel(doc.body);
    return new Response(null, { status: 200, headers });
  }
  return new Response(doc.body, { status: 200, headers, ...(encodeBody ? { encodeBody } : {}) });
}

function cancel(body: Doc['body']): void {
  if (body instanceof ReadableStream) void body.cancel();
}

async function bytesOf(body: Doc['body']): Promise<Uint8Array> {
  if (body === null) throw new Error('a manifest needs the whole document'); // sources send null only for a 304
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}
