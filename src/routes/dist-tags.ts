// GET /-/package/<name>/dist-tags: a local package's tags, else the upstream's (forwarded as is).
// The writes (PUT/DELETE of one tag) are local writes, in src/routes/local-writes.ts.
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import type { Target } from '../http/router';
import { findLocal } from '../local/store';
import { inScopes } from '../packages/names';
import { forward } from '../upstream/client';

export async function readTags(ctx: RequestContext, t: Target<'dist-tags'>): Promise<Response> {
  const local = await findLocal(ctx.env.DB, t.name);
  if (local && !local.unpublished)
    return Response.json(local.doc['dist-tags'], { headers: { 'cache-control': 'no-cache' } });
  if (local || inScopes(t.name, ctx.cfg.localScopes)) return jsonError(404, 'Not found');
  return forward(ctx.cfg, ctx.req, ctx.url.pathname, t.name);
}
