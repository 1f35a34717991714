// Password hashing (PBKDF2 via WebCrypto, per-user salt) and tokens (32 random bytes, stored hashed).
import { fromHex, toBase64Url, toHex } from '../codec';

/** workerd caps PBKDF2 at 100,000 iterations. */
export const PBKDF2_ITERATIONS = 100_000;

export function randomHex(n: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(n)));
}

export async function hashPassword(password: string, saltHex: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const salt = fromHex(saltHex);
  return toHex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256));
}

/** Constant-time comparison of two equal-length hex strings. */
export function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A new bearer token: `npm_` and 32 random bytes, base64url. */
export function newToken(): string {
  return `npm_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Whether a presented secret equals the expected one, in time that does not depend on where they differ. */
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  // Digests first: timingSafeEqual needs equal lengths, and the length of the secret stays hidden too.
  const [a, b] = await Promise.all(
    [presented, expected].map((s) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))),
  );
  return crypto.subtle.timingSafeEqual(a, b);
}

export async function tokenHash(token: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
}
