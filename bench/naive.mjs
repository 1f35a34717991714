// The baseline: parse the whole document, pick, stringify — both outputs the derivation produces.
const KEEP = ['name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories', 'dist', 'engines',
  '_hasShrinkwrap', 'hasInstallScript', 'cpu', 'os', 'libc', 'funding', 'acceptDependencies'];

const isEmpty = (x) => x === false || x === null || x === '' || (typeof x === 'object' && Object.keys(x).length === 0);

export function naiveDerive(bytes, name, origin) {
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  if (doc.name !== name) throw new Error('wrong name');
  const versions = {};
  for (const [v, m] of Object.entries(doc.versions ?? {})) {
    if (m.dist?.tarball) m.dist.tarball = `${origin}/${name}/-/${m.dist.tarball.split('/').pop()}`;
    const out = {};
    for (const k of KEEP) if (k in m && !isEmpty(m[k])) out[k] = m[k];
    const s = m.scripts ?? {};
    if ('install' in s || 'preinstall' in s || 'postinstall' in s) out.hasInstallScript = true;
    versions[v] = out;
  }
  const corgi = { name, 'dist-tags': doc['dist-tags'] ?? {}, versions };
  if (doc.time?.modified) corgi.modified = doc.time.modified;
  const enc = new TextEncoder();
  return { abbreviated: enc.encode(JSON.stringify(corgi)), full: enc.encode(JSON.stringify(doc)) };
}
