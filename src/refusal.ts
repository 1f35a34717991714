// What pure modules and stores throw when a request cannot be done, by kind. The HTTP layer maps each
// kind to its status in one place (src/http/errors.ts), so no module below it knows about HTTP.
export type RefusalKind = 'invalid' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'too-many' | 'busy';

export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** for 'too-many' and 'busy': when to try again */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** `v` as a plain JSON object, or an 'invalid' refusal naming `what`. */
export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Refusal('invalid', `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}
