// GET/HEAD of a package's packument, manifest or tarball. A mirror copy that exists answers first,
// without D1 (copies exist only for names that were not local when fetched; a first publish removes
// them); otherwise D1 says whether the name is local: the local store answers, else the mirror.
// A write's `?write=true` read always asks D1.
import type { DocumentSource, Lookup } from '../docs/source';
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { acceptsGzip, chooseRepresentation } from '../http/negotiate';
import type { Target } from '../http/router';
import { LocalSource } from '../local/local-source';
import { lookupLocal } from '../local/store';
import { MirrorSource } from '../mirror/mirror-source';
import { inScopes } from '../packages/names';
import { answerManifest, answerPackument } from './metadata';
import { answerTarball } from './tarballs';

export async function readPackument(ctx: RequestContext, { name }: Target<'packument'>): Promise<Response> {
  const rep = chooseRepresentation(ctx.req.headers.get('accept'));
  const gzipOk = acceptsGzip(ctx.req.headers.get('accept-encoding'));
  const mirror = new MirrorSource(ctx);
  const hit = mirrorFirst(ctx, name)
    ? await mirror.cachedPackument(name, rep, ctx.req.headers.get('if-none-match'), gzipOk)
    : undefined;
  if (hit) return answerPackument(ctx, hit, rep, mirror.revalidate);
  const source = await sourceFor(ctx, name, mirror, true);
  return source ? answerPackument(ctx, await source.packument(name, rep, gzipOk), rep, source.revalidate) : missing();
}

export async function readManifest(ctx: RequestContext, { name, spec }: Target<'manifest'>): Promise<Response> {
  const mirror = new MirrorSource(ctx);
  const hit = mirrorFirst(ctx, name) ? await mirror.cachedPackument(name, 'full', null, false) : undefined;
  if (hit) return answerManifest(ctx, hit, name, spec, mirror.revalidate);
  const source = await sourceFor(ctx, name, mirror, true);
  return source ? answerManifest(ctx, await source.packument(name, 'full'), name, spec, source.revalidate) : missing();
}

export async function readTarball(ctx: RequestContext, { name, file }: Target<'tarball'>): Promise<Response> {
  const withBody = ctx.req.method !== 'HEAD';
  const mirror = new MirrorSource(ctx);
  const hit = mirrorFirst(ctx, name) ? await mirror.cachedTarball(name, file, withBody) : undefined;
  if (hit) return answerTarball(ctx, hit, name, file);
  const source = await sourceFor(ctx, name, mirror, false);
  return source ? answerTarball(ctx, await source.tarball(name, file, withBody), name, file) : missing();
}

/** The full packument a page shows, as the API would answer it, and whether the package is local. */
export async function fullPackument(ctx: RequestContext, name: string): Promise<{ r: Lookup; local: boolean }> {
  const mirror = new MirrorSource(ctx);
  const hit = mirrorFirst(ctx, name) ? await mirror.cachedPackument(name, 'full', null, false) : undefined;
  if (hit) return { r: hit, local: false };
  const source = await sourceFor(ctx, name, mirror, true);
  if (!source) return { r: { kind: 'not-found' }, local: false };
  return { r: await source.packument(name, 'full'), local: source instanceof LocalSource };
}

/** Whether a mirror copy may answer before D1 is asked: not for local scopes, not for a write's read. */
function mirrorFirst(ctx: RequestContext, name: string): boolean {
  return !inScopes(name, ctx.cfg.localScopes) && ctx.url.searchParams.get('write') !== 'true';
}

/** The local store when D1 has the name, else the mirror; undefined for an unpublished local-scope name. */
async function sourceFor(
  ctx: RequestContext,
  name: string,
  mirror: MirrorSource,
  withDoc: boolean,
): Promise<DocumentSource | undefined> {
  const local = await lookupLocal(ctx.env.DB, name, withDoc);
  if (local) return new LocalSource(local, ctx);
  return inScopes(name, ctx.cfg.localScopes) ? undefined : mirror;
}

function missing(): Response {
  return jsonError(404, 'Not found');
}
