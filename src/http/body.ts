// Request bodies that must be JSON objects: anything else is the client's mistake (400).
import { MAX_JSON_DEPTH } from '../limits';
import { asObject } from '../refusal';
import { HttpError } from './errors';

/** The body as JSON, nested at most MAX_JSON_DEPTH deep (copying or storing deeper values would overflow the stack). */
export async function readJson(req: Request, what = 'the body must be JSON'): Promise<unknown> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (e) {
    if (e instanceof HttpError) throw e; // the body limit's 413
    throw new HttpError(400, what);
  }
  if (depthOver(body, MAX_JSON_DEPTH))
    throw new HttpError(400, `the body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  return body;
}

/** A form's fields. Read as bytes: workerd warns when a form type is read with `text()`. */
export async function readForm(req: Request): Promise<URLSearchParams> {
  return new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
}

export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  return asObject(await readJson(req, 'the body must be a JSON object'), 'the body');
}

/** Whether a parsed JSON value nests deeper than `max`; iterative, so any depth is safe to ask about. */
export function depthOver(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x))
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}
