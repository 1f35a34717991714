// Request bodies that must be JSON objects: anything else is the client's mistake (400).
import { HttpError } from './errors';

export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HttpError(400, 'the body must be a JSON object');
  }
  return asObject(body, 'the body');
}

/** `v` as a plain JSON object, or a 400 naming `what`. */
export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}
