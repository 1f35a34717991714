// Accounts over npm's wire protocol: couch-style adduser/login, whoami, logout and `npm token`.
import type { Hono } from 'hono';
import { readConfig } from '../config';
import type { Env } from '../env';
import { requireUser, requireWriter } from '../http/auth';
import { readJsonObject } from '../http/body';
import { HttpError, jsonError } from '../http/errors';
import { MAX_CIDR_RANGES, MAX_TOKEN_KEY_LENGTH, MAX_TOKEN_LENGTH } from '../limits';
import { checkAccount, isUserName } from '../users/account-fields';
import { parseRanges } from '../users/cidr';
import { allowPasswordCheck } from '../users/throttle';
import {
  checkPassword,
  publicUser,
  createUser,
  issueToken,
  listTokens,
  revokeToken,
  revokeTokenValue,
  TOKEN_PAGE,
} from '../users/accounts';

/** A path segment decoded, or undefined when its percent-encoding is broken. */
function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the app type lives in index.ts, which imports this file
export function userRoutes(app: Hono<any>): void {
  // npm 10+ tries web login first and falls back to the couch PUT on a 404.
  app.post('/-/v1/login', () => jsonError(404, 'web login is not supported here; use the legacy login'));

  app.put('/-/user/*', async (c) => {
    const env = c.env as Env;
    const id = decoded(new URL(c.req.url).pathname.slice('/-/user/'.length));
    if (id === undefined) return jsonError(400, 'invalid user id: bad percent-encoding');
    if (!id.startsWith('org.couchdb.user:')) return jsonError(404, 'Not found');
    const name = id.slice('org.couchdb.user:'.length);
    if (!isUserName(name)) return jsonError(400, 'invalid user name');
    const body = await readJsonObject(c.req.raw);
    if (body.name !== undefined && body.name !== name) return jsonError(400, 'the body names another user');
    const { password, email } = checkAccount(body, name);

    await allowPasswordCheck(env.LOGIN_LIMITER, name);
    if (await checkPassword(env.DB, name, password)) return loggedIn(env.DB, name);
    if (!readConfig(env).allowSignup) {
      return jsonError(401, 'invalid user name or password (sign-up is off on this registry)');
    }
    if (await createUser(env.DB, name, password, email)) return loggedIn(env.DB, name);
    return jsonError(401, 'invalid user name or password');
  });

  // `npm owner add` reads the user it adds. Logged-in callers only: it shows an email address.
  app.get('/-/user/:id', async (c) => {
    const id = c.req.param('id');
    if (!id.startsWith('org.couchdb.user:')) return jsonError(404, 'Not found');
    await requireUser((c.env as Env).DB, c.req.raw);
    const name = id.slice('org.couchdb.user:'.length);
    const u = isUserName(name) ? await publicUser((c.env as Env).DB, name) : null;
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
    const token = decoded(new URL(c.req.url).pathname.slice('/-/user/token/'.length));
    if (token === undefined || token.length > MAX_TOKEN_LENGTH) return jsonError(400, 'invalid token');
    if (!(await revokeTokenValue(env.DB, caller.user, token))) return jsonError(404, 'no such token');
    return c.json({ ok: true });
  });

  app.get('/-/npm/v1/tokens', async (c) => {
    const env = c.env as Env;
    const caller = await requireUser(env.DB, c.req.raw);
    // Paged: npm follows `urls.next`, and a user who logged in a thousand times has a thousand tokens.
    const pageText = c.req.query('page') ?? '0';
    const page = /^\d{1,6}$/.test(pageText) ? Number(pageText) : NaN;
    if (!Number.isInteger(page)) return jsonError(400, 'page must be a whole number from 0 to 999999');
    const { objects, total } = await listTokens(env.DB, caller.user, page);
    const more = (page + 1) * TOKEN_PAGE < total;
    const urls = more ? { next: `/-/npm/v1/tokens?page=${page + 1}` } : {};
    return c.json({ objects, total, urls });
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
    const key = c.req.param('key');
    // A key or a prefix of one: no longer than a key.
    if (key.length > MAX_TOKEN_KEY_LENGTH)
      return jsonError(400, `token keys are at most ${MAX_TOKEN_KEY_LENGTH} characters`);
    if (!(await revokeToken(env.DB, caller.user, key))) return jsonError(404, 'no such token');
    return new Response(null, { status: 204 });
  });
}

/** `cidr_whitelist`: absent or empty means anywhere; otherwise every entry must be a valid range. */
function tokenRanges(list: unknown): string[] | null {
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) return null;
  if (Array.isArray(list) && list.length > MAX_CIDR_RANGES)
    throw new HttpError(400, `cidr_whitelist is limited to ${MAX_CIDR_RANGES} ranges`);
  const ranges = Array.isArray(list) && list.every((x) => typeof x === 'string') ? parseRanges(list) : undefined;
  if (!ranges) throw new HttpError(400, 'cidr_whitelist must be a list of address ranges such as 192.168.0.0/16');
  return ranges;
}

async function loggedIn(db: D1Database, name: string): Promise<Response> {
  const { token } = await issueToken(db, name);
  return Response.json({ ok: true, id: `org.couchdb.user:${name}`, rev: '1-0', token }, { status: 201 });
}
