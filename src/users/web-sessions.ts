// Browser sessions (D1): the cookie carries 32 random bytes the registry keeps only hashed. A session
// lives SESSION_DAYS; its forms carry a CSRF value derived from it, so no second value is stored.
import { randomHex, sameHex, tokenHash } from './crypto';

export const SESSION_COOKIE = 'session';
export const SESSION_DAYS = 7;
const SESSION_MS = SESSION_DAYS * 86_400_000;

export interface WebSession {
  user: string;
  /** the value forms must send back */
  csrf: string;
}

/** Opens a session; returns the cookie's value. Expired sessions are swept first (bounded by the index). */
export async function openSession(db: D1Database, user: string, now = Date.now()): Promise<string> {
  const id = randomHex(32);
  await db.batch([
    db.prepare('DELETE FROM web_sessions WHERE expires < ?').bind(now),
    db
      .prepare('INSERT INTO web_sessions (id_hash, user_name, created, expires) VALUES (?, ?, ?, ?)')
      .bind(await tokenHash(id), user, now, now + SESSION_MS),
  ]);
  return id;
}

/** The live session a cookie value names, or undefined. */
export async function findWebSession(
  db: D1Database,
  id: string | undefined,
  now = Date.now(),
): Promise<WebSession | undefined> {
  if (!id || !/^[0-9a-f]{64}$/.test(id)) return undefined;
  const r = await db
    .prepare('SELECT user_name FROM web_sessions WHERE id_hash = ? AND expires >= ?')
    .bind(await tokenHash(id), now)
    .first<{ user_name: string }>();
  return r ? { user: r.user_name, csrf: await csrfOf(id) } : undefined;
}

export async function closeSession(db: D1Database, id: string | undefined): Promise<void> {
  if (!id || !/^[0-9a-f]{64}$/.test(id)) return;
  await db
    .prepare('DELETE FROM web_sessions WHERE id_hash = ?')
    .bind(await tokenHash(id))
    .run();
}

/** The CSRF value of a session: a hash of its id under another label, so it reveals nothing of the id. */
async function csrfOf(id: string): Promise<string> {
  return (await tokenHash(`csrf:${id}`)).slice(0, 32);
}

export function csrfOk(s: WebSession, presented: string | null): boolean {
  return presented !== null && sameHex(presented, s.csrf);
}

/** The Set-Cookie value opening (or, with an empty value, closing) a session. */
export function sessionCookie(value: string, secure: boolean): string {
  const age = value ? SESSION_DAYS * 86_400 : 0;
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${age}${secure ? '; Secure' : ''}`;
}

/** A cookie's value from a request, or undefined. */
export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
