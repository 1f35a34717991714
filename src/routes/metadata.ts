// GET/HEAD /<name> and /<name>/<version|tag|range>.
import type { Config } from '../config';
import type { Doc, DocSource } from '../cache/packument-cache';
import { httpDate, matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';
import { CORGI_TYPE, chooseRepresentation } from '../http/negotiate';
import { pickVersion } from '../packages/manifest';
import { indexVersions } from '../packages/versions';

export async function servePackument(req: Request, cache: DocSource, cfg: Config, name: string): Promise<Response> {
  const rep = chooseRepresentation(req.headers.get('accept'));
  const r = await cache.get(name, rep);
  if (r.kind === 'not-found') return jsonError(404, 'Not found');
  if (r.kind === 'failed') return jsonError(r.status, r.message);
  const headers = docHeaders(cfg, r);
  headers.set('content-type', rep === 'abbreviated' ? CORGI_TYPE : 'application/json');
  return answer(req, r, headers);
}

export async function serveManifest(
  req: Request,
  cache: DocSource,
  cfg: Config,
  name: string,
  spec: string,
): Promise<Response> {
  const r = await cache.get(name, 'full');
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
  const headers = docHeaders(cfg, { ...r, etag });
  headers.set('content-type', 'application/json');
  return answer(req, { ...r, etag, body, length: body.length }, headers);
}

function docHeaders(cfg: Config, doc: Doc): Headers {
  const h = new Headers({
    etag: doc.etag,
    vary: 'Accept',
    'cache-control': doc.revalidate ? 'no-cache' : `public, max-age=${cfg.clientMaxAge}`,
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
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}
