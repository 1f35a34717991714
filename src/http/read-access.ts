// READ_ACCESS=users: a private registry. Every request needs a user's token (read-only ones will do),
// except what a client needs to log in and what has its own guard; and nothing is marked cacheable by
// shared caches, which would hand one user's answer to anyone.
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config';
import type { Env } from '../env';
import { requireUser } from './auth';

function open(method: string, path: string): boolean {
  if (path === '/-/ping') return true;
  if (method === 'PUT' && path.startsWith('/-/user/org.couchdb.user:')) return true; // npm login / adduser
  if (method === 'POST' && path === '/-/v1/login') return true; // answers 404, so npm falls back to the PUT
  return path.startsWith('/-/admin/'); // ADMIN_TOKEN
}

export function readAccess(): MiddlewareHandler<{ Bindings: Env; Variables: { cfg: Config } }> {
  return async (c, next) => {
    if (c.var.cfg.readAccess !== 'users' || open(c.req.method, new URL(c.req.url).pathname)) return next();
    await requireUser(c.env.DB, c.req.raw);
    await next();
    const cc = c.res.headers.get('cache-control');
    if (cc?.includes('public')) {
      c.res = new Response(c.res.body, c.res); // a copy, in case the headers were immutable
      c.res.headers.set('cache-control', cc.replace('public', 'private'));
    }
  };
}
