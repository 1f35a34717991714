// A readme, markdown to safe HTML: marked (GitHub-flavoured) renders, src/pages/sanitize.ts cleans.
// Readmes longer than MAX_README are cut first, so a page's work stays bounded.
import { Marked } from 'marked';
import { sanitizeHtml } from './sanitize';

export const MAX_README = 256 * 1024;

const marked = new Marked({ gfm: true, async: false });

export async function renderReadme(text: string): Promise<string> {
  const cut = text.length > MAX_README;
  const html = marked.parse(cut ? text.slice(0, MAX_README) : text) as string;
  const safe = await sanitizeHtml(html);
  return cut ? `${safe}<p class="note">This readme is longer than we show; the rest is cut.</p>` : safe;
}
