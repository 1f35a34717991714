// Web login sessions (D1): begun by the CLI (`POST /-/v1/login`), signed in by the browser, picked up once
// by the CLI polling its done URL. Each lives SESSION_MS; the issued token waits in its row until then.
import { randomHex, sameHex, tokenHash } from './crypto';

export const SESSION_MS = 5 * 60_000;

export interface Begun {
  loginId: string;
  doneId: string;
}

export interface Session {
  loginId: string;
  csrf: string;
  signedIn: boolean;
}

/** Starts a session; old ones are swept first (bounded: the index on `created`). */
export async function beginLogin(db: D1Database, now = Date.now()): Promise<Begun> {
  const loginId = randomHex(16);
  const doneId = randomHex(32);
  await db.batch([
    db.prepare('DELETE FROM login_sessions WHERE created < ?').bind(now - SESSION_MS),
    db
      .prepare('INSERT INTO login_sessions (login_id, done_hash, csrf, created) VALUES (?, ?, ?, ?)')
      .bind(loginId, await tokenHash(doneId), randomHex(16), now),
  ]);
  return { loginId, doneId };
}

/** The live session of a login id, or undefined. */
export async function findSession(db: D1Database, loginId: string, now = Date.now()): Promise<Session | undefined> {
  const r = await db
    .prepare('SELECT csrf, token IS NOT NULL AS signed FROM login_sessions WHERE login_id = ? AND created >= ?')
    .bind(loginId, now - SESSION_MS)
    .first<{ csrf: string; signed: number }>();
  return r ? { loginId, csrf: r.csrf, signedIn: r.signed === 1 } : undefined;
}

/** Whether `presented` is the session's CSRF value (constant time). */
export function csrfMatches(s: Session, presented: string | undefined): boolean {
  return presented !== undefined && presented.length === s.csrf.length && sameHex(presented, s.csrf);
}

/** Records the signed-in user and their new token; false when the session expired or was used meanwhile. */
export async function completeLogin(
  db: D1Database,
  loginId: string,
  user: string,
  token: string,
  now = Date.now(),
): Promise<boolean> {
  const r = await db
    .prepare('UPDATE login_sessions SET user_name = ?, token = ? WHERE login_id = ? AND token IS NULL AND created >= ?')
    .bind(user, token, loginId, now - SESSION_MS)
    .run();
  return r.meta.changes === 1;
}

/**
 * The CLI's poll: 'pending' until the browser signed in, then the token once (the row goes with it), then
 * 'unknown' like any id that never was or has expired.
 */
export async function pollLogin(
  db: D1Database,
  doneId: string,
  now = Date.now(),
): Promise<{ kind: 'pending' } | { kind: 'done'; token: string } | { kind: 'unknown' }> {
  const hash = await tokenHash(doneId);
  const taken = await db
    .prepare('DELETE FROM login_sessions WHERE done_hash = ? AND token IS NOT NULL AND created >= ? RETURNING token')
    .bind(hash, now - SESSION_MS)
    .first<{ token: string }>();
  if (taken) return { kind: 'done', token: taken.token };
  const live = await db
    .prepare('SELECT 1 AS x FROM login_sessions WHERE done_hash = ? AND created >= ?')
    .bind(hash, now - SESSION_MS)
    .first();
  return live ? { kind: 'pending' } : { kind: 'unknown' };
}
