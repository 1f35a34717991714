// POST /-/admin/downloads/backfill?start=YYYY-MM-DD&days=N — imports those days again, on demand.
// Guarded by the ADMIN_TOKEN secret; without one the endpoint is off.
import { importAggregates, type ImportResult } from '../downloads/import';
import { addDays, isDay } from '../downloads/periods';
import { readJsonObject } from '../http/body';
import { jsonError } from '../http/errors';
import { createUser, issueToken } from '../users/accounts';
import { sameSecret } from '../users/crypto';
import { checkAccount } from '../users/account-fields';

/** The admin endpoints' guard: off without ADMIN_TOKEN, else its bearer token, compared in constant time. */
async function refuseAdmin(req: Request, adminToken: string | undefined, what: string): Promise<Response | undefined> {
  if (!adminToken) return jsonError(403, `${what} is off: set the ADMIN_TOKEN secret`);
  const m = /^Bearer (.+)$/.exec(req.headers.get('authorization') ?? '');
  if (!m || !(await sameSecret(m[1], adminToken))) return jsonError(401, 'a valid admin token is required');
  return undefined;
}

export async function backfill(
  req: Request,
  bucket: R2Bucket,
  db: D1Database,
  adminToken: string | undefined,
  budgetMs: number,
): Promise<Response> {
  const refused = await refuseAdmin(req, adminToken, 'backfill');
  if (refused) return refused;
  const url = new URL(req.url);
  const start = url.searchParams.get('start') ?? '';
  const count = Number(url.searchParams.get('days') ?? '1');
  if (!isDay(start)) return jsonError(400, 'start must be a date, YYYY-MM-DD');
  if (!Number.isInteger(count) || count < 1 || count > 366)
    return jsonError(400, 'days must be a whole number from 1 to 366');
  const days = new Set(Array.from({ length: count }, (_, i) => addDays(start, i)));
  // Days already finished in an earlier call of this backfill are not imported twice.
  const resumeAfter = url.searchParams.get('after') ?? '';
  for (const d of days) if (d <= resumeAfter) days.delete(d);
  const started = Date.now();
  const results: ImportResult[] = await importAggregates(bucket, db, { budgetMs, days, force: true });
  // Out of time or a day left half-done: the caller asks again from `after`.
  const complete = results.every((r) => r.done) && Date.now() - started < budgetMs;
  const finished = results
    .filter((r) => r.done)
    .map((r) => r.day)
    .sort();
  return Response.json({ results, complete, after: finished.at(-1) ?? (resumeAfter || null) });
}

/** POST /-/admin/users {name, password, email?} — creates a user and a token even with sign-up off. */
export async function adminCreateUser(req: Request, db: D1Database, adminToken: string | undefined): Promise<Response> {
  const refused = await refuseAdmin(req, adminToken, 'user administration');
  if (refused) return refused;
  const { name, password, email } = checkAccount(await readJsonObject(req));
  if (!(await createUser(db, name, password, email))) return jsonError(409, `user ${name} exists`);
  const { token } = await issueToken(db, name);
  return Response.json({ ok: true, name, token }, { status: 201 });
}
