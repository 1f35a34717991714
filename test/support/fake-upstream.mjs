// A real HTTP server standing in for the upstream registry, serving fixture packuments and
// tarballs. Like the registry this machine reaches, it answers full documents whatever Accept says.
// Tests steer it per package name through /__control so parallel test files do not collide.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, sep } from 'node:path';

const PLACEHOLDER = 'https://registry.upstream.test';
/** What the fake upstream answers for its signing keys (the shape of GET /-/npm/v1/keys). */
export const UPSTREAM_KEY = {
  expires: null,
  keyid: 'SHA256:fake-upstream-key',
  keytype: 'ecdsa-sha2-nistp256',
  scheme: 'ecdsa-sha2-nistp256',
  key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfakeupstreamkeyfakeupstreamkeyfakeupstreamkey==',
};

/**
 * roots: fixture folders in the `registry/` layout, searched in order. token: when set, every request
 * but /__control must carry `Authorization: Bearer <token>` (401 otherwise), as a private registry does.
 * Returns { url, port, close() }.
 */
export async function startFakeUpstream({ roots, port = 0, token } = {}) {
  const docs = new Map(); // name -> Buffer (synthetic documents)
  const tarballs = new Map(); // "name/file" -> Buffer
  const faults = new Map(); // name -> mode
  const hits = new Map(); // name -> count of metadata requests
  const hanging = new Set();
  const seen = []; // { path, authorization } of every request but /__control, for credential checks
  let origin = '';

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(e) }));
    }
  });

  async function handle(req, res) {
    const url = new URL(req.url, origin);
    const path = url.pathname;
    if (path.startsWith('/__control/')) return control(req, res, path.slice('/__control/'.length));
    seen.push({ path, authorization: req.headers.authorization ?? null });
    if (seen.length > 10_000) seen.shift();
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`)
      return json(res, 401, { error: 'this registry needs a token' });
    if (path === '/-/v1/search') {
      // Three hits per text, paged by from/size; a text starting `fail-upstream` answers 500.
      const text = url.searchParams.get('text') ?? '';
      if (text.startsWith('fail-upstream')) return json(res, 500, { error: 'search is down' });
      const from = Number(url.searchParams.get('from') ?? 0);
      const size = Number(url.searchParams.get('size') ?? 20);
      const names = [`upstream-${text}`, `upstream-${text}-2`, `upstream-${text}-3`];
      return json(res, 200, {
        objects: names.slice(from, from + size).map((name) => ({
          package: { name, version: '1.0.0', maintainers: [] },
          score: { final: 1 },
          searchScore: 1,
        })),
        total: names.length,
        time: new Date(0).toUTCString(),
      });
    }
    if (path.startsWith('/-/npm/v1/attestations/')) {
      // A stand-in provenance answer for <name>@<version>; the name's `down` fault makes it fail.
      const spec = decodeURIComponent(path.slice('/-/npm/v1/attestations/'.length));
      const name = spec.slice(0, spec.lastIndexOf('@'));
      if (faults.get(name) === 'down') return json(res, 500, { error: 'upstream exploded' });
      const predicateType = 'https://slsa.dev/provenance/v1';
      return json(res, 200, { attestations: [{ predicateType, bundle: { stands_in_for: spec } }] });
    }
    if (path === '/-/npm/v1/keys') {
      // The registry's signing keys; the fault of the name `-keys` makes them fail.
      if (faults.get('-keys') === 'down') return json(res, 500, { error: 'keys are down' });
      return json(res, 200, { keys: [UPSTREAM_KEY] });
    }
    if (path === '/-/npm/v1/security/advisories/bulk' || path === '/-/npm/v1/security/audits/quick') {
      await body(req);
      return json(
        res,
        200,
        path.endsWith('bulk') ? {} : { actions: [], advisories: {}, muted: [], metadata: { vulnerabilities: {} } },
      );
    }
    const m = /^\/((?:@[^/%]+(?:\/|%2f))?[^/]+)(?:\/-\/(.+))?$/i.exec(path);
    if (!m) return json(res, 404, { error: 'Not found' });
    const name = decodeURIComponent(m[1].replace(/%2f/i, '/'));
    const fault = faults.get(name);
    if (!m[2]) hits.set(name, (hits.get(name) ?? 0) + 1);
    if (fault === 'hang') {
      hanging.add(res);
      return; // never answers; closed with the server
    }
    if (fault === '500' || fault === 'down') return json(res, 500, { error: 'upstream exploded' });
    if (fault === 'slow' && !m[2]) await new Promise((r) => setTimeout(r, 800)); // then answers as usual
    if (m[2]) return serveTarball(res, name, decodeURIComponent(m[2]), fault);
    if (fault === 'badjson')
      return send(res, 200, 'application/json', Buffer.from(`{"name": "${name}", "versions": {`));
    let doc = loadDoc(name);
    if (!doc) return json(res, 404, { error: 'Not found' });
    if (fault === 'wrongname') doc = Buffer.from(JSON.stringify({ ...JSON.parse(doc), name: `${name}-impostor` }));
    const etag = `"${createHash('sha1').update(doc).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'content-length': doc.length });
    res.end(doc);
  }

  function serveTarball(res, name, file, fault) {
    const bytes = tarballs.get(`${name}/${file}`) ?? readFixture(name.replace(/^@/, '').split('/').concat('-', file));
    if (!bytes) return json(res, 404, { error: 'Not found' });
    if (fault === 'truncated') {
      // Promise the whole length, send half, then cut the connection.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    const out = fault === 'badintegrity' ? Buffer.concat([bytes, Buffer.from('tampered')]) : bytes;
    send(res, 200, 'application/octet-stream', out);
  }

  function loadDoc(name) {
    let doc = docs.get(name);
    if (!doc) {
      const big = /^(big|random)-(\d+)mb$/.exec(name);
      if (big) {
        doc = syntheticDoc(name, Number(big[2]) * 1e6, big[1] === 'random');
        docs.set(name, doc);
      }
    }
    if (!doc) doc = readFixture(name.replace(/^@/, '').split('/'), '.json');
    return doc && Buffer.from(doc.toString('utf8').replaceAll(PLACEHOLDER, origin));
  }

  function syntheticDoc(name, size, random) {
    // Many versions of a realistic manifest, with a readme, until the document reaches `size`; with
    // `random`, each readme is random base64, so that the document hardly compresses.
    const versions = {};
    const time = { created: '2020-01-01T00:00:00.000Z', modified: '2020-06-01T00:00:00.000Z' };
    const text = 'lorem ipsum dolor sit amet '.repeat(40);
    let bytes = 0;
    for (let i = 0; bytes < size; i++) {
      const v = `1.0.${i}`;
      const manifest = {
        name,
        version: v,
        description: text.slice(0, 200),
        main: 'index.js',
        scripts: i % 7 === 0 ? { postinstall: 'node x.js', test: 'tap' } : { test: 'tap' },
        dependencies: { a: '^1.0.0', b: '~2.3.4' },
        devDependencies: { tap: '^14.0.0' },
        repository: { type: 'git', url: 'git+https://example.test/x.git' },
        readme: random ? randomBytes(4000).toString('base64') : text,
        directories: {},
        _hasShrinkwrap: false,
        dist: {
          integrity: 'sha512-AAAA',
          shasum: '0'.repeat(40),
          tarball: `${PLACEHOLDER}/${name}/-/${name}-${v}.tgz`,
        },
      };
      versions[v] = manifest;
      time[v] = '2020-01-01T00:00:00.000Z';
      bytes += JSON.stringify(manifest).length + 30;
    }
    return Buffer.from(
      JSON.stringify({ _id: name, name, 'dist-tags': { latest: '1.0.0' }, versions, time, readme: text }),
    );
  }

  /** Names of fixture packages that have an abbreviated twin (`.min.json`). */
  function listFixtures() {
    const names = new Set();
    for (const root of roots) {
      if (!existsSync(root)) continue;
      for (const f of readdirSync(root, { recursive: true })) {
        const rel = String(f).split(sep).join('/');
        if (!rel.endsWith('.min.json') || rel.includes('/-/')) continue;
        const base = rel.slice(0, -'.min.json'.length);
        names.add(base.includes('/') ? `@${base}` : base);
      }
    }
    return [...names].sort();
  }

  function readFixture(parts, ext = '') {
    for (const root of roots) {
      const p = join(root, ...parts) + ext;
      if (existsSync(p)) return readFileSync(p);
    }
    return undefined;
  }

  async function control(req, res, what) {
    const [kind, ...rest] = what.split('/');
    const name = decodeURIComponent(rest.join('/'));
    if (kind === 'faults' && req.method === 'PUT') {
      const { mode } = JSON.parse(await body(req));
      if (mode === 'none') faults.delete(name);
      else faults.set(name, mode);
      return json(res, 200, { ok: true });
    }
    if (kind === 'packages' && req.method === 'PUT') {
      docs.set(name, await bodyBuffer(req));
      return json(res, 200, { ok: true });
    }
    if (kind === 'packages' && req.method === 'DELETE') {
      docs.delete(name);
      return json(res, 200, { ok: true });
    }
    if (kind === 'tarballs' && req.method === 'PUT') {
      tarballs.set(name, await bodyBuffer(req));
      return json(res, 200, { ok: true });
    }
    if (kind === 'hits' && req.method === 'GET') return json(res, 200, { hits: hits.get(name) ?? 0 });
    // The requests whose path contains `name` (percent-encoded or not), with their Authorization headers.
    if (kind === 'seen' && req.method === 'GET') {
      const forms = [name, encodeURIComponent(name), name.replace('/', '%2f')];
      return json(res, 200, { requests: seen.filter((r) => forms.some((f) => r.path.includes(f))) });
    }
    if (kind === 'fixtures' && req.method === 'GET') return json(res, 200, { names: listFixtures() });
    if (kind === 'min' && req.method === 'GET') {
      const min = readFixture(name.replace(/^@/, '').split('/'), '.min.json');
      return min
        ? send(res, 200, 'application/json', Buffer.from(min.toString('utf8').replaceAll(PLACEHOLDER, origin)))
        : json(res, 404, { error: 'Not found' });
    }
    return json(res, 404, { error: 'unknown control' });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actual = server.address().port;
  origin = `http://127.0.0.1:${actual}`;
  return {
    url: `${origin}/`,
    port: actual,
    close: () =>
      new Promise((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function json(res, status, obj) {
  send(res, status, 'application/json', Buffer.from(JSON.stringify(obj)));
}

function send(res, status, type, buf) {
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length });
  res.end(buf);
}

async function bodyBuffer(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

async function body(req) {
  return (await bodyBuffer(req)).toString('utf8');
}
