// A package's page, from its full packument: the facts of one version (latest unless asked), its readme
// (already rendered and sanitized), dependencies, links, dist-tags and the newest versions, and the
// downloads chart. Pure: the route (src/routes/pages.ts) fetches and renders the parts that need I/O.
import { bytes, count, esc } from './html';

/** What a page reads of a packument; anything may be missing or of the wrong type in a mirrored one. */
export interface PackumentView {
  name?: unknown;
  description?: unknown;
  readme?: unknown;
  repository?: unknown;
  'dist-tags'?: unknown;
  versions?: unknown;
  time?: unknown;
  maintainers?: unknown;
}

type Obj = Record<string, unknown>;

/** Versions shown on the package page; the versions page shows the rest. */
export const VERSIONS_SHOWN = 50;
export const VERSIONS_PAGE = 300;
const DEPS_SHOWN = 200;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The package page's path for a name (and version). */
export function packagePath(name: string, version?: string): string {
  const base = `/package/${name.split('/').map(encodeURIComponent).join('/')}`;
  return version === undefined ? base : `${base}/v/${encodeURIComponent(version)}`;
}

/** Version numbers newest first by publish time (their order in the document when time is missing). */
export function versionsByTime(doc: PackumentView): string[] {
  const time = obj(doc.time);
  const list = Object.keys(obj(doc.versions));
  const at = (v: string) => str(time[v]) ?? '';
  return list
    .map((v, i) => ({ v, t: at(v), i }))
    .sort((a, b) => (a.t === b.t ? b.i - a.i : a.t < b.t ? 1 : -1))
    .map((x) => x.v);
}

/** The version a page shows: the one asked for, else `latest`, else the newest. Undefined: none. */
export function shownVersion(doc: PackumentView, asked?: string): string | undefined {
  const versions = obj(doc.versions);
  if (asked !== undefined) return Object.hasOwn(versions, asked) ? asked : undefined;
  const latest = str(obj(doc['dist-tags']).latest);
  if (latest && Object.hasOwn(versions, latest)) return latest;
  return versionsByTime(doc)[0];
}

/** An http(s) URL from a package.json field (a string or {url}); git+https and .git are tidied. */
export function webUrl(v: unknown): string | undefined {
  const raw = str(v) ?? str(obj(v).url);
  if (!raw) return undefined;
  const tidy = raw
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/^ssh:\/\/git@/, 'https://')
    .replace(/\.git$/, '');
  const gh = /^github:([\w.-]+\/[\w.-]+)$/.exec(tidy) ?? /^([\w.-]+\/[\w.-]+)$/.exec(tidy);
  const candidate = gh ? `https://github.com/${gh[1]}` : tidy;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function licenseOf(m: Obj): string | undefined {
  return str(m.license) ?? str(obj(m.license).type);
}

function link(href: string, text: string): string {
  return `<a href="${esc(href)}" rel="nofollow noopener noreferrer">${esc(text)}</a>`;
}

function depList(title: string, deps: unknown): string {
  const entries = Object.entries(obj(deps)).filter(([, r]) => typeof r === 'string');
  if (entries.length === 0) return '';
  const shown = entries
    .slice(0, DEPS_SHOWN)
    .map(
      ([n, r]) =>
        `<li><a href="${esc(packagePath(n))}">${esc(n)}</a> <span class="muted">${esc(String(r))}</span></li>`,
    )
    .join('');
  const more = entries.length > DEPS_SHOWN ? `<li class="muted">and ${entries.length - DEPS_SHOWN} more</li>` : '';
  return `<h2>${esc(title)} (${entries.length})</h2><ul>${shown}${more}</ul>`;
}

/** Rows of the versions table: version, its tags, publish date, deprecation. */
export function versionRows(doc: PackumentView, versions: string[]): string {
  const name = String(doc.name);
  const time = obj(doc.time);
  const all = obj(doc.versions);
  const tagsOf = new Map<string, string[]>();
  for (const [tag, v] of Object.entries(obj(doc['dist-tags'])))
    if (typeof v === 'string') tagsOf.set(v, [...(tagsOf.get(v) ?? []), tag]);
  return versions
    .map((v) => {
      const tags = (tagsOf.get(v) ?? []).map((t) => ` <span class="tag">${esc(t)}</span>`).join('');
      const dep = str(obj(all[v]).deprecated);
      const when = str(time[v])?.slice(0, 10) ?? '';
      return `<tr><td><a href="${esc(packagePath(name, v))}">${esc(v)}</a>${tags}</td><td>${esc(when)}</td><td>${
        dep ? `<span class="deprecated">deprecated: ${esc(dep)}</span>` : ''
      }</td></tr>`;
    })
    .join('');
}

export function versionsTable(doc: PackumentView, versions: string[]): string {
  return `<table><thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Note</th></tr>
</thead><tbody>${versionRows(doc, versions)}</tbody></table>`;
}

export interface PackageParts {
  /** the version shown */
  version: string;
  /** sanitized readme HTML, or '' */
  readme: string;
  /** the downloads chart's HTML */
  chart: string;
  /** whether the package is published here */
  local: boolean;
}

/** The page's main content. */
export function packageMain(doc: PackumentView, parts: PackageParts): string {
  const name = String(doc.name);
  const { version } = parts;
  const m = obj(obj(doc.versions)[version]);
  const dist = obj(m.dist);
  const time = obj(doc.time);
  const description = str(m.description) ?? str(doc.description);
  const deprecated = str(m.deprecated);
  const latest = str(obj(doc['dist-tags']).latest);
  const install = `npm install ${name}${version === latest ? '' : `@${version}`}`;

  const facts: string[] = [];
  facts.push(
    `<dt>Version</dt><dd>${esc(version)}${
      str(time[version]) ? ` <span class="muted">published ${esc(String(time[version]).slice(0, 10))}</span>` : ''
    }</dd>`,
  );
  const license = licenseOf(m);
  if (license) facts.push(`<dt>License</dt><dd>${esc(license)}</dd>`);
  const links = [
    ['Repository', webUrl(m.repository)],
    ['Homepage', webUrl(m.homepage)],
    ['Issues', webUrl(m.bugs)],
  ].filter((l): l is [string, string] => l[1] !== undefined);
  for (const [what, href] of links)
    facts.push(`<dt>${what}</dt><dd>${link(href, href.replace(/^https?:\/\//, ''))}</dd>`);
  if (typeof dist.unpackedSize === 'number') facts.push(`<dt>Unpacked size</dt><dd>${bytes(dist.unpackedSize)}</dd>`);
  if (typeof dist.fileCount === 'number') facts.push(`<dt>Files</dt><dd>${count(dist.fileCount)}</dd>`);
  const people = (Array.isArray(m.maintainers) ? m.maintainers : Array.isArray(doc.maintainers) ? doc.maintainers : [])
    .map((p) => str(obj(p).name) ?? str(p))
    .filter((p): p is string => p !== undefined);
  if (people.length) facts.push(`<dt>Maintainers</dt><dd>${people.map(esc).join(', ')}</dd>`);
  facts.push(`<dt>Source</dt><dd>${parts.local ? 'published to this registry' : 'mirrored from upstream'}</dd>`);

  const all = versionsByTime(doc);
  const tags = Object.entries(obj(doc['dist-tags']))
    .filter(([, v]) => typeof v === 'string')
    .map(
      ([t, v]) =>
        `<li><span class="tag">${esc(t)}</span> ` +
        `<a href="${esc(packagePath(name, String(v)))}">${esc(String(v))}</a></li>`,
    )
    .join('');
  const more =
    all.length > VERSIONS_SHOWN
      ? `<p><a href="${esc(packagePath(name))}/versions">All ${count(all.length)} versions</a></p>`
      : '';

  return `${description ? `<p class="lead">${esc(description)}</p>` : ''}${
    deprecated ? `<p class="deprecated" role="note"><strong>Deprecated:</strong> ${esc(deprecated)}</p>` : ''
  }<div class="install"><code id="install-cmd">${esc(install)}</code>
<button type="button" data-copy="install-cmd" hidden>Copy</button></div>
<div class="cols"><div><section aria-labelledby="readme-h"><h2 id="readme-h">Readme</h2><div class="readme">${
    parts.readme || '<p class="muted">No readme.</p>'
  }</div></section></div><aside aria-label="Package facts"><dl class="facts">${facts.join('')}</dl>${parts.chart}
<h2>Dist-tags</h2><ul>${tags}</ul>${depList('Dependencies', m.dependencies)}${depList(
    'Peer dependencies',
    m.peerDependencies,
  )}${depList('Optional dependencies', m.optionalDependencies)}</aside></div>
<section aria-labelledby="versions-h"><h2 id="versions-h">Versions (${count(all.length)})</h2>${versionsTable(
    doc,
    all.slice(0, VERSIONS_SHOWN),
  )}${more}</section>`;
}
