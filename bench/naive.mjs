// The baseline: decode, JSON.parse the whole document, pick the abbreviated fields, rewrite the
// tarball URLs, JSON.stringify and encode both documents the derivation produces (abbreviated and
// full). The straightforward way, doing the same work as src/packages/derive.ts.
const KEEP = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'dist',
  'engines',
  '_hasShrinkwrap',
  'hasInstallScript',
  'cpu',
  'os',
  'libc',
  'funding',
  'acceptDependencies',
];
const INSTALL_SCRIPTS = ['install', 'preinstall', 'postinstall'];

const isEmpty = (x) => x === false || x === null || x === '' || (typeof x === 'object' && Object.keys(x).length === 0);

/** Same file name and URL as derive.ts (`tarballFile` + `tarballUrl`). */
function ourTarball(origin, name, url) {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // relative or odd URL: use its text
  }
  let file = path.slice(path.lastIndexOf('/') + 1);
  try {
    file = decodeURIComponent(file);
  } catch {
    // keep it as it is
  }
  return `${origin}/${name}/-/${encodeURIComponent(file)}`;
}

export function naiveDerive(bytes, name, origin) {
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  if (doc.name !== name) throw new Error(`document names ${doc.name}, not ${name}`);
  const versions = {};
  for (const [v, m] of Object.entries(doc.versions ?? {})) {
    if (typeof m.dist?.tarball === 'string') m.dist.tarball = ourTarball(origin, name, m.dist.tarball);
    const out = {};
    for (const k of KEEP) if (k in m && !isEmpty(m[k])) out[k] = m[k];
    const s = m.scripts;
    if (s && typeof s === 'object' && INSTALL_SCRIPTS.some((k) => k in s)) out.hasInstallScript = true;
    versions[v] = out;
  }
  const corgi = { name, 'dist-tags': doc['dist-tags'] ?? {}, versions };
  if (doc.time?.modified !== undefined) corgi.modified = doc.time.modified;
  const enc = new TextEncoder();
  return { abbreviated: enc.encode(JSON.stringify(corgi)), full: enc.encode(JSON.stringify(doc)) };
}
