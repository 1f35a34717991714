// Readme HTML made safe with the runtime's own HTML parser (HTMLRewriter, lol-html): only allowed
// elements and attributes pass, every URL is decoded as a browser would read it and kept only for
// http(s) and mailto (relative ones included), comments go. Elements whose content is script, style
// or raw text go with their content; other unknown elements go but keep their text.
import { decodeHTMLAttribute } from 'entities/decode';

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
export function safeUrl(raw: string): string | undefined {
  // Browsers drop tabs and newlines anywhere in a URL and trim control characters and spaces.
  const decoded = trimControls(decodeHTMLAttribute(raw).replace(/[\t\n\r]/g, ''));
  let url: URL;
  try {
    url = new URL(decoded, BASE);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol)) return undefined;
  const out = url.href.startsWith(BASE) ? decoded : url.href;
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
  element(el: Element): void {
    const tag = el.tagName.toLowerCase();
    if (DROP.has(tag)) {
      el.remove();
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
        const url = safeUrl(value);
        if (url === undefined) el.removeAttribute(name);
        else el.setAttribute(name, url);
      }
    }
    if (tag === 'a') el.setAttribute('rel', 'nofollow noopener noreferrer ugc');
    if (tag === 'img') el.setAttribute('loading', 'lazy');
  }

  comments(c: Comment): void {
    c.remove();
  }
}

/** `html` with everything unsafe removed. */
export async function sanitizeHtml(html: string): Promise<string> {
  const s = new Sanitizer();
  return new HTMLRewriter()
    .on('*', s)
    .onDocument({ comments: (c) => s.comments(c) })
    .transform(new Response(html))
    .text();
}
