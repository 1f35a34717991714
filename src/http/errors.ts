// npm-style JSON errors: `{"error": "..."}` with the status a client expects.
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
