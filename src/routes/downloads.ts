// /downloads/point|range/{period}[/{pkg}] and /versions/{pkg}/last-week, with npm's shapes and texts.
import type { RequestContext } from '../http/context';
import { sha256Hex, matchesEtag } from '../http/conditional';
import { jsonError } from '../http/errors';
import { MAX_LEGACY_NAME_LENGTH, clip } from '../limits';
import { point, range, type PerDay } from '../downloads/answers';
import { lastLandedDay, lastOwnTrafficDay, packageDays, totalDays, versionDownloads } from '../downloads/counts-store';
import { MAX_BULK_DAYS, PeriodError, parsePeriod, spanDays, trimSpan, type Span } from '../downloads/periods';

const MAX_BULK_PACKAGES = 128;

/** No package has a longer name: such a name is not looked up at all. */
const known = (name: string) => name.length <= MAX_LEGACY_NAME_LENGTH;

/** What a downloads path asks: a point or range, its period, and `rest` (one name, a bulk list, or all). */
export interface DownloadsQuery {
  shape: 'point' | 'range';
  period: string;
  rest: string;
}

/**
 * `/downloads/point|range/<period>[/<packages>]`, still percent-encoded; undefined for other paths
 * under `/downloads/`, which are the package named `downloads` (an invalid encoding is a 400, later).
 */
export function parseDownloadsPath(rawPath: string): DownloadsQuery | undefined {
  const m = /^\/downloads\/(point|range)\/([^/]+)(?:\/(.*))?$/.exec(rawPath);
  return m ? { shape: m[1] === 'point' ? 'point' : 'range', period: m[2], rest: m[3] ?? '' } : undefined;
}

export async function serveDownloads(ctx: RequestContext, q: DownloadsQuery, now = new Date()): Promise<Response> {
  const { req } = ctx;
  const db = ctx.env.DB;
  const shape = q.shape === 'point' ? point : range;
  let period: string;
  let rest: string;
  try {
    period = decodeURIComponent(q.period);
    rest = decodeURIComponent(q.rest);
  } catch {
    return jsonError(400, 'Invalid period specified');
  }
  const today = now.toISOString().slice(0, 10);
  let span: Span;
  try {
    span = parsePeriod(period, await lastLandedDay(db, today));
  } catch (e) {
    if (e instanceof PeriodError) return jsonError(400, e.message);
    throw e;
  }

  // All packages get the single package's window too: a span of millennia would be a 100 MB answer.
  if (rest === '') {
    const trimmed = trimSpan(span);
    return answer(req, shape(trimmed, await totalDays(db, trimmed)), now);
  }

  if (rest.includes(',')) {
    const names = rest.split(',').filter((n) => n !== '');
    if (names.some((n) => n.startsWith('@')))
      return jsonError(400, 'scoped packages are not currently supported in bulk lookups');
    if (names.length > MAX_BULK_PACKAGES)
      return jsonError(400, `exceeded max packages of ${MAX_BULK_PACKAGES} for bulk query`);
    if (spanDays(span) > MAX_BULK_DAYS) return jsonError(400, `exceeded max days of ${MAX_BULK_DAYS} for bulk query`);
    const days = await packageDays(ctx.downloadShards, names.filter(known), span);
    // fromEntries defines own keys, so a package named `__proto__` is a key like any other.
    const out = Object.fromEntries(
      names.map((name) => {
        const perDay = days.get(name);
        return [name, perDay === undefined ? null : shape(span, perDay as PerDay, name)];
      }),
    );
    return answer(req, out, now);
  }

  const name = rest;
  const trimmed = trimSpan(span);
  const perDay = known(name) ? (await packageDays(ctx.downloadShards, [name], trimmed)).get(name) : undefined;
  if (perDay === undefined) return jsonError(404, `package ${clip(name)} not found`);
  return answer(req, shape(trimmed, perDay, name), now);
}

/** `/versions/<name>/last-week`, still percent-encoded; undefined for other paths under `/versions/`. */
export function parseVersionsPath(rawPath: string): { name: string } | undefined {
  const m = /^\/versions\/(.+)\/last-week$/.exec(rawPath);
  return m ? { name: m[1] } : undefined;
}

export async function serveVersionDownloads(
  ctx: RequestContext,
  q: { name: string },
  now = new Date(),
): Promise<Response> {
  const { req } = ctx;
  const db = ctx.env.DB;
  let name: string;
  try {
    name = decodeURIComponent(q.name);
  } catch {
    return jsonError(400, 'invalid package name');
  }
  if (!known(name)) return jsonError(404, `package ${clip(name)} not found`);
  const span = parsePeriod('last-week', await lastOwnTrafficDay(db, now.toISOString().slice(0, 10)));
  const downloads = await versionDownloads(db, name, span);
  if (!downloads) return jsonError(404, `package ${clip(name)} not found`);
  return answer(req, { package: name, downloads }, now);
}

/** Answers stay valid until the next hourly import could land. */
async function answer(req: Request, body: unknown, now: Date): Promise<Response> {
  const text = JSON.stringify(body);
  const etag = `"${(await sha256Hex(new TextEncoder().encode(text))).slice(0, 32)}"`;
  const maxAge = 3600 - (Math.floor(now.getTime() / 1000) % 3600);
  const headers = { etag, 'cache-control': `public, max-age=${maxAge}`, 'content-type': 'application/json' };
  if (matchesEtag(req.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  return new Response(req.method === 'HEAD' ? null : text, { headers });
}
