// Answers for packuments and manifests (`/<name>/<version|tag|range>`) from a document lookup, with validators.
import type { Doc, Lookup, Representation } from '../docs/source';
import type { RequestContext } from '../http/context';
import { httpDate, matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';
import { CORGI_TYPE } from '../http/negotiate';
import { pickVersion } from '../packages/manifest';
import { indexVersions } from '../packages/versions';

/** A packument lookup's answer; `revalidate`: the source's documents change with every write. */
export function answerPackument(ctx: RequestContext, r: Lookup, rep: Representation, revalidate: boolean): Response {
  if (r.kind === 'not-found') return jsonError(404, 'Not found');
  if (r.kind === 'failed') return jsonError(r.status, r.message);
  const headers = docHeaders(ctx, revalidate, r);
  headers.set('content-type', rep === 'abbreviated' ? CORGI_TYPE : 'application/json');
  return answer(ctx.req, r, headers);
}

/** The manifest `spec` picks from a full packument lookup. */
export async function answerManifest(
  ctx: RequestContext,
  r: Lookup,
  spec: string,
  revalidate: boolean,
): Promise<Response> {
  if (r.kind === 'not-found') return jsonError(404, 'Not found');
  if (r.kind === 'failed') return jsonError(r.status, r.message);
  const doc = await bytesOf(r.body);
  const index = indexVersions(doc);
  const version = pickVersion(spec, [...index.spans.keys()], index.distTags);
  if (version === undefined) return jsonError(404, `version not found: ${spec}`);
  const [s, e] = index.spans.get(version)!;
  const body = doc.slice(s, e);
  // Each manifest is its own representation: its ETag names the document and the version.
  const etag = r.etag.replace(/"$/, `-${encodeURIComponent(version)}"`);
  const headers = docHeaders(ctx, revalidate, { ...r, etag });
  headers.set('content-type', 'application/json');
  return answer(ctx.req, { ...r, etag, body, length: body.length }, headers);
}

function docHeaders(ctx: RequestContext, revalidate: boolean, doc: Doc): Headers {
  const h = new Headers({
    etag: doc.etag,
    vary: 'Accept',
    'cache-control': revalidate ? 'no-cache' : `public, max-age=${ctx.cfg.clientMaxAge}`,
  });
  const lm = httpDate(doc.modified);
  if (lm) h.set('last-modified', lm);
  return h;
}

function answer(req: Request, doc: Doc, headers: Headers): Response {
  if (matchesEtag(req.headers.get('if-none-match'), doc.etag)) {
    cancel(doc.body);
    return new Response(null, { status: 304, headers });
  }
  headers.set('content-length', String(doc.length));
  if (req.method === 'HEAD') {
    cancel(doc.body);
    return new Response(null, { status: 200, headers });
  }
  return new Response(doc.body, { status: 200, headers });
}

function cancel(body: Doc['body']): void {
  if (body instanceof ReadableStream) void body.cancel();
}

async function bytesOf(body: Doc['body']): Promise<Uint8Array> {
  if (body === null) throw new Error('a manifest needs the whole document'); // sources send null only for a 304
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}
