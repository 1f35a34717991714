// Who may write: a valid token (401 without), and not a read-only one (403).
import { callerOf, type Caller } from '../users/accounts';
import { HttpError } from './errors';

export async function requireWriter(db: D1Database, req: Request): Promise<Caller> {
  const caller = await callerOf(db, req.headers.get('authorization'));
  if (!caller) throw new HttpError(401, 'authentication required: log in with npm login or use a token', { 'www-authenticate': 'Bearer realm="registry"' });
  if (caller.readonly) throw new HttpError(403, 'this token is read-only and cannot publish or change packages');
  return caller;
}
