// Tarball URLs always sit at the domain root: npm rebuilds them with `new URL(pathname, registry)`.

/** `/@scope/name/-/name-1.0.0.tgz` or `/name/-/name-1.0.0.tgz`, on `origin`. */
export function tarballUrl(origin: string, name: string, file: string): string {
  return `${origin}/${name}/-/${encodeURIComponent(file)}`;
}
