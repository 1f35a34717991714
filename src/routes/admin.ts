// The admin endpoints, behind the route table's `admin` gate (the ADMIN_TOKEN secret; unset, they are
// off): POST /-/admin/downloads/backfill imports days again on demand, POST /-/admin/downloads/reshard
// moves counts to another number of shards a page at a time, POST /-/admin/users makes a user.
import { importAggregates, type ImportResult } from '../downloads/import';
import { addDays, isDay } from '../downloads/periods';
import { copyPage, prunePage } from '../downloads/reshard';
import { shardDatabases } from '../downloads/shards';
import { readJsonObject } from '../http/body';
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { createUser, issueToken } from '../users/accounts';
import { checkAccount } from '../users/account-fields';

/** `?start=YYYY-MM-DD&days=N[&after=YYYY-MM-DD]`: those days again, resumable from `after`. */
export async function backfill(ctx: RequestContext): Promise<Response> {
  const { url } = ctx;
  // A request's caller waits for the answer: a backfill call stops within 25 s and is called again.
  const budgetMs = Math.min(ctx.cfg.importBudgetMs, 25_000);
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
  const results: ImportResult[] = await importAggregates(ctx.env.AGGREGATES, ctx.env.DB, ctx.downloadShards, {
    budgetMs,
    days,
    force: true,
  });
  // Out of time or a day left half-done: the caller asks again from `after`.
  const complete = results.every((r) => r.done) && Date.now() - started < budgetMs;
  const finished = results
    .filter((r) => r.done)
    .map((r) => r.day)
    .sort();
  return Response.json({ results, complete, after: finished.at(-1) ?? (resumeAfter || null) });
}

/**
 * `?step=copy|prune&to=N&from=K[&after=<name>]`: one page of shard K's packages copied to (or pruned
 * from where they no longer belong under) N shards; answers `{packages, next}`, `next` null when done.
 */
export async function reshard(ctx: RequestContext): Promise<Response> {
  const q = ctx.url.searchParams;
  const step = q.get('step');
  const to = Number(q.get('to'));
  const from = Number(q.get('from') ?? '0');
  const after = q.get('after') ?? '';
  if (step !== 'copy' && step !== 'prune') return jsonError(400, 'step must be copy or prune');
  if (!Number.isInteger(to) || to < 1 || to > 64) return jsonError(400, 'to must be a whole number from 1 to 64');
  const shards = shardDatabases(ctx.env, Math.max(to, ctx.cfg.downloadShards));
  if (!Number.isInteger(from) || from < 0 || from >= shards.length)
    return jsonError(400, `from must be a shard from 0 to ${shards.length - 1}`);
  if (after.length > 256) return jsonError(400, 'after is a package name, at most 256 characters');
  const page = await (step === 'copy' ? copyPage : prunePage)(shards, to, from, after);
  return Response.json(page);
}

/** POST /-/admin/users {name, password, email?} — creates a user and a token even with sign-up off. */
export async function adminCreateUser(ctx: RequestContext): Promise<Response> {
  const db = ctx.env.DB;
  const { name, password, email } = checkAccount(await readJsonObject(ctx.req));
  if (!(await createUser(db, name, password, email))) return jsonError(409, `user ${name} exists`);
  const { token } = await issueToken(db, name);
  return Response.json({ ok: true, name, token }, { status: 201 });
}
