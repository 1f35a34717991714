// Accounts over npm's wire protocol: couch-style adduser/login, whoami, logout and `npm token`.
// Each handler runs behind the gate its row in src/routes/table.ts declares.
import type { RequestContext } from '../http/context';
import { readJsonObject } from '../http/body';
import { HttpError, jsonError } from '../http/errors';
import type { Params } from '../http/router';
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

const COUCH_ID = 'org.couchdb.user:';

/** A path segment decoded, or undefined when its percent-encoding is broken. */
function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** PUT /-/user/org.couchdb.user:<name>: log in, or sign up where that is allowed. */
export async function couchLogin(ctx: RequestContext): Promise<Response> {
  const { env } = ctx;
  const id = decoded(ctx.url.pathname.slice('/-/user/'.length));
  if (id === undefined) return jsonError(400, 'invalid user id: bad percent-encoding');
  if (!id.startsWith(COUCH_ID)) return jsonError(404, 'Not found');
  const name = id.slice(COUCH_ID.length);
  if (!isUserName(name)) return jsonError(400, 'invalid user name');
  const body = await readJsonObject(ctx.req);
  if (body.name !== undefined && body.name !== name) return jsonError(400, 'the body names another user');
  const { password, email } = checkAccount(body, name);

  await allowPasswordCheck(env.LOGIN_LIMITER, name);
  if (await checkPassword(env.DB, name, password)) {
    await ctx.requireSecondFactor(name); // npm then asks for the code and logs in again with it
    return loggedIn(env.DB, name);
  }
  if (!ctx.cfg.allowSignup) return jsonError(401, 'invalid user name or password (sign-up is off on this registry)');
  if (await createUser(env.DB, name, password, email)) return loggedIn(env.DB, name);
  return jsonError(401, 'invalid user name or password');
}

/** GET /-/user/org.couchdb.user:<name>: `npm owner add` reads the user it adds (it shows an email). */
export async function showUser(ctx: RequestContext, { id }: Params): Promise<Response> {
  const name = id.slice(COUCH_ID.length);
  const u = isUserName(name) ? await publicUser(ctx.env.DB, name) : null;
  if (!u) return jsonError(404, 'no such user');
  return Response.json({ _id: `${COUCH_ID}${u.name}`, name: u.name, email: u.email });
}

export async function whoami(ctx: RequestContext): Promise<Response> {
  const caller = await ctx.user();
  return Response.json({ username: caller.user });
}

/** DELETE /-/user/token/<token>: `npm logout`. */
export async function logout(ctx: RequestContext): Promise<Response> {
  const caller = await ctx.user();
  const token = decoded(ctx.url.pathname.slice('/-/user/token/'.length));
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) return jsonError(400, 'invalid token');
  if (!(await revokeTokenValue(ctx.env.DB, caller.user, token))) return jsonError(404, 'no such token');
  return Response.json({ ok: true });
}

/** GET /-/npm/v1/tokens: paged, since npm follows `urls.next` and a frequent logger-in has many. */
export async function listOwnTokens(ctx: RequestContext): Promise<Response> {
  const caller = await ctx.user();
  const pageText = ctx.url.searchParams.get('page') ?? '0';
  const page = /^\d{1,6}$/.test(pageText) ? Number(pageText) : NaN;
  if (!Number.isInteger(page)) return jsonError(400, 'page must be a whole number from 0 to 999999');
  const { objects, total } = await listTokens(ctx.env.DB, caller.user, page);
  const more = (page + 1) * TOKEN_PAGE < total;
  const urls = more ? { next: `/-/npm/v1/tokens?page=${page + 1}` } : {};
  return Response.json({ objects, total, urls });
}

/** POST /-/npm/v1/tokens: `npm token create`, which asks for the password again. */
export async function createOwnToken(ctx: RequestContext): Promise<Response> {
  const { env } = ctx;
  const caller = await ctx.writer('create tokens');
  const body = await readJsonObject(ctx.req);
  await allowPasswordCheck(env.LOGIN_LIMITER, caller.user);
  if (typeof body.password !== 'string' || !(await checkPassword(env.DB, caller.user, body.password))) {
    return jsonError(401, 'invalid password');
  }
  const cidr = tokenRanges(body.cidr_whitelist);
  const { token, info } = await issueToken(env.DB, caller.user, body.readonly === true, cidr);
  return Response.json({ ...info, token }, { status: 201 });
}

/** DELETE /-/npm/v1/tokens/token/<key>: `npm token revoke`, by key or a prefix of one. */
export async function revokeOwnToken(ctx: RequestContext, { key }: Params): Promise<Response> {
  const caller = await ctx.writer('revoke tokens');
  if (key.length > MAX_TOKEN_KEY_LENGTH)
    return jsonError(400, `token keys are at most ${MAX_TOKEN_KEY_LENGTH} characters`);
  if (!(await revokeToken(ctx.env.DB, caller.user, key))) return jsonError(404, 'no such token');
  return new Response(null, { status: 204 });
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
  return Response.json({ ok: true, id: `${COUCH_ID}${name}`, rev: '1-0', token }, { status: 201 });
}
