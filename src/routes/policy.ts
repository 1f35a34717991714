// GET/PUT /-/admin/policy (ADMIN_TOKEN): the block rules, `{"block": [{"package", "versions", "reason"}]}`.
// A PUT replaces them whole; it is in force in this isolate at once and everywhere within 50 s
// (src/policy/policy-store.ts).
import { readJsonObject } from '../http/body';
import type { RequestContext } from '../http/context';
import { readStoredPolicy, storePolicy } from '../policy/policy-store';
import { parsePolicy } from '../policy/rules';

export async function getPolicy(ctx: RequestContext): Promise<Response> {
  return Response.json(await readStoredPolicy(ctx.env), { headers: { 'cache-control': 'no-store' } });
}

export async function putPolicy(ctx: RequestContext): Promise<Response> {
  const policy = parsePolicy(await readJsonObject(ctx.req));
  await storePolicy(ctx.env, policy);
  return Response.json({ ok: true, rules: policy.block.length });
}
