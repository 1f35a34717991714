// Two-factor authentication: TOTP (RFC 6238, 6 digits, 30 s, SHA-1 as authenticator apps expect) via the
// otpauth library, opt-in per user, plus ten single-use recovery codes kept hashed. D1 holds the state.
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import { randomHex, tokenHash } from './crypto';
import { allowCodeCheck } from './throttle';

const RECOVERY_CODES = 10;

/** Whether the user has two-factor on (its secret, for checking codes), else undefined. */
export async function totpSecret(db: D1Database, user: string): Promise<string | undefined> {
  const r = await db
    .prepare('SELECT totp_secret FROM users WHERE name = ?')
    .bind(user)
    .first<{ totp_secret: string }>();
  return r?.totp_secret ?? undefined;
}

/** Whether `code` is valid now for `secret` (one step of clock drift either way). */
export function validTotp(secret: string, code: string, now = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return TOTP.validate({ token: code, secret: Secret.fromBase32(secret), timestamp: now, window: 1 }) !== null;
}

/**
 * Checks a presented one-time password: a TOTP code, or else a recovery code, which is used up. True
 * when the user has two-factor off (nothing to check) or the code is good. Each check counts against
 * `limiter` (LOGIN_LIMITER): beyond its rate, a Refusal (429).
 */
export async function checkSecondFactor(
  db: D1Database,
  user: string,
  presented: string | null,
  limiter?: RateLimit,
): Promise<boolean> {
  const secret = await totpSecret(db, user);
  if (secret === undefined) return true;
  if (presented === null) return false;
  await allowCodeCheck(limiter, user);
  const code = presented.trim();
  if (validTotp(secret, code)) return true;
  return useRecoveryCode(db, user, code);
}

async function useRecoveryCode(db: D1Database, user: string, code: string): Promise<boolean> {
  const normal = code.toLowerCase().replaceAll('-', '');
  if (!/^[0-9a-f]{20}$/.test(normal)) return false;
  const r = await db
    .prepare('DELETE FROM recovery_codes WHERE user_name = ? AND code_hash = ?')
    .bind(user, await tokenHash(normal))
    .run();
  return r.meta.changes === 1;
}

export interface Enrolment {
  secret: string;
  /** the otpauth:// URI authenticator apps read */
  uri: string;
  /** that URI as an SVG QR code */
  qr: string;
}

/** Starts enrolment: a new secret waits as pending until a code confirms it. */
export async function beginEnrolment(db: D1Database, user: string, issuer: string): Promise<Enrolment> {
  const secret = new Secret({ size: 20 }).base32;
  await db.prepare('UPDATE users SET totp_pending = ? WHERE name = ?').bind(secret, user).run();
  return enrolmentOf(secret, user, issuer);
}

/** The pending enrolment, to show again (a wrong code), or undefined. */
export async function pendingEnrolment(db: D1Database, user: string, issuer: string): Promise<Enrolment | undefined> {
  const r = await db
    .prepare('SELECT totp_pending FROM users WHERE name = ?')
    .bind(user)
    .first<{ totp_pending: string | null }>();
  return r?.totp_pending ? enrolmentOf(r.totp_pending, user, issuer) : undefined;
}

function enrolmentOf(secret: string, user: string, issuer: string): Enrolment {
  const uri = new TOTP({ issuer, label: user, secret: Secret.fromBase32(secret) }).toString();
  return { secret, uri, qr: renderSVG(uri, { pixelSize: 4 }) };
}

/**
 * Confirms the pending secret with a code from it: two-factor is on, and the new recovery codes are
 * returned (shown once; only their hashes are kept). Undefined when the code is wrong or nothing is pending.
 */
export async function confirmEnrolment(db: D1Database, user: string, code: string): Promise<string[] | undefined> {
  const r = await db
    .prepare('SELECT totp_pending FROM users WHERE name = ?')
    .bind(user)
    .first<{ totp_pending: string | null }>();
  if (!r?.totp_pending || !validTotp(r.totp_pending, code.trim())) return undefined;
  const codes = Array.from({ length: RECOVERY_CODES }, () => randomHex(10));
  const hashes = await Promise.all(codes.map((c) => tokenHash(c)));
  await db.batch([
    db
      .prepare('UPDATE users SET totp_secret = totp_pending, totp_pending = NULL WHERE name = ? AND totp_pending = ?')
      .bind(user, r.totp_pending),
    db.prepare('DELETE FROM recovery_codes WHERE user_name = ?').bind(user),
    ...hashes.map((h) => db.prepare('INSERT INTO recovery_codes (user_name, code_hash) VALUES (?, ?)').bind(user, h)),
  ]);
  return codes.map((c) => c.match(/.{5}/g)!.join('-'));
}

/** Turns two-factor off (the caller checked a code first); its recovery codes go too. */
export async function disableTwoFactor(db: D1Database, user: string): Promise<void> {
  await db.batch([
    db.prepare('UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE name = ?').bind(user),
    db.prepare('DELETE FROM recovery_codes WHERE user_name = ?').bind(user),
  ]);
}

/** How many unused recovery codes the user has. */
export async function recoveryCodesLeft(db: D1Database, user: string): Promise<number> {
  const r = await db
    .prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_name = ?')
    .bind(user)
    .first<{ n: number }>();
  return r?.n ?? 0;
}
