// Accounts over npm's wire protocol: couch-style adduser/login, whoami, logout and `npm token`.
import type { Hono } from 'hono';
import type { Env } from '../env';
import { jsonError } from '../http/errors';
import { callerOf, checkPassword, publicUser, createUser, issueToken, listTokens, revokeToken, revokeTokenValue } from '../users/accounts';

/** npm user names: lowercase-insensitive URL-safe words, as the public registry allows them. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,213}$/;

async function jsonBody(req: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const body = await req.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function userRoutes(app: Hono<any>): void {
  // npm 10+ tries web login first and falls back to the couch PUT on a 404.
  app.post('/-/v1/login', () => jsonError(404, 'web login is not supported here; use the legacy login'));

  app.put('/-/user/*', async (c) => {
    const env = c.env as Env;
    const raw = new URL(c.req.url).pathname.slice('/-/user/'.length);
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      return jsonError(400, 'invalid user id');
    }
    if (!id.startsWith('org.couchdb.user:')) return jsonError(404, 'Not found');
    const name = id.slice('org.couchdb.user:'.length);
    const body = await jsonBody(c.req.raw);
    if (!body) return jsonError(400, 'the body must be a JSON object');
    const { password, email } = body;
    if (body.name !== undefined && body.name !== name) return jsonError(400, 'the body names another user');
    if (!USER_NAME.test(name)) return jsonError(400, 'invalid user name');
    if (typeof password !== 'string' || password === '') return jsonError(400, 'a password is required');
    if (email !== undefined && typeof email !== 'string') return jsonError(400, 'email must be a string');

    if (await checkPassword(env.DB, name, password)) return loggedIn(env.DB, name);
    if (env.ALLOW_SIGNUP !== 'true') {
      return jsonError(401, 'invalid user name or password (sign-up is off on this registry)');
    }
    if (await createUser(env.DB, name, password, email as string | undefined)) return loggedIn(env.DB, name);
    return jsonError(401, 'invalid user name or password');
  });

  // `npm owner add` reads the user it adds.
  app.get('/-/user/:id', async (c) => {
    const id = c.req.param('id');
    if (!id.startsWith('org.couchdb.user:')) return jsonError(404, 'Not found');
    const u = await publicUser((c.env as Env).DB, id.slice('org.couchdb.user:'.length));
    if (!u) return jsonError(404, 'no such user');
    return c.json({ _id: `org.couchdb.user:${u.name}`, name: u.name, email: u.email });
  });

  app.get('/-/whoami', async (c) => {
    const caller = await callerOf((c.env as Env).DB, c.req.header('authorization') ?? null);
    if (!caller) return jsonError(401, 'authentication required');
    return c.json({ username: caller.user });
  });

  app.delete('/-/user/token/*', async (c) => {
    const env = c.env as Env;
    const caller = await callerOf(env.DB, c.req.header('authorization') ?? null);
    if (!caller) return jsonError(401, 'authentication required');
    const token = decodeURIComponent(new URL(c.req.url).pathname.slice('/-/user/token/'.length));
    if (!(await revokeTokenValue(env.DB, caller.user, token))) return jsonError(404, 'no such token');
    return c.json({ ok: true });
  });

  app.get('/-/npm/v1/tokens', async (c) => {
    const env = c.env as Env;
    const caller = await callerOf(env.DB, c.req.header('authorization') ?? null);
    if (!caller) return jsonError(401, 'authentication required');
    const objects = await listTokens(env.DB, caller.user);
    return c.json({ objects, total: objects.length, urls: {} });
  });

  app.post('/-/npm/v1/tokens', async (c) => {
    const env = c.env as Env;
    const caller = await callerOf(env.DB, c.req.header('authorization') ?? null);
    if (!caller) return jsonError(401, 'authentication required');
    if (caller.readonly) return jsonError(403, 'a read-only token cannot create tokens');
    const body = await jsonBody(c.req.raw);
    if (!body) return jsonError(400, 'the body must be a JSON object');
    if (typeof body.password !== 'string' || !(await checkPassword(env.DB, caller.user, body.password))) {
      return jsonError(401, 'invalid password');
    }
    const cidr = Array.isArray(body.cidr_whitelist) && body.cidr_whitelist.every((x) => typeof x === 'string') ? (body.cidr_whitelist as string[]) : null;
    const { token, info } = await issueToken(env.DB, caller.user, body.readonly === true, cidr);
    return c.json({ ...info, token }, 201);
  });

  app.delete('/-/npm/v1/tokens/token/:key', async (c) => {
    const env = c.env as Env;
    const caller = await callerOf(env.DB, c.req.header('authorization') ?? null);
    if (!caller) return jsonError(401, 'authentication required');
    if (caller.readonly) return jsonError(403, 'a read-only token cannot revoke tokens');
    if (!(await revokeToken(env.DB, caller.user, c.req.param('key')))) return jsonError(404, 'no such token');
    return new Response(null, { status: 204 });
  });
}

async function loggedIn(db: D1Database, name: string): Promise<Response> {
  const { token } = await issueToken(db, name);
  return Response.json({ ok: true, id: `org.couchdb.user:${name}`, rev: '1-0', token }, { status: 201 });
}
