// Readme HTML made safe with the runtime's own HTML parser (HTMLRewriter, lol-html): only allowed
// elements and attributes pass, every URL is decoded as a browser would read it and kept only for
// http(s) and mailto (relative ones included), comments go. Elements whose content is script, style
// or raw text go with their content; other unknown elements go but keep their text.
import { decodeHTMLAttribute } from 'entities/decode';
import { type ReadmeBase, resolveRelative } from './readme-base';

const KEEP = new Set(
  (
    'a abbr b blockquote br caption code dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img ins kbd li ' +
    'ol p pre q s samp small span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul var'
  ).split(' '),
);

/** Removed with everything inside: script, style, embedded content, forms and raw-text elements. */
const DROP = new Set(
  (
    'script style iframe frame frameset object embed applet template noscript noembed noframes xmp plaintext ' +
    'textarea title svg math form input button select option link meta base audio video source track canvas ' +
    'dialog portal'
  ).split(' '),
);

const ATTRS: Record<string, Set<string>> = {
  '*': new Set(['title', 'align', 'lang', 'dir']),
  a: new Set(['href']),
  img: new Set(['src', 'alt', 'width', 'height']),
  ol: new Set(['start', 'type']),
  td: new Set(['colspan', 'rowspan']),
  th: new Set(['colspan', 'rowspan', 'scope']),
  details: new Set(['open']),
};

const URL_ATTRS = new Set(['href', 'src']);
const SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const BASE = 'https://relative.invalid/';

/**
 * A URL attribute's value as the browser will use it, re-encoded for an attribute, or undefined when it
 * may not pass. Entities are decoded first: `jav&#x61;script:` is `javascript:` to a browser.
 */
export function safeUrl(raw: string, base?: ReadmeBase['link']): string | undefined {
  // Browsers drop tabs and newlines anywhere in a URL and trim control characters and spaces.
  const decoded = trimControls(decodeHTMLAttribute(raw).replace(/[\t\n\r]/g, ''));
  let url: URL;
  try {
    url = new URL(decoded, BASE);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol)) return undefined;
  let out = url.href;
  if (url.href.startsWith(BASE)) {
    // Relative: an anchor stays on the page; the rest points into the repository, or nowhere without one.
    const resolved = decoded.startsWith('#') ? decoded : base && resolveRelative(decoded, base);
    if (resolved === undefined) return undefined;
    out = resolved;
  }
  // Only `&` and `"` need escaping inside a double-quoted attribute; setAttribute escapes `"` itself.
  return out.replace(/&/g, '&amp;').replace(/"/g, '%22');
}

/** Without leading and trailing C0 controls and spaces, as the URL parser strips them. */
function trimControls(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

class Sanitizer {
  constructor(
    /** the one unknown element left alone (the separator of joined fragments) */
    private marker: string,
    /**
     * Whether the fragments were joined: then a removed element's content is other fragments and text
     * that is cleaned or escaped anyway, so only its tags go (fragments with raw-text elements come alone).
     */
    private joined: boolean,
    /** where relative links and images point */
    private base: ReadmeBase | undefined,
  ) {}

  element(el: Element): void {
    const tag = el.tagName.toLowerCase();
    if (tag === this.marker) return;
    if (DROP.has(tag)) {
      if (this.joined) el.removeAndKeepContent();
      else el.remove();
      return;
    }
    if (!KEEP.has(tag)) {
      el.removeAndKeepContent();
      return;
    }
    const own = ATTRS[tag];
    for (const [name, value] of [...el.attributes]) {
      const n = name.toLowerCase();
      if (!ATTRS['*'].has(n) && !own?.has(n)) {
        el.removeAttribute(name);
        continue;
      }
      if (URL_ATTRS.has(n)) {
        const url = safeUrl(value, n === 'src' ? this.base?.image : this.base?.link);
        if (url === undefined) el.removeAttribute(name);
        else el.setAttribute(name, url);
      } else if (/[<>]/.test(value)) el.setAttribute(name, value.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    if (tag === 'a') el.setAttribute('rel', 'nofollow noopener noreferrer ugc');
    if (tag === 'img') el.setAttribute('loading', 'lazy');
  }

  comments(c: Comment): void {
    c.remove();
  }
}

/**
 * Closes whatever a fragment left open where it ends (a tag, an attribute value), so each fragment ends
 * with the tokenizer in its data state, as the sanitizer saw it: a fragment cannot swallow what follows it.
 * In the data state it is an empty element and the text `"'>`, which is removed again.
 */
const TERMINATOR = '<span>"\'></span>';

/**
 * Elements whose content the parser reads as text up to their end tag: in a joined pass such content would
 * run on into the next fragments, so a fragment with one is cleaned on its own.
 */
const RAW_TEXT =
  /<\s*\/?\s*(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext|template|svg|math)\b/i;
/** Fragments cleaned one by one at most; past this, such fragments are left out. */
const MAX_ALONE = 100;

/**
 * Each fragment of raw HTML with everything unsafe removed: all of them in one pass (see `pass`), but
 * those with raw-text elements each in its own.
 */
export async function sanitizeFragments(fragments: string[], base?: ReadmeBase): Promise<string[]> {
  const out: string[] = new Array(fragments.length).fill('');
  const joined: number[] = [];
  let alone = 0;
  for (let i = 0; i < fragments.length; i++) {
    if (!RAW_TEXT.test(fragments[i])) joined.push(i);
    else if (alone++ < MAX_ALONE) out[i] = (await pass([fragments[i]], false, base))?.[0] ?? '';
  }
  const clean = joined.length
    ? await pass(
        joined.map((i) => fragments[i]),
        true,
        base,
      )
    : [];
  joined.forEach((i, k) => {
    out[i] = clean?.[k] ?? '';
  });
  return out;
}

/**
 * One sanitizer pass over fragments joined, each followed by the terminator and a marker element only
 * this call knows, then split again; undefined when a fragment's content hid a marker.
 */
async function pass(fragments: string[], joined: boolean, base?: ReadmeBase): Promise<string[] | undefined> {
  const tag = `x-frag-${crypto.randomUUID().replaceAll('-', '')}`;
  const marker = `<${tag}>`;
  const s = new Sanitizer(tag, joined, base);
  const input = fragments.map((f) => `${f}${TERMINATOR}${marker}`).join('');
  const out = await new HTMLRewriter()
    .on('*', s)
    .onDocument({ comments: (c) => s.comments(c) })
    .transform(new Response(input))
    .text();
  const parts = out.split(marker);
  if (parts.length !== fragments.length + 1) return undefined;
  return parts.slice(0, -1).map((p) => (p.endsWith(TERMINATOR) ? p.slice(0, -TERMINATOR.length) : p));
}

/** `html` with everything unsafe removed. */
export async function sanitizeHtml(html: string): Promise<string> {
  return (await sanitizeFragments([html]))[0];
}
