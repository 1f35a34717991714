// npm-style JSON errors: `{"error": "..."}` with the status a client expects, and the one place a
// module's Refusal becomes an HTTP status.
import type { Refusal, RefusalKind } from '../refusal';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

export function notAllowed(method: string, allow: string): Response {
  return jsonError(405, `method ${method} not allowed here`, { allow });
}

const STATUS: Record<RefusalKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'too-many': 429,
  busy: 503,
};

export function refusalStatus(kind: RefusalKind): number {
  return STATUS[kind];
}

export function refusalResponse(r: Refusal): Response {
  const headers: Record<string, string> =
    r.retryAfterSeconds === undefined ? {} : { 'retry-after': String(r.retryAfterSeconds) };
  return jsonError(STATUS[r.kind], r.message, headers);
}
