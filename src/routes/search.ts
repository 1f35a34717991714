// GET /-/v1/search: local packages first, then the upstream's hits, paged as one list.
// When the upstream fails the local hits still answer.
import type { Config } from '../config';
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { MAX_SEARCH_FROM, MAX_SEARCH_SIZE, MAX_SEARCH_TEXT, MAX_SEARCH_WORDS } from '../limits';
import { searchLocal, type SearchObject } from '../local/search';
import { forward } from '../upstream/client';

export interface SearchAnswer {
  objects: SearchObject[];
  total: number;
  time: string;
}

export async function serveSearch(ctx: RequestContext): Promise<Response> {
  const { req, url, cfg } = ctx;
  const text = url.searchParams.get('text') ?? '';
  const refused = searchTextError(text);
  if (refused) return jsonError(400, refused);
  const size = clamp(url.searchParams.get('size'), 20, 1, MAX_SEARCH_SIZE);
  const from = clamp(url.searchParams.get('from'), 0, 0, MAX_SEARCH_FROM);
  const local = await searchLocal(ctx.env.DB, text);
  // Only local hits page here; otherwise the upstream pages, within the same bounds.
  const bounded = new URL(req.url);
  if (bounded.searchParams.has('size')) bounded.searchParams.set('size', String(size));
  if (bounded.searchParams.has('from')) bounded.searchParams.set('from', String(from));
  if (local.length === 0) return forward(cfg, new Request(bounded, req), '/-/v1/search');
  const { upstreamFailed: _, ...body } = await merged(ctx, req, local, from, size);
  return Response.json(body);
}

/** Why a search text is refused, or undefined. */
export function searchTextError(text: string): string | undefined {
  if (text.length > MAX_SEARCH_TEXT) return `search text is limited to ${MAX_SEARCH_TEXT} characters`;
  if (text.split(/\s+/).filter(Boolean).length > MAX_SEARCH_WORDS)
    return `search text is limited to ${MAX_SEARCH_WORDS} words`;
  return undefined;
}

/** One page of hits, local first, for the search page; `upstreamFailed` when only local hits could answer. */
export async function findPackages(
  ctx: RequestContext,
  text: string,
  from: number,
  size: number,
): Promise<SearchAnswer & { upstreamFailed: boolean }> {
  const base = new URL('/-/v1/search', ctx.url);
  base.searchParams.set('text', text);
  const req = new Request(base, { headers: { accept: 'application/json' } });
  return merged(ctx, req, await searchLocal(ctx.env.DB, text), from, size);
}

async function merged(
  ctx: RequestContext,
  req: Request,
  local: SearchObject[],
  from: number,
  size: number,
): Promise<SearchAnswer & { upstreamFailed: boolean }> {
  const page = local.slice(from, from + size);
  // Ask the upstream for the rest of the page (at least one hit, for its total).
  const upstreamUrl = new URL(req.url);
  upstreamUrl.searchParams.set('from', String(Math.max(0, from - local.length)));
  upstreamUrl.searchParams.set('size', String(Math.max(1, size - page.length)));
  const up = await upstreamHits(ctx.cfg, new Request(upstreamUrl, req));
  const names = new Set(local.map((o) => o.package.name));
  const rest = (up?.objects ?? []).filter((o) => !!o && !names.has(o.package?.name)).slice(0, size - page.length);
  return {
    objects: [...page, ...rest],
    total: local.length + (up?.total ?? 0),
    time: new Date().toUTCString(),
    upstreamFailed: up === undefined,
  };
}

async function upstreamHits(cfg: Config, req: Request): Promise<SearchAnswer | undefined> {
  const res = await forward(cfg, req, '/-/v1/search');
  if (!res.ok) return undefined;
  try {
    const body = (await res.json()) as SearchAnswer;
    return Array.isArray(body?.objects) && typeof body.total === 'number' ? body : undefined;
  } catch {
    return undefined;
  }
}

export function clamp(v: string | null, dflt: number, min: number, max: number): number {
  const n = v === null || v === '' ? dflt : Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
