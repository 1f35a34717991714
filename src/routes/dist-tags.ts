// /-/package/<name>/dist-tags[/<tag>]: read for any package, write for local ones.
import type { Config } from '../config';
import type { Env } from '../env';
import { jsonError, notAllowed } from '../http/errors';
import { findLocal } from '../local/store';
import { inScopes, parseDistTagPath } from '../packages/names';
import { forward } from '../upstream/client';
import { deleteDistTag, putDistTag, type WriteContext } from './local-writes';

export async function serveDistTags(w: WriteContext): Promise<Response> {
  const { req, env, cfg } = w;
  const path = new URL(req.url).pathname;
  const target = parseDistTagPath(path, cfg.legacyNames);
  if (!target) return jsonError(404, 'Not found');
  if (target.tag !== undefined) {
    if (req.method === 'PUT') return putDistTag(w, target.name, target.tag);
    if (req.method === 'DELETE') return deleteDistTag(w, target.name, target.tag);
    return notAllowed(req.method, 'PUT, DELETE');
  }
  if (req.method !== 'GET') return notAllowed(req.method, 'GET');
  return readTags(req, env, cfg, target.name, path);
}

async function readTags(req: Request, env: Env, cfg: Config, name: string, path: string): Promise<Response> {
  const local = await findLocal(env.DB, name);
  if (local && !local.unpublished)
    return Response.json(local.doc['dist-tags'], { headers: { 'cache-control': 'no-cache' } });
  if (local || inScopes(name, cfg.localScopes)) return jsonError(404, 'Not found');
  return forward(cfg, req, path);
}
