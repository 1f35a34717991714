// Where a readme's relative links and images point: into the package's repository at the commit it was
// published from (`gitHead`, else the default branch), in its `repository.directory` for a monorepo, as
// the repository's own host shows the readme. Known hosts only; elsewhere relative URLs have no target.
import { webUrl } from './package-page';

/** Absolute prefixes, each ending in `/`: repository root and the package's folder, for links and images. */
export interface ReadmeBase {
  link: { root: string; dir: string };
  image: { root: string; dir: string };
}

const HOSTS: Record<string, { link: string; image: (owner: string, repo: string) => string }> = {
  'github.com': { link: 'blob', image: (o, r) => `https://raw.githubusercontent.com/${o}/${r}/` },
  'gitlab.com': { link: '-/blob', image: (o, r) => `https://gitlab.com/${o}/${r}/-/raw/` },
  'bitbucket.org': { link: 'src', image: (o, r) => `https://bitbucket.org/${o}/${r}/raw/` },
};

const SEGMENT = /^[\w.-]+$/;

export function readmeBase(repository: unknown, gitHead: unknown): ReadmeBase | undefined {
  const web = webUrl(repository);
  if (!web) return undefined;
  const url = new URL(web);
  const host = HOSTS[url.hostname];
  const [owner, repo] = url.pathname.split('/').filter(Boolean);
  if (!host || !owner || !repo || !SEGMENT.test(owner) || !SEGMENT.test(repo)) return undefined;
  const ref = typeof gitHead === 'string' && /^[0-9a-f]{7,40}$/.test(gitHead) ? gitHead : 'HEAD';
  const dir = directoryOf(repository);
  const linkRoot = `https://${url.hostname}/${owner}/${repo}/${host.link}/${ref}/`;
  const imageRoot = `${host.image(owner, repo)}${ref}/`;
  return {
    link: { root: linkRoot, dir: linkRoot + dir },
    image: { root: imageRoot, dir: imageRoot + dir },
  };
}

/** `repository.directory` as path segments ending in `/`, or '' (one that climbs out is ignored). */
function directoryOf(repository: unknown): string {
  const d =
    typeof repository === 'object' && repository !== null ? (repository as { directory?: unknown }).directory : '';
  if (typeof d !== 'string') return '';
  const parts = d.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || !/^[\w.@+-]+$/.test(p))) return '';
  return parts.map((p) => `${encodeURIComponent(p)}/`).join('');
}

/**
 * `relative` (a URL with no scheme or host, as written in the readme) resolved against `base`: from the
 * repository root when it starts with `/`, else from the package's folder. Undefined when it does not stay
 * on the base's host.
 */
export function resolveRelative(relative: string, base: { root: string; dir: string }): string | undefined {
  const url = relative.startsWith('/') ? new URL(relative.slice(1), base.root) : new URL(relative, base.dir);
  return url.origin === new URL(base.root).origin ? url.href : undefined;
}
