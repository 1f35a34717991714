// Server-rendered pages: escaping, the layout, and the headers every page carries. The one style sheet
// and the one script are inline and allowed by their SHA-256 in a strict Content-Security-Policy, so no
// other script runs and no per-answer nonce is needed (a cacheable page keeps its ETag). No framing, no
// sniffing; images only over HTTPS or from here (readme badges), never data: URLs.
import { toBase64 } from '../codec';
import { matchesEtag, sha256Hex } from '../http/conditional';
import { SITE_SCRIPT, SITE_STYLE } from './assets';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** How a page may be kept: `no-store` (personal or one-off), `public` or `private` (a private registry). */
export type Keep = 'no-store' | 'public' | 'private';

export interface PageOptions {
  headers?: Record<string, string>;
  /** a cacheable page gets an ETag (answering the request's If-None-Match) and this Cache-Control */
  keep?: Keep;
  /** the request, for If-None-Match */
  req?: Request;
  /** seconds a public page may be reused without asking (0: revalidate every time) */
  maxAge?: number;
  /** the search box's text */
  query?: string;
}

let hashes: Promise<{ style: string; script: string }> | undefined;

async function sha256Base64(text: string): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function assetHashes(): Promise<{ style: string; script: string }> {
  hashes ??= Promise.all([sha256Base64(SITE_STYLE), sha256Base64(SITE_SCRIPT)]).then(([style, script]) => ({
    style,
    script,
  }));
  return hashes;
}

/** A whole page: `title`, and `main` (already escaped HTML). */
export async function page(status: number, title: string, main: string, opts: PageOptions = {}): Promise<Response> {
  const { style, script } = await assetHashes();
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>${SITE_STYLE}</style></head><body><a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Site"><a class="brand" href="/">registry</a>
<form role="search" action="/search" method="get"><label for="site-q" class="sr">Search packages</label>
<input id="site-q" name="q" type="search" value="${esc(opts.query ?? '')}" placeholder="Search packages">
<button type="submit">Search</button></form><a href="/~">Account</a></nav></header>
<main id="main"><h1>${esc(title)}</h1>${main}</main><script>${SITE_SCRIPT}</script></body></html>`;
  const headers = new Headers({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      `default-src 'none'; style-src 'sha256-${style}'; script-src 'sha256-${script}'; img-src 'self' https:; ` +
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The same paths answer clients with JSON.
    vary: 'Accept, Cookie',
    ...opts.headers,
  });
  const keep = opts.keep ?? 'no-store';
  if (keep === 'no-store') {
    headers.set('cache-control', 'no-store');
    return new Response(html, { status, headers });
  }
  const body = new TextEncoder().encode(html);
  const etag = `"p-${(await sha256Hex(body)).slice(0, 32)}"`;
  headers.set('etag', etag);
  headers.set('cache-control', keep === 'private' ? 'private, no-cache' : `public, max-age=${opts.maxAge ?? 60}`);
  if (status === 200 && opts.req && matchesEtag(opts.req.headers.get('if-none-match'), etag))
    return new Response(null, { status: 304, headers });
  return new Response(body, { status, headers });
}

/** A 303 to `location` (after a form, or to the sign-in page). */
export function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } });
}

/** Thousands separated, for counts. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes for people. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
