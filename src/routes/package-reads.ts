// GET/HEAD of a package's packument, manifest or tarball: answered from the local store when the name
// is published here, else from the upstream mirror; a mirror copy that exists answers without D1.
import type { DocumentSource } from '../docs/source';
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { chooseRepresentation } from '../http/negotiate';
import type { Target } from '../http/router';
import { LocalSource } from '../local/local-source';
import { lookupLocal } from '../local/store';
import { MirrorSource } from '../mirror/mirror-source';
import { inScopes } from '../packages/names';
import { serveManifest, servePackument } from './metadata';
import { serveTarball } from './tarballs';

export async function readPackument(ctx: RequestContext, t: Target<'packument'>): Promise<Response> {
  const source = await sourceFor(ctx, t.name);
  return source ? servePackument(ctx, source, t.name, chooseRepresentation(ctx.req.headers.get('accept'))) : missing();
}

export async function readManifest(ctx: RequestContext, t: Target<'manifest'>): Promise<Response> {
  const source = await sourceFor(ctx, t.name);
  return source ? serveManifest(ctx, source, t.name, t.spec) : missing();
}

export async function readTarball(ctx: RequestContext, t: Target<'tarball'>): Promise<Response> {
  const source = await sourceFor(ctx, t.name, t.file);
  return source ? serveTarball(ctx, source, t.name, t.file) : missing();
}

/**
 * Where a read of `name` (its `file`, for a tarball) is answered from; undefined: nowhere (a local
 * scope's name that is not published). A mirror copy answers without D1: copies exist only for names
 * that were not local when fetched, and a first publish removes them. A write's `?write=true` read
 * always asks D1.
 */
async function sourceFor(ctx: RequestContext, name: string, file?: string): Promise<DocumentSource | undefined> {
  const scoped = inScopes(name, ctx.cfg.localScopes);
  const mirror = new MirrorSource(ctx);
  const forWrite = ctx.url.searchParams.get('write') === 'true';
  if (!scoped && !forWrite && (await mirror.hasCopy(name, file, ctx.req.method === 'GET'))) return mirror;
  const local = await lookupLocal(ctx.env.DB, name, file === undefined);
  if (local) return new LocalSource(local, ctx);
  return scoped ? undefined : mirror;
}

function missing(): Response {
  return jsonError(404, 'Not found');
}
