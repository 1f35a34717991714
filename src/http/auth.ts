// Who is calling: a token (401 without one), used from an address its CIDR list allows (403), and for
// writes not a read-only one (403).
import { callerOf, type Caller } from '../users/accounts';
import { ipInRanges } from '../users/cidr';
import { HttpError } from './errors';

// One token lookup per request, however many layers ask (READ_ACCESS, then the route).
const callers = new WeakMap<Request, Promise<Caller | undefined>>();

/** The caller, or undefined without a (known) token. */
export async function identify(db: D1Database, req: Request): Promise<Caller | undefined> {
  let found = callers.get(req);
  if (!found) {
    found = callerOf(db, req.headers.get('authorization'));
    callers.set(req, found);
  }
  const caller = await found;
  if (caller?.cidr) {
    const ip = req.headers.get('cf-connecting-ip');
    if (!ipInRanges(ip, caller.cidr))
      throw new HttpError(
        403,
        `this token cannot be used from ${ip ?? 'an unknown address'}; it is limited to ${caller.cidr.join(', ')}`,
      );
  }
  return caller;
}

export async function requireUser(db: D1Database, req: Request): Promise<Caller> {
  const caller = await identify(db, req);
  if (!caller)
    throw new HttpError(401, 'authentication required: log in with npm login or use a token', {
      'www-authenticate': 'Bearer realm="registry"',
    });
  return caller;
}

export async function requireWriter(
  db: D1Database,
  req: Request,
  what = 'publish or change packages',
): Promise<Caller> {
  const caller = await requireUser(db, req);
  if (caller.readonly) throw new HttpError(403, `this token is read-only and cannot ${what}`);
  return caller;
}
