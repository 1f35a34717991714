// Request body size limits (each route declares its own in src/routes/table.ts), enforced without
// reading the body first: a declared Content-Length over the limit is refused at once, and a chunked
// body is counted as the handler reads it (after the caller is known), so nobody's body is buffered
// before they are authorized.
import { HttpError } from './errors';

export class BodyTooLarge extends HttpError {
  constructor(max: number) {
    super(413, `the request body is too large: at most ${max} bytes are accepted here`);
  }
}

/** `req` with its body limited to `max` bytes; throws BodyTooLarge for a declared length over it. */
export function limitBody(req: Request, max: number): Request {
  // No route reads a GET or HEAD body, and a Request of those methods cannot be given one.
  if (!req.body || req.method === 'GET' || req.method === 'HEAD') return req;
  const declared = req.headers.get('content-length');
  if (declared !== null && !req.headers.has('transfer-encoding')) {
    if (Number(declared) > max) throw new BodyTooLarge(max);
    return req;
  }
  let seen = 0;
  const counted = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        seen += chunk.byteLength;
        if (seen > max) c.error(new BodyTooLarge(max));
        else c.enqueue(chunk);
      },
    }),
  );
  return new Request(req, { body: counted });
}
