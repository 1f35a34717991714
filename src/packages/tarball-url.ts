// Tarball URLs always sit at the domain root: npm rebuilds them with `new URL(pathname, registry)`.

/** `/@scope/name/-/name-1.0.0.tgz` or `/name/-/name-1.0.0.tgz`, on `origin`. */
export function tarballUrl(origin: string, name: string, file: string): string {
  return `${origin}/${name}/-/${encodeURIComponent(file)}`;
}

/** Where this registry serves a version's provenance: `/-/npm/v1/attestations/<name>@<version>`. */
export function attestationsUrl(origin: string, name: string, version: string): string {
  return `${origin}/-/npm/v1/attestations/${name.replace('/', '%2f')}@${encodeURIComponent(version)}`;
}
