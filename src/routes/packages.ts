// Every path under a package name: reads go to local storage when the name is published here,
// else to the upstream cache; writes go to local storage only.
import { PackumentCache, type DocSource } from '../cache/packument-cache';
import type { Config } from '../config';
import type { Env } from '../env';
import { jsonError, notAllowed } from '../http/errors';
import { registryOrigin } from '../http/origin';
import { LocalDocs } from '../local/local-docs';
import { lookupLocal } from '../local/store';
import { inScopes, parsePackagePath } from '../packages/names';
import { mirrorKey, readTarball } from '../tarballs/tarball-store';
import { deletePackage, deleteTarball, putPackage, putRevision, type WriteContext } from './local-writes';
import { serveManifest, servePackument } from './metadata';
import { serveLocalTarball, serveTarball } from './tarballs';

export async function servePackagePath(
  req: Request,
  env: Env,
  cfg: Config,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Response> {
  const rawPath = new URL(req.url).pathname;
  if (rawPath.startsWith('/-/')) return jsonError(404, 'Not found');
  const target = parsePackagePath(rawPath, cfg.legacyNames);
  if (!target) return jsonError(404, 'Not found');
  const origin = registryOrigin(cfg, req);
  const w: WriteContext = { req, env, cfg, origin };
  const method = req.method;

  if (target.kind === 'revision') {
    if (method === 'PUT') return putRevision(w, target.name, target.rev);
    if (method === 'DELETE') return deletePackage(w, target.name, target.rev);
    return notAllowed(method, 'PUT, DELETE');
  }
  if (target.kind === 'tarball-revision') {
    return method === 'DELETE' ? deleteTarball(w, target.name, target.file) : notAllowed(method, 'DELETE');
  }
  if (method === 'PUT' && target.kind === 'packument') return putPackage(w, target.name);
  if (method !== 'GET' && method !== 'HEAD') {
    return notAllowed(method, target.kind === 'packument' ? 'GET, HEAD, PUT' : 'GET, HEAD');
  }

  const name = target.name;
  const scoped = inScopes(name, cfg.localScopes);
  const mirror = new PackumentCache(env, cfg, origin, waitUntil);
  // A cached mirror copy answers without D1: entries exist only for names that were not local when
  // fetched, and a first publish removes them. A write's `?write=true` read always asks D1.
  if (!scoped && new URL(req.url).searchParams.get('write') !== 'true') {
    if (target.kind === 'tarball') {
      const stored = await readTarball(env.TARBALLS, mirrorKey(name, target.file), method === 'GET');
      if (stored) return serveTarball(req, env, cfg, mirror, waitUntil, name, target.file, stored);
    } else if (await mirror.hasCopy(name)) {
      return target.kind === 'packument'
        ? servePackument(req, mirror, cfg, name)
        : serveManifest(req, mirror, cfg, name, target.spec);
    }
  }
  const local = await lookupLocal(env.DB, name, target.kind !== 'tarball');
  if (!local && scoped) return jsonError(404, 'Not found');
  const docs: DocSource = local ? new LocalDocs(local, origin) : mirror;
  switch (target.kind) {
    case 'packument':
      return servePackument(req, docs, cfg, name);
    case 'manifest':
      return serveManifest(req, docs, cfg, name, target.spec);
    case 'tarball':
      return local
        ? serveLocalTarball(req, env, local, target.file)
        : serveTarball(req, env, cfg, mirror, waitUntil, name, target.file, undefined);
  }
}
