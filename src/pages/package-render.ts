// A package page's content from its full packument's bytes: everything but the downloads chart, which
// stays a slot (it changes with the counts, not the document). Pure; src/routes/pages.ts fetches and keeps.
import { count, esc } from './html';
import { renderReadme } from './markdown';
import { readmeBase } from './readme-base';
import {
  packageMain,
  packagePath,
  type PackumentView,
  shownVersion,
  VERSIONS_PAGE,
  VERSIONS_SHOWN,
  versionsByTime,
  versionsTable,
} from './package-page';
import { skimPackument, withManifests } from './packument-view';

export interface PackagePage {
  name: string;
  version?: string;
  /** the versions list, and its page */
  versions?: number;
  /** the path does not name a package */
  bad?: true;
}

export interface Rendered {
  status: number;
  title: string;
  /** the page's main, its chart still a slot */
  main: string;
}

export const CHART_SLOT = '<!--chart-->';

/** The page's content for `target` from the document's bytes. */
export async function renderPackagePage(target: PackagePage, bytes: Uint8Array, local: boolean): Promise<Rendered> {
  const doc = skimPackument(bytes);
  if (target.versions !== undefined) {
    const all = versionsByTime(doc.view);
    const shown = all.slice(target.versions * VERSIONS_PAGE, (target.versions + 1) * VERSIONS_PAGE);
    return {
      status: 200,
      title: `${target.name}: versions`,
      main: versionsMain(target.name, withManifests(doc, shown), all, target.versions),
    };
  }
  const version = shownVersion(doc.view, target.version);
  if (version === undefined) {
    const what = target.version
      ? `${target.name} has no version ${target.version}.`
      : `${target.name} has no versions.`;
    return { status: 404, title: 'Not found', main: `<p>${esc(what)}</p>` };
  }
  const view = withManifests(doc, [version, ...versionsByTime(doc.view).slice(0, VERSIONS_SHOWN)]);
  const m = (view.versions as Record<string, { readme?: unknown; repository?: unknown; gitHead?: unknown }>)[version];
  const own = typeof m?.readme === 'string' && m.readme !== '';
  const readmeText = own ? m.readme : view.readme;
  // The version's own readme is from its commit; the document's is the newest one's, from the default branch.
  const base = readmeBase(m?.repository ?? view.repository, own ? m.gitHead : undefined);
  const readme = typeof readmeText === 'string' ? await renderReadme(readmeText, base) : '';
  const title = target.version ? `${target.name}@${version}` : target.name;
  return { status: 200, title, main: packageMain(view, { version, readme, chart: CHART_SLOT, local }) };
}

function versionsMain(name: string, doc: PackumentView, all: string[], n: number): string {
  const shown = all.slice(n * VERSIONS_PAGE, (n + 1) * VERSIONS_PAGE);
  const base = `${packagePath(name)}/versions`;
  const newer = n > 0 ? `<a href="${esc(base)}?page=${n - 1}">Newer</a>` : '';
  const pager = `<nav class="pager" aria-label="Version pages">${newer}${
    (n + 1) * VERSIONS_PAGE < all.length ? `<a href="${esc(base)}?page=${n + 1}">Older</a>` : ''
  }</nav>`;
  const back = `<a href="${esc(packagePath(name))}">Back to ${esc(name)}</a>`;
  return `<p>${back} · ${count(all.length)} versions</p>${versionsTable(doc, shown)}${pager}`;
}
