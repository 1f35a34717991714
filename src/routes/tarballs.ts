// Answers for tarballs (`/<name>/-/<file>`) from a document source's lookup: immutable, with an ETag;
// each download counted.
import type { TarballLookup } from '../docs/source';
import { countDownload } from '../downloads/counter';
import type { RequestContext } from '../http/context';
import { matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function answerTarball(ctx: RequestContext, t: TarballLookup, name: string, file: string): Response {
  const head = ctx.req.method === 'HEAD';
  if (t.kind === 'not-found') return jsonError(404, `tarball not found: ${name}/-/${file}`);
  if (t.kind === 'failed') return jsonError(t.status, t.message);
  if (t.kind === 'refused') return jsonError(403, t.message);
  const headers = new Headers({ 'content-type': 'application/octet-stream' });
  // Passed through unverified (too big to hold): nothing to validate it by, and nothing may keep it.
  if (t.etag === undefined) {
    headers.set('content-length', String(t.size));
    headers.set('cache-control', 'no-store');
    return new Response(head ? null : t.body, { headers });
  }
  headers.set('etag', t.etag);
  headers.set('cache-control', IMMUTABLE);
  if (matchesEtag(ctx.req.headers.get('if-none-match'), t.etag)) {
    if (t.body instanceof ReadableStream) void t.body.cancel();
    return new Response(null, { status: 304, headers });
  }
  headers.set('content-length', String(t.size));
  if (!head && t.version) countDownload(ctx, name, t.version);
  return new Response(head ? null : t.body, { headers });
}
