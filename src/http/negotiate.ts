// Accept negotiation between the abbreviated and the full packument.
import type { Representation } from '../docs/source';
import { memoize } from '../memo';

export const CORGI_TYPE = 'application/vnd.npm.install-v1+json';

/** Abbreviated when the client prefers the corgi type to JSON (q-values, then order). */
export function chooseRepresentation(accept: string | null | undefined): Representation {
  if (!accept) return 'full';
  let corgi = { q: 0, at: Infinity };
  let json = { q: 0, at: Infinity };
  weighted(accept).forEach(({ value: type, q }, at) => {
    if (type === CORGI_TYPE) {
      if (q > corgi.q) corgi = { q, at };
    } else if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      // An explicit application/json outranks wildcards at equal q.
      const rank = type === 'application/json' ? at : at + 0.5;
      if (q > json.q || (q === json.q && rank < json.at)) json = { q, at: rank };
    }
  });
  if (corgi.q === 0) return 'full';
  return corgi.q > json.q || (corgi.q === json.q && corgi.at < json.at) ? 'abbreviated' : 'full';
}

/** Whether `Accept-Encoding` takes gzip (q-values: `gzip;q=0` refuses it; `*` counts unless gzip is named). */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  return acceptEncoding ? gzipIn(acceptEncoding) : false;
}

/** Clients send the same few Accept-Encoding values on every request. */
const gzipIn = memoize((acceptEncoding: string): boolean => {
  let star: number | undefined;
  for (const { value: coding, q } of weighted(acceptEncoding)) {
    if (coding === 'gzip' || coding === 'x-gzip') return q > 0;
    if (coding === '*') star = q;
  }
  return star !== undefined && star > 0;
}, 64);

/** The entries of an Accept-style header, lower-cased, each with its q-value (1 when absent, at most 1). */
function weighted(header: string): { value: string; q: number }[] {
  return header.split(',').map((part) => {
    const [value, ...params] = part
      .trim()
      .toLowerCase()
      .split(';')
      .map((s) => s.trim());
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) q = Math.min(1, Number(m[1]) || 0);
    }
    return { value, q };
  });
}

/**
 * Whether a request is a person's browser: its Accept names text/html above every JSON type (browsers
 * send `text/html,…,*\/*;q=0.8`; clients send JSON types or `*\/*`, which stay the API's).
 */
export function prefersHtml(accept: string | null | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let other = 0;
  for (const { value, q } of weighted(accept)) {
    if (value === 'text/html' || value === 'application/xhtml+xml') html = Math.max(html, q);
    else if (value === 'application/json' || value === CORGI_TYPE || value === 'application/*' || value === '*/*')
      other = Math.max(other, q);
  }
  return html > 0 && html > other;
}
