// Accounts over npm's wire protocol: couch-style adduser/login, whoami, logout and `npm token`.
import type { Hono } from 'hono';
import type { Env } from '../env';
import { requireUser, requireWriter } from '../http/auth';
import { readJsonObject } from '../http/body';
import { HttpError, jsonError } from '../http/errors';
import { parseRanges } from '../users/cidr';
import { allowPasswordCheck } from '../users/throttle';
import { checkPassword, publicUser, createUser, issueToken, listTokens, revokeToken, revokeTokenValue } from '../users/accounts';

/** npm user names: lowercase-insensitive URL-safe words, as the public registry allows them. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,213}$/;

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
    const body = await readJsonObject(c.req.raw);
    const { password, email } = body;
    if (body.name !== undefined && body.name !== name) return jsonError(400, 'the body names another user');
    if (!USER_NAME.test(name)) return jsonError(400, 'invalid user name');
    if (typeof password !== 'string' || password === '') return jsonError(400, 'a password is required');
    if (email !== undefined && typeof email !== 'string') return jsonError(400, 'email must be a string');

    await allowPasswordCheck(env.LOGIN_LIMITER, name);
    if (await checkPassword(env.DB, name, password)) return loggedIn(env.DB, name);
    if (env.ALLOW_SIGNUP !== 'true') {
      return jsonError(401, 'invalid user name or password (sign-up is off on this registry)');
    }
    if (await createUser(env.DB, name, password, email as string | undefined)) return loggedIn(env.DB, name);
    return jsonError(401, 'invalid user name or password');
  });

  // `npm owner add` reads the user it adds. Logged-in callers only: it shows an email address.
  app.get('/-/user/:id', async (c) => {
    const id = c.req.param('id');
    if (!id.startsWith('org.couchdb.user:')) return jsonError(404, 'Not found');
    await requireUser((c.env as Env).DB, c.req.raw);
    const u = await publicUser((c.env as Env).DB, id.slice('org.couchdb.user:'.length));
    if (!u) return jsonError(404, 'no such user');
    return c.json({ _id: `org.couchdb.user:${u.name}`, name: u.name, email: u.email });
  });

  app.get('/-/whoami', async (c) => {
    const caller = await requireUser((c.env as Env).DB, c.req.raw);
    return c.json({ username: caller.user });
  });

  app.delete('/-/user/token/*', async (c) => {
    const env = c.env as Env;
    const caller = await requireUser(env.DB, c.req.raw);
    const token = decodeURIComponent(new URL(c.req.url).pathname.slice('/-/user/token/'.length));
    if (!(await revokeTokenValue(env.DB, caller.user, token))) return jsonError(404, 'no such token');
    return c.json({ ok: true });
  });

  app.get('/-/npm/v1/tokens', async (c) => {
    const env = c.env as Env;
    const caller = await requireUser(env.DB, c.req.raw);
    const objects = await listTokens(env.DB, caller.user);
    return c.json({ objects, total: objects.length, urls: {} });
  });

  app.post('/-/npm/v1/tokens', async (c) => {
    const env = c.env as Env;
    const caller = await requireWriter(env.DB, c.req.raw, 'create tokens');
    const body = await readJsonObject(c.req.raw);
    await allowPasswordCheck(env.LOGIN_LIMITER, caller.user);
    if (typeof body.password !== 'string' || !(await checkPassword(env.DB, caller.user, body.password))) {
      return jsonError(401, 'invalid password');
    }
    const cidr = tokenRanges(body.cidr_whitelist);
    const { token, info } = await issueToken(env.DB, caller.user, body.readonly === true, cidr);
    return c.json({ ...info, token }, 201);
  });

  app.delete('/-/npm/v1/tokens/token/:key', async (c) => {
    const env = c.env as Env;
    const caller = await requireWriter(env.DB, c.req.raw, 'revoke tokens');
    if (!(await revokeToken(env.DB, caller.user, c.req.param('key')))) return jsonError(404, 'no such token');
    return new Response(null, { status: 204 });
  });
}

/** `cidr_whitelist`: absent or empty means anywhere; otherwise every entry must be a valid range. */
function tokenRanges(list: unknown): string[] | null {
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) return null;
  const ranges = Array.isArray(list) && list.every((x) => typeof x === 'string') ? parseRanges(list) : undefined;
  if (!ranges) throw new HttpError(400, 'cidr_whitelist must be a list of address ranges such as 192.168.0.0/16');
  return ranges;
}

async function loggedIn(db: D1Database, name: string): Promise<Response> {
  const { token } = await issueToken(db, name);
  return Response.json({ ok: true, id: `org.couchdb.user:${name}`, rev: '1-0', token }, { status: 201 });
}
