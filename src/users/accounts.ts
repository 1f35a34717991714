// Users and tokens in D1.
import { MAX_TOKEN_LENGTH } from '../limits';
import { PBKDF2_ITERATIONS, hashPassword, newToken, randomHex, sameHex, tokenHash } from './crypto';

export interface TokenInfo {
  key: string;
  token: string; // a prefix only, for listings
  readonly: boolean;
  cidr_whitelist: string[] | null;
  created: string;
  updated: string;
}

export interface Caller {
  user: string;
  readonly: boolean;
  key: string;
  /** address ranges the token may be used from, or null for anywhere */
  cidr: string[] | null;
}

interface UserRow {
  name: string;
  salt: string;
  password_hash: string;
  iterations: number;
}

export async function findUser(db: D1Database, name: string): Promise<UserRow | null> {
  return db
    .prepare('SELECT name, salt, password_hash, iterations FROM users WHERE name = ?')
    .bind(name)
    .first<UserRow>();
}

/** Creates the user; false when the name is taken (a concurrent sign-up included). */
export async function createUser(
  db: D1Database,
  name: string,
  password: string,
  email: string | undefined,
): Promise<boolean> {
  const salt = randomHex(16);
  const hash = await hashPassword(password, salt);
  const r = await db
    .prepare(
      'INSERT INTO users (name, email, salt, password_hash, iterations, created) VALUES (?, ?, ?, ?, ?, ?)' +
        ' ON CONFLICT (name) DO NOTHING',
    )
    .bind(name, email ?? null, salt, hash, PBKDF2_ITERATIONS, Date.now())
    .run();
  return r.meta.changes === 1;
}

export async function checkPassword(db: D1Database, name: string, password: string): Promise<boolean> {
  const u = await findUser(db, name);
  if (!u) return false;
  return sameHex(await hashPassword(password, u.salt, u.iterations), u.password_hash);
}

export async function issueToken(
  db: D1Database,
  user: string,
  readonly = false,
  cidr: string[] | null = null,
): Promise<{ token: string; info: TokenInfo }> {
  const token = newToken();
  const key = crypto.randomUUID();
  const created = Date.now();
  await db
    .prepare(
      'INSERT INTO tokens (key, token_hash, token_prefix, user_name, readonly, cidr_whitelist, created)' +
        ' VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(
      key,
      await tokenHash(token),
      token.slice(0, 8),
      user,
      readonly ? 1 : 0,
      cidr ? JSON.stringify(cidr) : null,
      created,
    )
    .run();
  return {
    token,
    info: toInfo({
      key,
      token_prefix: token.slice(0, 8),
      readonly: readonly ? 1 : 0,
      cidr_whitelist: cidr ? JSON.stringify(cidr) : null,
      created,
    }),
  };
}

export async function callerOf(db: D1Database, authorization: string | null): Promise<Caller | undefined> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m || m[1].length > MAX_TOKEN_LENGTH) return undefined; // no token of ours is that long

  const row = await db
    .prepare('SELECT key, user_name, readonly, cidr_whitelist FROM tokens WHERE token_hash = ?')
    .bind(await tokenHash(m[1]))
    .first<{ key: string; user_name: string; readonly: number; cidr_whitelist: string | null }>();
  if (!row) return undefined;
  return { user: row.user_name, readonly: row.readonly === 1, key: row.key, cidr: storedRanges(row.cidr_whitelist) };
}

/** A token's stored ranges, or null for no limit (npm sends `[]` when none were asked for). */
function storedRanges(text: string | null): string[] | null {
  let list: unknown = null;
  try {
    list = text ? JSON.parse(text) : null;
  } catch {
    // kept as a limit nothing matches: refusing is safer than opening
    return ['invalid'];
  }
  return Array.isArray(list) && list.length > 0 ? list.map(String) : null;
}

/** Tokens per page of `npm token list`. */
export const TOKEN_PAGE = 100;

/** One page of a user's tokens, oldest first, and how many there are in all. */
export async function listTokens(
  db: D1Database,
  user: string,
  page = 0,
): Promise<{ objects: TokenInfo[]; total: number }> {
  const [rows, count] = await db.batch([
    db
      .prepare(
        'SELECT key, token_prefix, readonly, cidr_whitelist, created FROM tokens WHERE user_name = ?' +
          ' ORDER BY created, key LIMIT ? OFFSET ?',
      )
      .bind(user, TOKEN_PAGE, page * TOKEN_PAGE),
    db.prepare('SELECT COUNT(*) AS total FROM tokens WHERE user_name = ?').bind(user),
  ]);
  return {
    objects: (rows.results as unknown as TokenRow[]).map(toInfo),
    total: (count.results[0] as { total: number }).total,
  };
}

/** Revokes by key or key prefix (npm token revoke accepts either); true when one was removed. */
export async function revokeToken(db: D1Database, user: string, keyOrPrefix: string): Promise<boolean> {
  if (keyOrPrefix === '') return false;
  // A prefix test without LIKE: no pattern characters to escape, no pattern length limit.
  const rows = await db
    .prepare('SELECT key FROM tokens WHERE user_name = ? AND substr(key, 1, length(?2)) = ?2 LIMIT 2')
    .bind(user, keyOrPrefix)
    .all<{ key: string }>();
  if (rows.results.length !== 1) return false;
  await db.prepare('DELETE FROM tokens WHERE key = ?').bind(rows.results[0].key).run();
  return true;
}

/** Logout: revokes the very token presented. */
export async function revokeTokenValue(db: D1Database, user: string, token: string): Promise<boolean> {
  const r = await db
    .prepare('DELETE FROM tokens WHERE token_hash = ? AND user_name = ?')
    .bind(await tokenHash(token), user)
    .run();
  return r.meta.changes === 1;
}

interface TokenRow {
  key: string;
  token_prefix: string;
  readonly: number;
  cidr_whitelist: string | null;
  created: number;
}

function toInfo(r: TokenRow): TokenInfo {
  const at = new Date(r.created).toISOString();
  return {
    key: r.key,
    token: r.token_prefix,
    readonly: r.readonly === 1,
    cidr_whitelist: r.cidr_whitelist ? JSON.parse(r.cidr_whitelist) : null,
    created: at,
    updated: at,
  };
}

/** The public face of a user (`npm owner add` reads it): name and email, or null. */
export async function publicUser(db: D1Database, name: string): Promise<{ name: string; email: string } | null> {
  const r = await db
    .prepare('SELECT name, email FROM users WHERE name = ?')
    .bind(name)
    .first<{ name: string; email: string | null }>();
  return r && { name: r.name, email: r.email ?? '' };
}

/** The public faces of several users in one query (json_each: no bound-parameter limit), by name. */
export async function publicUsers(
  db: D1Database,
  names: string[],
): Promise<Map<string, { name: string; email: string }>> {
  const r = await db
    .prepare('SELECT name, email FROM users WHERE name IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(names))
    .all<{ name: string; email: string | null }>();
  return new Map(r.results.map((u) => [u.name, { name: u.name, email: u.email ?? '' }]));
}
