// Twenty synthetic packuments shaped like the largest real ones (thousands of versions of ~3 KB each,
// 2 to 25 MB a document, about 190 MB in all), put into the fake upstream through its control API.
import { createHash } from 'node:crypto';

// MB per document, spread like next, typescript, aws-sdk, @types/node, react-native, firebase and kin.
export const SIZES_MB = [25, 21, 18, 16, 14, 12, 11, 10, 9, 8, 7, 6, 5.5, 5, 4.5, 4, 3.5, 3, 2.5, 2];
export const LARGE_NAMES = SIZES_MB.map((_, i) => (i % 4 === 3 ? `@herd/large-${i}` : `herd-large-${i}`));

const PLACEHOLDER = 'https://registry.upstream.test'; // the fake upstream swaps in its own origin

/** One packument of about `bytes` bytes; returns { doc: Buffer, versions: count }. */
export function largeDoc(name, bytes) {
  const versions = {};
  const time = { created: '2016-01-01T00:00:00.000Z' };
  const base = name.split('/').pop();
  const readme = `# ${name}\n\n${'A package with a long history of small releases. '.repeat(60)}`;
  let size = readme.length;
  for (let i = 0; size < bytes; i++) {
    const v = `${Math.floor(i / 400)}.${Math.floor(i / 20) % 20}.${i % 20}`;
    const h = createHash('sha512').update(`${name}@${v}`).digest();
    const manifest = {
      name,
      version: v,
      description: `Release ${v} of ${name}`,
      license: 'MIT',
      main: 'index.js',
      types: 'index.d.ts',
      scripts: { test: 'node test.js', build: 'tsc -p .' },
      keywords: ['large', 'herd', 'registry', 'test', base],
      bin: { [base]: 'bin/cli.js' },
      // as many dependencies as the big SDKs carry, so a version weighs a few KB like theirs
      dependencies: Object.fromEntries(
        Array.from({ length: 90 }, (_, d) => [`@herd/dep-${(i + d) % 97}`, `^${d % 5}.${i % 9}.0`]),
      ),
      devDependencies: { typescript: '^5.0.0', vitest: '^1.0.0', [`dev-${i % 7}`]: '*' },
      peerDependencies: i % 3 ? undefined : { react: '>=16' },
      engines: { node: '>=14' },
      repository: { type: 'git', url: `git+https://example.test/${base}.git` },
      maintainers: [
        { name: 'alice', email: 'alice@example.test' },
        { name: 'bob', email: 'bob@example.test' },
      ],
      _npmUser: { name: 'alice', email: 'alice@example.test' },
      gitHead: h.subarray(0, 20).toString('hex'),
      _hasShrinkwrap: false,
      dist: {
        integrity: `sha512-${h.toString('base64')}`,
        shasum: createHash('sha1').update(h).digest('hex'),
        tarball: `${PLACEHOLDER}/${name}/-/${base}-${v}.tgz`,
        fileCount: 40 + (i % 50),
        unpackedSize: 100_000 + i,
        signatures: [{ keyid: 'SHA256:test', sig: h.toString('base64') }],
      },
    };
    versions[v] = manifest;
    time[v] = new Date(Date.UTC(2016, 0, 1) + i * 3_600_000).toISOString();
    size += JSON.stringify(manifest).length + 40;
  }
  const latest = Object.keys(versions).at(-1);
  time.modified = time[latest];
  const doc = {
    _id: name,
    name,
    description: `${name}, large`,
    'dist-tags': { latest },
    versions,
    time,
    readme,
    maintainers: versions[latest].maintainers,
    license: 'MIT',
  };
  return { doc: Buffer.from(JSON.stringify(doc)), versions: Object.keys(versions).length };
}

/** Puts the twenty documents into the fake upstream at `upstreamUrl`; returns [{ name, versions, bytes }]. */
export async function putLargeDocs(upstreamUrl) {
  const out = [];
  for (const [i, name] of LARGE_NAMES.entries()) {
    const { doc, versions } = largeDoc(name, SIZES_MB[i] * 1e6);
    const r = await fetch(new URL(`__control/packages/${encodeURIComponent(name)}`, upstreamUrl), {
      method: 'PUT',
      body: doc,
    });
    if (r.status !== 200) throw new Error(`fake upstream refused ${name}: ${r.status}`);
    out.push({ name, versions, bytes: doc.length });
  }
  return out;
}

/**
 * Twenty parallel GETs, half abbreviated; returns [{ name, status, versions, ms }], the wall time, and the
 * names whose request was retried once on a closed kept-alive socket.
 */
export async function herd(registryUrl, docs, { timeoutMs = 120_000 } = {}) {
  const t0 = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const retries = [];
  const answers = await Promise.all(
    docs.map(async ({ name }, i) => {
      const headers =
        i % 2
          ? { accept: 'application/json' }
          : { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };
      const t = performance.now();
      const url = new URL(name.replace('/', '%2f'), registryUrl);
      try {
        let r;
        try {
          r = await fetch(url, { headers, signal });
        } catch (e) {
          // A kept-alive socket the server had just closed fails the request before any answer (undici's
          // UND_ERR_SOCKET): a client retries such a GET once, as npm does. A failure mid-body is not retried.
          if (e.cause?.code !== 'UND_ERR_SOCKET' && e.cause?.code !== 'ECONNRESET') throw e;
          retries.push(name);
          r = await fetch(url, { headers, signal });
        }
        const body = await r.json();
        return { name, status: r.status, versions: Object.keys(body.versions ?? {}).length, ms: performance.now() - t };
      } catch (e) {
        // What broke, for the failure message: undici's TypeError carries the socket's error as its cause.
        const why = [e.name, e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ');
        return { name, status: why, versions: 0, ms: performance.now() - t };
      }
    }),
  );
  return { answers, wallMs: performance.now() - t0, retries };
}
