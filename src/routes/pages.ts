// Pages for people, for requests whose Accept prefers text/html (every client keeps its JSON): the home
// page, search, and package pages with readme and downloads chart. Each reads what the API reads (the
// same document sources, the same downloads store), so a page never says other than the API.
import { range } from '../downloads/answers';
import { lastLandedDay, packageDays } from '../downloads/counts-store';
import { parsePeriod } from '../downloads/periods';
import { identityBody } from '../docs/encoding';
import type { RequestContext } from '../http/context';
import { prefersHtml } from '../http/negotiate';
import { MAX_SEARCH_FROM, MAX_LEGACY_NAME_LENGTH } from '../limits';
import { checkName } from '../packages/names';
import { downloadsChart } from '../pages/chart';
import { count, esc, type Keep, page, seeOther } from '../pages/html';
import { CHART_SLOT, type PackagePage, type Rendered, renderPackagePage } from '../pages/package-render';
import { EdgeCache } from '../cache/edge-cache';
import { IsolateCache } from '../cache/isolate-cache';
import type { Doc } from '../docs/source';
import { packagePath } from '../pages/package-page';
import { newestLocal, siteCounts } from '../pages/site-store';
import { Refusal } from '../refusal';
import { fullPackument } from './package-reads';
import { clamp, findPackages, searchTextError } from './search';

const SEARCH_PAGE = 20;

/** A route's parse: only requests that prefer HTML; others fall through to the API. */
export function htmlOnly(ctx: RequestContext): Record<string, never> | undefined {
  return prefersHtml(ctx.req.headers.get('accept')) ? {} : undefined;
}

/** On a private registry every page but sign-in needs a session: the sign-in page, coming back here after. */
export async function pageGate(ctx: RequestContext): Promise<Response | undefined> {
  if (ctx.cfg.readAccess !== 'users' || (await ctx.session())) return undefined;
  return seeOther(`/-/web/login?next=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
}

function keep(ctx: RequestContext): Keep {
  return ctx.cfg.readAccess === 'users' ? 'private' : 'public';
}

function notFound(ctx: RequestContext, what: string): Promise<Response> {
  return page(404, 'Not found', `<p>${esc(what)}</p>`, { keep: keep(ctx), req: ctx.req, maxAge: 60 });
}

/** GET / */
export async function homePage(ctx: RequestContext): Promise<Response> {
  const gate = await pageGate(ctx);
  if (gate) return gate;
  const db = ctx.env.DB;
  const [counts, newest] = await Promise.all([siteCounts(db, new Date().toISOString().slice(0, 10)), newestLocal(db)]);
  const list = newest.length
    ? `<ul class="hits">${newest
        .map(
          (p) =>
            `<li><a href="${esc(packagePath(p.name))}">${esc(p.name)}</a>${
              p.version ? ` <span class="muted">${esc(p.version)}</span>` : ''
            }${p.description ? `<br>${esc(p.description)}` : ''}</li>`,
        )
        .join('')}</ul>`
    : '<p class="muted">Nothing is published here yet.</p>';
  const main = `<form role="search" class="stack" action="/search" method="get">
<label for="home-q">Find a package, published here or upstream</label>
<input id="home-q" name="q" type="search"> <button type="submit">Search</button></form>
<section aria-labelledby="counts-h"><h2 id="counts-h">This registry</h2><dl class="facts">
<dt>Packages published here</dt><dd id="count-packages">${count(counts.packages)}</dd>
<dt>Users</dt><dd id="count-users">${count(counts.users)}</dd>
<dt>Downloads today</dt><dd id="count-today">${count(counts.today)}</dd></dl></section>
<section aria-labelledby="newest-h"><h2 id="newest-h">Newest packages</h2>${list}</section>`;
  return page(200, 'Packages', main, { keep: keep(ctx), req: ctx.req, maxAge: 60 });
}

/** GET /search?q=&page= */
export async function searchPage(ctx: RequestContext): Promise<Response> {
  const gate = await pageGate(ctx);
  if (gate) return gate;
  const q = (ctx.url.searchParams.get('q') ?? '').trim();
  const refused = searchTextError(q);
  if (refused)
    return page(400, 'Search', `<p class="error" role="alert">${esc(refused)}.</p>`, { query: q.slice(0, 256) });
  if (q === '')
    return page(200, 'Search', '<p>Type what you are looking for in the search box.</p>', { keep: keep(ctx) });
  const n = clamp(ctx.url.searchParams.get('page'), 0, 0, Math.floor(MAX_SEARCH_FROM / SEARCH_PAGE));
  const found = await findPackages(ctx, q, n * SEARCH_PAGE, SEARCH_PAGE);
  const hits = found.objects
    .map(({ package: p }) => {
      const desc = typeof p.description === 'string' ? `<br>${esc(p.description)}` : '';
      return `<li><a href="${esc(packagePath(p.name))}">${esc(p.name)}</a> <span class="muted">${esc(
        String(p.version ?? ''),
      )}</span>${desc}</li>`;
    })
    .join('');
  const link = (to: number, text: string) =>
    `<a href="/search?q=${encodeURIComponent(q)}&amp;page=${to}" rel="${to < n ? 'prev' : 'next'}">${text}</a>`;
  const pager = `<nav class="pager" aria-label="Result pages">${n > 0 ? link(n - 1, 'Previous') : ''}${
    (n + 1) * SEARCH_PAGE < found.total ? link(n + 1, 'Next') : ''
  }</nav>`;
  const main = `<p id="search-total">${count(found.total)} packages found for “${esc(q)}”${
    n > 0 ? `, page ${n + 1}` : ''
  }.</p>${
    found.upstreamFailed
      ? '<p class="note" role="status">The upstream registry did not answer: ' +
        'only packages published here are shown.</p>'
      : ''
  }<ul class="hits">${hits}</ul>${pager}`;
  return page(200, `Search: ${q}`, main, { keep: keep(ctx), req: ctx.req, maxAge: 60, query: q });
}

/** `/package/<name>`, `/package/@scope/name`, `…/v/<version>`, `…/versions`; only for browsers. */
export function parsePackagePage(ctx: RequestContext): PackagePage | undefined {
  if (!htmlOnly(ctx)) return undefined;
  // `@scope%2Fname`, as clients write it, is the same page as `@scope/name`.
  const path = ctx.url.pathname.replace(/%2f/gi, '/');
  const m = /^\/package\/((?:@[^/]+\/)?[^/@][^/]*)(?:\/v\/([^/]+)|\/(versions))?\/?$/.exec(path);
  if (!m || ctx.url.pathname.length > 2 * MAX_LEGACY_NAME_LENGTH) return { name: '', bad: true };
  try {
    const name = decodeURIComponent(m[1]);
    const version = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const versions = m[3] ? clamp(ctx.url.searchParams.get('page'), 0, 0, 1000) : undefined;
    return { name, version, versions };
  } catch {
    return { name: '', bad: true };
  }
}

/** GET /package/… */
export async function packagePage(ctx: RequestContext, target: PackagePage): Promise<Response> {
  const gate = await pageGate(ctx);
  if (gate) return gate;
  if (target.bad) return notFound(ctx, 'That is not a package page.');
  try {
    checkName(target.name, ctx.cfg.legacyNames);
  } catch (e) {
    if (e instanceof Refusal) return notFound(ctx, `${target.name} is not a package name.`);
    throw e;
  }
  const { r, local } = await fullPackument(ctx, target.name);
  if (r.kind === 'not-found') return notFound(ctx, `There is no package called ${target.name}.`);
  if (r.kind === 'failed')
    return page(r.status, target.name, `<p class="error" role="alert">${esc(r.message)}</p>`, { query: target.name });
  const opts = { keep: keep(ctx), req: ctx.req, maxAge: local ? 0 : ctx.cfg.clientMaxAge, query: target.name };
  // The page but its chart depends only on the document: kept per document ETag, in this isolate and
  // in the location's Cache API, so a document is rendered once per location.
  const memo = `${ctx.origin}\n${target.name}\n${r.etag}\n${target.versions ?? ''}\n${target.version ?? ''}`;
  let kept = rendered.get(memo);
  let read = false;
  const edge = new EdgeCache(ctx.origin, ctx.waitUntil);
  const edgeKey = edge.key('page', target.name, `${r.etag}\n${target.versions ?? ''}\n${target.version ?? ''}`);
  if (!kept) {
    // Another isolate of this location may have rendered it already.
    const hit = await edge.get(edgeKey);
    if (hit?.body) kept = (await new Response(hit.body).json()) as Rendered;
    else {
      read = true;
      const made = await renderPackagePage(target, await bytesOf(r), local);
      if (made.status !== 200) return page(made.status, made.title, made.main, opts);
      kept = made;
      edge.put(edgeKey, new TextEncoder().encode(JSON.stringify(made)), {}, RENDERED_MS / 1000);
    }
    rendered.set(memo, kept, kept.main.length * 2, RENDERED_MS);
  }
  if (!read) cancel(r.body);
  // A function, so that nothing in the chart is read as a replacement pattern (`$&`).
  const chart = kept.main.includes(CHART_SLOT) ? await chartOf(ctx, target.name) : '';
  const main = kept.main.replace(CHART_SLOT, () => chart);
  return page(200, kept.title, main, opts);
}

const rendered = new IsolateCache<Rendered>(8 * 1024 * 1024);
const RENDERED_MS = 5 * 60_000;

async function bytesOf(r: Doc): Promise<Uint8Array> {
  const { body } = identityBody(r);
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
}

function cancel(body: Doc['body']): void {
  if (body instanceof ReadableStream) void body.cancel();
}

/** The last year of downloads, exactly as `/downloads/range/last-year/<name>` answers it. */
async function chartOf(ctx: RequestContext, name: string): Promise<string> {
  const db = ctx.env.DB;
  const span = parsePeriod('last-year', await lastLandedDay(db, new Date().toISOString().slice(0, 10)));
  const days = (await packageDays(ctx.downloadShards, [name], span)).get(name) ?? new Map();
  return downloadsChart(range(span, days).downloads, span.start, span.end);
}
