// Each password check costs a PBKDF2 run and is what a guesser needs: only a few per account and
// minute (the LOGIN_LIMITER binding; Cloudflare counts per location, so this slows guessing, it
// does not cap it globally).
import { Refusal } from '../refusal';

export async function allowPasswordCheck(limiter: RateLimit | undefined, user: string): Promise<void> {
  if (!limiter) return;
  const { success } = await limiter.limit({ key: `password:${user}` }); // names are case-sensitive
  if (!success) throw new Refusal('too-many', `too many password attempts for ${user}; try again in a minute`, 60);
}

/** One-time codes are guessable too (a million of them): as few checks per account and minute. */
export async function allowCodeCheck(limiter: RateLimit | undefined, user: string): Promise<void> {
  if (!limiter) return;
  const { success } = await limiter.limit({ key: `otp:${user}` });
  if (!success)
    throw new Refusal('too-many', `too many one-time password attempts for ${user}; try again in a minute`, 60);
}
