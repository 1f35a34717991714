// A readme, markdown to safe HTML. marked (GitHub-flavoured) tokenizes; what marked writes itself is safe
// by construction (it escapes all text, and links and images here keep only URLs that src/pages/sanitize.ts
// allows), so only the readme's own raw HTML needs cleaning: all of it in one pass of the sanitizer, which
// then costs per raw tag, not per element of the page. Readmes longer than MAX_README are cut first.
import { Marked, type Token, type Tokens } from 'marked';
import { esc } from './html';
import type { ReadmeBase } from './readme-base';
import { safeUrl, sanitizeFragments } from './sanitize';

export const MAX_README = 256 * 1024;

/** The base of the readme being rendered: marked's parser is synchronous, so one render runs at a time. */
let base: ReadmeBase | undefined;

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      const href = safeUrl(token.href, base?.link);
      if (href === undefined) return text;
      const title = token.title ? ` title="${esc(token.title)}"` : '';
      return `<a href="${href}"${title} rel="nofollow noopener noreferrer ugc">${text}</a>`;
    },
    image(token: Tokens.Image): string {
      const src = safeUrl(token.href, base?.image);
      if (src === undefined) return esc(token.text);
      const title = token.title ? ` title="${esc(token.title)}"` : '';
      return `<img src="${src}" alt="${esc(token.text)}"${title} loading="lazy">`;
    },
  },
});

/** `text` as safe HTML; relative links and images point under `readmeBase`, or are dropped without one. */
export async function renderReadme(text: string, readmeBase?: ReadmeBase): Promise<string> {
  const cut = text.length > MAX_README;
  const tokens = marked.lexer(cut ? text.slice(0, MAX_README) : text);
  const raw: (Tokens.HTML | Tokens.Tag)[] = [];
  marked.walkTokens(tokens, (t: Token) => {
    if (t.type === 'html') raw.push(t as Tokens.HTML | Tokens.Tag);
  });
  if (raw.length) {
    const clean = await sanitizeFragments(
      raw.map((t) => t.text),
      readmeBase,
    );
    raw.forEach((t, i) => {
      t.text = clean[i];
    });
  }
  base = readmeBase;
  let html: string;
  try {
    html = marked.parser(tokens);
  } finally {
    base = undefined;
  }
  return cut ? `${html}<p class="note">This readme is longer than we show; the rest is cut.</p>` : html;
}
