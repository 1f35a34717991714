// Where the block rules live: one KV value, read at the edge (KV keeps a copy at each location for
// KV_CACHE_TTL_S) and kept in each isolate for MEMO_MS, renewed in the background. A change is seen by the
// isolate that made it at once and everywhere else within MEMO_MS + KV_CACHE_TTL_S = 50 s.
import type { Env } from '../env';
import { CompiledPolicy, EMPTY_POLICY, type Policy } from './rules';

const KEY = 'policy';
/** How long an isolate uses its copy before it asks KV again (in the background). */
export const MEMO_MS = 20_000;
/** How long a location's KV copy is used (KV's shortest). */
export const KV_CACHE_TTL_S = 30;

interface Memo {
  policy: CompiledPolicy;
  readAt: number;
  renewing?: Promise<unknown>;
}

/** Per Env, as Config is: tests run Workers with different bindings in one isolate. */
const memos = new WeakMap<Env, Memo>();

/** The block rules now in force; one KV read on an isolate's first request, then none on the request path. */
export async function currentPolicy(
  env: Env,
  waitUntil: (p: Promise<unknown>) => void,
  now = Date.now(),
): Promise<CompiledPolicy> {
  const memo = memos.get(env);
  if (!memo) {
    const policy = await readPolicy(env);
    // Another request may have stored a newer one meanwhile.
    if (!memos.has(env)) memos.set(env, { policy, readAt: now });
    return memos.get(env)!.policy;
  }
  if (now - memo.readAt >= MEMO_MS && !memo.renewing) {
    memo.renewing = readPolicy(env).then(
      (policy) => memos.set(env, { policy, readAt: Date.now() }),
      () => {
        memo.renewing = undefined; // KV failed: the rules in force stay, asked again next time
      },
    );
    waitUntil(memo.renewing);
  }
  return memo.policy;
}

async function readPolicy(env: Env): Promise<CompiledPolicy> {
  const p = await env.METADATA.get<Policy>(KEY, { type: 'json', cacheTtl: KV_CACHE_TTL_S });
  return p ? new CompiledPolicy(p) : EMPTY_POLICY;
}

/** Stores `policy` (already validated) and puts it in force in this isolate at once. */
export async function storePolicy(env: Env, policy: Policy): Promise<void> {
  await env.METADATA.put(KEY, JSON.stringify(policy));
  memos.set(env, { policy: new CompiledPolicy(policy), readAt: Date.now() });
}

/** The stored policy as it was given. */
export async function readStoredPolicy(env: Env): Promise<Policy> {
  return (await env.METADATA.get<Policy>(KEY, 'json')) ?? { block: [] };
}
