// GET /-/npm/v1/keys: the keys `npm audit signatures` verifies registry signatures with. The upstream's
// (cached in KV for CACHE_TTL, served stale for MAX_STALE while it is down) for mirrored packages, and
// this registry's own (SIGNING_KEY) for packages published here.
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { signingKey, type PublicKey } from '../signing/registry-key';
import { forward } from '../upstream/client';

interface KeptKeys {
  keys: unknown[];
  fetchedAt: number;
}

const KEPT = 'keys:upstream';

export async function serveKeys(ctx: RequestContext): Promise<Response> {
  const upstream = await upstreamKeys(ctx);
  const own: PublicKey[] = ctx.env.SIGNING_KEY ? [(await signingKey(ctx.env.SIGNING_KEY)).publicKey] : [];
  if (!upstream && own.length === 0) return jsonError(502, 'the upstream registry\u2019s keys are not available');
  return Response.json(
    { keys: [...(upstream ?? []), ...own] },
    { headers: { 'cache-control': 'public, max-age=300' } },
  );
}

async function upstreamKeys(ctx: RequestContext): Promise<unknown[] | undefined> {
  const kept = await ctx.env.METADATA.get<KeptKeys>(KEPT, 'json');
  const age = kept ? Date.now() - kept.fetchedAt : Infinity;
  if (kept && age < ctx.cfg.freshTtlMs) return kept.keys;
  const res = await forward(ctx.cfg, new Request(ctx.req.url), '/-/npm/v1/keys');
  const body = res.ok ? await res.json<{ keys?: unknown }>().catch(() => undefined) : undefined;
  if (body && Array.isArray(body.keys)) {
    const fresh: KeptKeys = { keys: body.keys, fetchedAt: Date.now() };
    ctx.waitUntil(ctx.env.METADATA.put(KEPT, JSON.stringify(fresh)));
    return body.keys;
  }
  // Down or odd: what was kept, while it may still serve.
  return kept && age < ctx.cfg.freshTtlMs + ctx.cfg.maxStaleMs ? kept.keys : undefined;
}
