// Soak: the Worker as `wrangler deploy` bundles it, on Miniflare's workerd, over real HTTP (its own
// server on 127.0.0.1), with the fake upstream (a real local HTTP server over test/fixtures) behind
// it, the download queue and the login rate limit configured as in wrangler.toml. SOAK_CLIENTS
// clients (50) run for SOAK_SECONDS (60) a seeded mix of cache hits, cold misses, tarball downloads,
// logins, publishes, unpublishes and hostile requests; then everything written is read back through
// HTTP and the download counts in D1 are compared with the downloads made. Exits 1 when a target fails.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import semver from 'semver';
import { startFakeUpstream } from '../test/support/fake-upstream.mjs';
import { LOCAL_FIXTURES } from '../test/support/fixtures.mjs';
import { startWorker } from './worker-harness.mjs';
import { childCpuSeconds } from './proc.mjs';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 50);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SEED = Number(process.env.SOAK_SEED ?? 1);
/** A bound on the count as well as the time: the load stops at whichever comes first. */
const MAX_REQUESTS = Number(process.env.SOAK_MAX_REQUESTS ?? 2_000_000);
const REQUEST_TIMEOUT_MS = 30_000;
/** SOAK_VERBOSE=1 also lists the answers to every kind of hostile request. */
const VERBOSE = process.env.SOAK_VERBOSE === '1';
/** The whole script gives up (and cleans up) after this, whatever hangs. */
const WATCHDOG_MS = (SECONDS + 600) * 1000;
const UNLOADED_SAMPLES = 200;
const OWNERS = 8; // each owns two local packages: one in the local scope, one unscoped
const LOGIN_ACCOUNTS = 30; // 10 password checks per account and minute: spread over many
const MAX_TARBALL_BYTES = 65536; // small, so the oversized-body hostile request stays cheap
const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const PLACEHOLDER = 'https://registry.upstream.test'; // the fake upstream replaces it with its origin

/** Weights of the operations each client picks from; SOAK_MIX (JSON, same keys) replaces them. */
const MIX = JSON.parse(process.env.SOAK_MIX ?? 'null') ?? {
  'cache-hit': 50,
  'cold-miss': 8,
  tarball: 20,
  login: 2,
  publish: 7,
  unpublish: 3,
  hostile: 10,
};
/**
 * Mean pause (ms, exponentially distributed) between one client's operations: 1000 by default, so the
 * 50 clients arrive like real ones (about 50 requests a second) rather than as a closed loop. With 0 they
 * keep workerd's one thread saturated, and latency is then mostly queueing (Little's law): even
 * GET /-/ping's p99 rises about 27× at 50 concurrent clients with no pause.
 */
const THINK_MS = Number(process.env.SOAK_THINK_MS ?? 1000);
/** Answers each class is expected to give; anything else is listed (5xx are failures). */
const EXPECTED = {
  ping: [200],
  'cache-hit': [200, 304],
  'cold-miss': [200],
  tarball: [200],
  login: [201, 429],
  publish: [201],
  unpublish: [200, 409],
};

// ---------------------------------------------------------------------------------------------
// Seeded randomness: every client draws from its own stream, so the mix is the same on every run.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
function weighted(rnd, weights) {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let x = rnd() * total;
  for (const [k, w] of Object.entries(weights)) {
    x -= w;
    if (x < 0) return k;
  }
  return Object.keys(weights)[0];
}

// ---------------------------------------------------------------------------------------------
// HTTP: node:http with keep-alive, so hostile paths go out byte for byte (fetch would normalise
// `..` and friends) and a client costs little CPU next to the server on this 2-core machine.

let server; // { port }: the Worker's HTTP server
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const freshAgent = new http.Agent({ keepAlive: false }); // a new connection, for the one resend below

/**
 * workerd closes a kept-alive connection after answering a request whose body the Worker did not
 * read (an early 4xx), without saying `Connection: close`; a request already sent on it then meets
 * ECONNRESET without having been seen. Like npm, such a request is sent again, once, on a new
 * connection (another pooled one may be closing too); counted here.
 */
let resent = 0;

/**
 * One request; resolves (never rejects) with { status, headers, body, ms }; status is 'error …' or 'timeout' when
 * no answer came.
 */
async function send(method, path, opts = {}) {
  const r = await sendOnce(method, path, opts, agent);
  if (!r.staleSocket) return r;
  resent++;
  return sendOnce(method, path, opts, freshAgent);
}

function sendOnce(method, path, { headers = {}, body, token } = {}, via) {
  const buf =
    body === undefined
      ? undefined
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const h = {
    ...(buf ? { 'content-type': 'application/json', 'content-length': buf.length } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  };
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (status, res, chunks = []) =>
      resolve({ status, headers: res?.headers ?? {}, body: Buffer.concat(chunks), ms: performance.now() - t0 });
    let req;
    let answered = false;
    try {
      req = http.request(
        { host: '127.0.0.1', port: server.port, method, path, headers: h, agent: via, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          answered = true;
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => done(res.statusCode, res, chunks));
          res.on('error', () => done('error', res, chunks));
        },
      );
    } catch {
      return done('error'); // a path or header node refuses to send
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      if (e.code === 'ECONNRESET' && req.reusedSocket && !answered) return resolve({ staleSocket: true });
      done(e.message === 'timeout' ? 'timeout' : `error ${e.code ?? e.message}`);
    });
    req.end(buf);
  });
}

/** Latencies and answers per class and per step (label) within a class. */
class Stats {
  classes = new Map();
  count = 0;
  record(cls, label, status, ms) {
    let c = this.classes.get(cls);
    if (!c) {
      c = { ms: [], labels: new Map() };
      this.classes.set(cls, c);
    }
    c.ms.push(ms);
    let l = c.labels.get(label);
    if (!l) {
      l = new Map();
      c.labels.set(label, l);
    }
    l.set(status, (l.get(status) ?? 0) + 1);
    this.count++;
  }
  statuses(cls) {
    const out = new Map();
    for (const l of this.classes.get(cls)?.labels.values() ?? [])
      for (const [s, n] of l) out.set(s, (out.get(s) ?? 0) + n);
    return out;
  }
  /** [cls, label, status, n] for every answer that is a 5xx or no answer at all. */
  failures() {
    const out = [];
    for (const [cls, c] of this.classes)
      for (const [label, l] of c.labels)
        for (const [s, n] of l) if (!(typeof s === 'number' && s < 500)) out.push([cls, label, s, n]);
    return out;
  }
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A request of class `cls`, recorded in the client's stats under `label`. */
async function request(c, cls, label, method, path, opts) {
  const r = await send(method, path, opts);
  c.stats.record(cls, label, r.status, r.ms);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Tarballs: real gzipped tar files, as `npm pack` makes them, and the digests npm puts in `dist`.

function tarEntry(path, content) {
  const data = Buffer.from(content);
  const h = Buffer.alloc(512);
  h.write(path, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('14707041740\0', 136); // npm pack's fixed mtime (1985-10-26)
  h.write('        ', 148); // the checksum counts its own field as spaces
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function npmTarball(name, version, rnd) {
  const pkg = JSON.stringify({ name, version, description: 'soak package', main: 'index.js', license: 'MIT' }, null, 2);
  const index = `module.exports = ${JSON.stringify(
    rnd()
      .toString(36)
      .repeat(1 + Math.floor(rnd() * 20)),
  )};\n`;
  return gzipSync(
    Buffer.concat([tarEntry('package/package.json', pkg), tarEntry('package/index.js', index), Buffer.alloc(1024)]),
  );
}

const sha512 = (bytes) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex');
/** `@s/n` → `@s%2fn`, as npm writes a scoped name in a write path. */
const enc = (name) => name.replace('/', '%2f');
const fileOf = (name, version) => `${name.split('/').pop()}-${version}.tgz`;
const tarballPath = (name, file) => `/${name}/-/${file}`;

/** npm's publish body: one version, its dist-tag, the tarball as a base64 attachment. */
function publishBody(name, version, bytes, tag = 'latest') {
  const file = fileOf(name, version);
  return {
    _id: name,
    name,
    description: `the ${name} package`,
    'dist-tags': { [tag]: version },
    versions: {
      [version]: {
        name,
        version,
        description: `the ${name} package`,
        main: 'index.js',
        readme: `# ${name} ${version}`,
        readmeFilename: 'README.md',
        license: 'MIT',
        dependencies: {},
        _id: `${name}@${version}`,
        _nodeVersion: '20.0.0',
        _npmVersion: '10.8.2',
        dist: {
          integrity: sha512(bytes),
          shasum: sha1(bytes),
          tarball: `http://127.0.0.1:${server.port}${tarballPath(name, file)}`,
        },
      },
    },
    access: 'public',
    _attachments: {
      [file]: { content_type: 'application/octet-stream', data: bytes.toString('base64'), length: bytes.length },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What the bench knows of the registry: names it can read from cache, accounts, local packages and
// the state of every version it tried to write, and the downloads it made.

const world = {
  cached: [], // { name, versions, etags: { full?, abbreviated? } }: packuments already fetched
  mirrored: [], // { name, file, version, integrity }: fixture tarballs
  owners: [], // { name, password, token }
  logins: [], // { name, password }
  locals: [], // { name, owner, next, versions: Map<version, entry> }
  mallory: undefined, // an account that owns one package of its own and tries to write others'
  eve: undefined, // an account whose tokens hostile revocations aim at (a wildcard revoke must not take mallory's)
  victim: undefined, // an account whose password hostile requests guess
  readOnlyToken: undefined, // owners[0]'s read-only token
  downloads: new Map(), // "name@version" → tarball GETs answered 200
  anomalies: [], // wrong bytes, live versions answering 404, and the like
  breaches: [], // hostile writes that were accepted
};

/**
 * Every tarball GET goes through here: 200s are counted (the Worker must count them once each) and
 * their bytes checked. `label` may be a function of the status.
 */
async function getTarball(c, cls, label, name, version, file, integrity) {
  const r = await send('GET', tarballPath(name, file));
  c.stats.record(cls, typeof label === 'function' ? label(r.status) : label, r.status, r.ms);
  if (r.status === 200) {
    const key = `${name}@${version}`;
    world.downloads.set(key, (world.downloads.get(key) ?? 0) + 1);
    if (integrity && sha512(r.body) !== integrity)
      world.anomalies.push(`${key}: tarball bytes do not match ${integrity.slice(0, 20)}…`);
  }
  return r;
}

function client(id, stats) {
  return { id, rnd: prng(SEED * 7919 + id), stats, seq: 0 };
}

// ---------------------------------------------------------------------------------------------
// The operations.

/** A packument (full or abbreviated), a manifest or a 304 of a name fetched before. */
async function cacheHit(c) {
  const doc = pick(c.rnd, world.cached);
  const reps = Object.keys(doc.etags);
  const kind = pick(c.rnd, ['packument', 'packument', 'manifest', 'not-modified']);
  if (kind === 'manifest') {
    const spec = c.rnd() < 0.5 ? 'latest' : pick(c.rnd, doc.versions);
    return request(c, 'cache-hit', 'GET manifest', 'GET', `/${doc.name}/${spec}`);
  }
  const rep = pick(c.rnd, reps);
  const headers = { accept: rep === 'abbreviated' ? CORGI : 'application/json' };
  if (kind === 'not-modified')
    return request(c, 'cache-hit', `GET ${rep} If-None-Match`, 'GET', `/${doc.name}`, {
      headers: { ...headers, 'if-none-match': doc.etags[rep] },
    });
  return request(c, 'cache-hit', `GET ${rep}`, 'GET', `/${doc.name}`, { headers });
}

/** A name nobody asked for yet: the fake upstream is given a new small document (and tarball) first. */
async function coldMiss(c) {
  const name = `soak-cold-${SEED}-${c.id}-${c.seq++}`;
  if (c.rnd() < 0.2) return request(c, 'cold-miss', 'GET unknown name', 'GET', `/${name}`); // an upstream 404
  const version = '1.0.0';
  const file = fileOf(name, version);
  const bytes = npmTarball(name, version, c.rnd);
  const doc = {
    _id: name,
    name,
    'dist-tags': { latest: version },
    time: {
      created: '2024-01-01T00:00:00.000Z',
      modified: '2024-01-01T00:00:00.000Z',
      [version]: '2024-01-01T00:00:00.000Z',
    },
    versions: {
      [version]: {
        name,
        version,
        main: 'index.js',
        dependencies: {},
        dist: { integrity: sha512(bytes), shasum: sha1(bytes), tarball: `${PLACEHOLDER}/${name}/-/${file}` },
      },
    },
  };
  await upstreamControl('PUT', `packages/${name}`, JSON.stringify(doc));
  await upstreamControl('PUT', `tarballs/${name}/${file}`, bytes);
  const rep = c.rnd() < 0.5 ? 'abbreviated' : 'full';
  const r = await request(c, 'cold-miss', `GET ${rep}`, 'GET', `/${name}`, {
    headers: { accept: rep === 'abbreviated' ? CORGI : 'application/json' },
  });
  if (r.status === 200) world.cached.push({ name, versions: [version], etags: { [rep]: r.headers.etag } });
  // Half of them are installed at once: a tarball the registry has never seen.
  if (c.rnd() < 0.5) await getTarball(c, 'cold-miss', 'GET tarball', name, version, file, sha512(bytes));
  return r;
}

/** A mirrored fixture tarball (from R2) or a tarball of a live local version. */
async function tarball(c) {
  if (c.rnd() < 0.5) {
    const t = pick(c.rnd, world.mirrored);
    return getTarball(c, 'tarball', 'GET mirrored', t.name, t.version, t.file, t.integrity);
  }
  const pkg = pick(c.rnd, world.locals);
  const live = [...pkg.versions].filter(([, e]) => e.state === 'live');
  if (live.length === 0) return;
  const [version, e] = pick(c.rnd, live);
  // A 404 is right only once a client has started to unpublish the version; else it is a lost write.
  const label = (status) => (status === 404 && e.state !== 'live' ? 'GET local, being unpublished' : 'GET local');
  const r = await getTarball(c, 'tarball', label, pkg.name, version, fileOf(pkg.name, version), e.integrity);
  if (r.status === 404 && e.state === 'live')
    world.anomalies.push(`${pkg.name}@${version}: published (201), not unpublished, tarball 404`);
  return r;
}

/** npm login with the right password; 429 once the account's ten checks a minute are used up. */
async function login(c) {
  const u = pick(c.rnd, world.logins);
  return request(c, 'login', 'PUT /-/user', 'PUT', `/-/user/org.couchdb.user:${u.name}`, { body: userBody(u) });
}

function userBody(u, password = u.password) {
  return {
    _id: `org.couchdb.user:${u.name}`,
    name: u.name,
    password,
    type: 'user',
    roles: [],
    date: new Date().toISOString(),
  };
}

/** A new version of a local package, by its owner; a tenth of them under the `next` tag. */
async function publish(c, pkg = pick(c.rnd, world.locals)) {
  const version = `1.0.${pkg.next++}`;
  const bytes = npmTarball(pkg.name, version, c.rnd);
  const entry = { state: 'publishing', integrity: sha512(bytes) };
  pkg.versions.set(version, entry);
  const r = await request(c, 'publish', 'PUT', 'PUT', `/${enc(pkg.name)}`, {
    body: publishBody(pkg.name, version, bytes, c.rnd() < 0.1 ? 'next' : 'latest'),
    token: pkg.owner.token,
  });
  entry.state = writeOutcome(r.status, 201, 'live');
  return r;
}

/**
 * A 4xx refused the write (nothing may remain); a 5xx or no answer leaves it undecided (it must be whole either
 * way).
 */
function writeOutcome(status, ok, okState) {
  if (status === ok) return okState;
  return typeof status === 'number' && status < 500 ? 'refused' : 'unknown';
}

/** npm unpublish <name>@<version>: read, PUT the document without it, DELETE its tarball; a 409 means read again. */
async function unpublish(c) {
  const candidates = world.locals.filter((p) => [...p.versions.values()].filter((e) => e.state === 'live').length >= 2);
  if (candidates.length === 0) return publish(c);
  const pkg = pick(c.rnd, candidates);
  const [version, entry] = pick(
    c.rnd,
    [...pkg.versions].filter(([, e]) => e.state === 'live'),
  );
  entry.state = 'unpublishing';
  const token = pkg.owner.token;
  for (let attempt = 0; attempt < 10; attempt++) {
    const read = await request(c, 'unpublish', 'GET ?write=true', 'GET', `/${enc(pkg.name)}?write=true`, { token });
    if (read.status !== 200) break;
    const doc = JSON.parse(read.body);
    if (!Object.hasOwn(doc.versions, version)) {
      world.anomalies.push(`${pkg.name}@${version}: published (201), not unpublished, missing from the document`);
      break;
    }
    const tarballUrl = new URL(doc.versions[version].dist.tarball);
    const put = await request(c, 'unpublish', 'PUT -rev', 'PUT', `/${enc(pkg.name)}/-rev/${doc._rev}`, {
      body: withoutVersion(doc, version),
      token,
    });
    if (put.status === 409) continue; // another writer was first: read again
    entry.state = writeOutcome(put.status, 200, 'unpublished');
    if (entry.state === 'refused') entry.state = 'live';
    if (put.status !== 200) return put;
    const again = await request(c, 'unpublish', 'GET ?write=true', 'GET', `/${enc(pkg.name)}?write=true`, { token });
    const rev = again.status === 200 ? JSON.parse(again.body)._rev : doc._rev;
    return request(c, 'unpublish', 'DELETE tarball -rev', 'DELETE', `${tarballUrl.pathname}/-rev/${rev}`, { token });
  }
  if (entry.state === 'unpublishing') entry.state = 'live'; // gave up: nothing was changed
}

/** What libnpmpublish sends: the document minus the version and the tags that pointed at it. */
function withoutVersion(doc, version) {
  const out = structuredClone(doc);
  delete out.versions[version];
  const latest = out['dist-tags'].latest;
  for (const [tag, v] of Object.entries(out['dist-tags'])) if (v === version) delete out['dist-tags'][tag];
  if (latest === version) out['dist-tags'].latest = Object.keys(out.versions).sort(semver.compareLoose).pop();
  delete out._revisions;
  delete out._attachments;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hostile requests: each must get a 4xx (`client`) or at least no 5xx (`any`). `write` marks those
// that must never be accepted. Those that carry a publish register their version like any other, so
// the read-back also proves nothing half-done was left.

const nest = (depth, open, close) => open.repeat(depth) + close.repeat(depth);

function hostileCatalogue() {
  const other = (c) => pick(c.rnd, world.locals);
  const fresh = (c) => `9.${c.id}.${c.seq++}`;
  // `mutate` edits the body; a `"<DEEP>"` string in it becomes a deep nesting that JSON.stringify could not write.
  const pub = (c, pkg, token, mutate = () => {}) => {
    const version = fresh(c);
    const bytes = npmTarball(pkg.name, version, c.rnd);
    const body = publishBody(pkg.name, version, bytes);
    mutate(body, version);
    const text = JSON.stringify(body).replace('"<DEEP>"', () => nest(5000, '[', ']'));
    return {
      method: 'PUT',
      path: `/${enc(pkg.name)}`,
      body: text,
      token,
      track: { pkg, version, integrity: sha512(bytes) },
    };
  };
  const m = () => world.mallory;
  return {
    // paths
    'GET /%zz': { expect: 'client', make: () => ({ method: 'GET', path: '/%zz' }) },
    'GET /@soak%2f%zz': { expect: 'client', make: () => ({ method: 'GET', path: '/@soak%2f%zz' }) },
    'GET /__proto__': { expect: 'client', make: () => ({ method: 'GET', path: '/__proto__' }) },
    'GET /constructor': { expect: 'any', make: () => ({ method: 'GET', path: '/constructor' }) },
    'GET /abbrev/__proto__': { expect: 'client', make: () => ({ method: 'GET', path: '/abbrev/__proto__' }) },
    'GET /abbrev/-/__proto__': { expect: 'client', make: () => ({ method: 'GET', path: '/abbrev/-/__proto__' }) },
    'GET /@soak/pkg-0/-/__proto__': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/@soak/pkg-0/-/__proto__' }),
    },
    'GET /<10000 chars>': { expect: 'client', make: () => ({ method: 'GET', path: `/${'a'.repeat(10_000)}` }) },
    'GET /@x/<5000 chars>': { expect: 'client', make: () => ({ method: 'GET', path: `/@x/${'b'.repeat(5000)}` }) },
    'GET /abbrev/-/<5000 chars>.tgz': {
      expect: 'client',
      make: () => ({ method: 'GET', path: `/abbrev/-/${'c'.repeat(5000)}.tgz` }),
    },
    'GET /..%2f..%2fetc%2fpasswd': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/..%2f..%2fetc%2fpasswd' }),
    },
    'GET /abbrev/../../etc/passwd': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/abbrev/../../etc/passwd' }),
    },
    'GET /abbrev%00': { expect: 'client', make: () => ({ method: 'GET', path: '/abbrev%00' }) },
    'GET /abbrev/-/..%2f..%2fx.tgz': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/abbrev/-/..%2f..%2fx.tgz' }),
    },
    'GET /abbrev/-/abbrev-99.0.0.tgz': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/abbrev/-/abbrev-99.0.0.tgz' }),
    },
    'GET /abbrev/<huge range>': {
      expect: 'any',
      make: () => ({ method: 'GET', path: `/abbrev/${encodeURIComponent('>=1.0.0 <2.0.0 || '.repeat(300))}` }),
    },
    'GET /abbrev with hostile Accept': {
      expect: 'any',
      make: () => ({
        method: 'GET',
        path: '/abbrev',
        headers: { accept: `application/vnd.npm.install-v1+json;q=NaN, ${'x/y;q=0.5, '.repeat(500)}*/*;q=` },
      }),
    },
    'GET /abbrev with huge If-None-Match': {
      expect: 'any',
      make: () => ({ method: 'GET', path: '/abbrev', headers: { 'if-none-match': '"x", W/"y", '.repeat(1000) } }),
    },
    'GET /abbrev with bad bearer': {
      expect: 'any',
      make: () => ({ method: 'GET', path: '/abbrev', token: 'x'.repeat(4000) }),
    },
    'PATCH /abbrev': { expect: 'client', make: () => ({ method: 'PATCH', path: '/abbrev', body: '{}' }) },
    // download counts and search
    'GET /downloads/range/0000-01-01:9999-12-31': {
      expect: 'any',
      make: () => ({ method: 'GET', path: '/downloads/range/0000-01-01:9999-12-31' }),
    },
    'GET /downloads/range/0000-01-01:9999-12-31/abbrev': {
      expect: 'any',
      make: () => ({ method: 'GET', path: '/downloads/range/0000-01-01:9999-12-31/abbrev' }),
    },
    'GET /downloads/point/2020-02-30:2020-13-01/abbrev': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/downloads/point/2020-02-30:2020-13-01/abbrev' }),
    },
    'GET /downloads/point/%zz': { expect: 'client', make: () => ({ method: 'GET', path: '/downloads/point/%zz' }) },
    'GET /downloads/point/last-week/__proto__,constructor': {
      expect: 'any',
      make: () => ({ method: 'GET', path: '/downloads/point/last-week/__proto__,constructor,abbrev' }),
    },
    'GET /downloads/point/last-week/<129 names>': {
      expect: 'client',
      make: () => ({
        method: 'GET',
        path: `/downloads/point/last-week/${Array.from({ length: 129 }, (_, i) => `p${i}`).join(',')}`,
      }),
    },
    'GET /downloads/range/last-week/<5000 chars>': {
      expect: 'any',
      make: () => ({ method: 'GET', path: `/downloads/range/last-week/${'d'.repeat(5000)}` }),
    },
    'GET /versions/%zz/last-week': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/versions/%zz/last-week' }),
    },
    'GET /versions/__proto__/last-week': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/versions/__proto__/last-week' }),
    },
    'GET /-/v1/search with huge text, bad paging': {
      expect: 'any',
      make: () => ({ method: 'GET', path: `/-/v1/search?text=${'word%20'.repeat(800)}&size=-5&from=1e400` }),
    },
    'GET /-/v1/search?text=%zz': { expect: 'any', make: () => ({ method: 'GET', path: '/-/v1/search?text=%zz' }) },
    // accounts
    'GET /-/whoami with a garbage token': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/-/whoami', token: 'npm_notatoken' }),
    },
    'GET /-/whoami with Basic auth': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/-/whoami', headers: { authorization: 'Basic bWFsbG9yeTpwdw==' } }),
    },
    'GET /-/user/org.couchdb.user:__proto__': {
      expect: 'client',
      make: () => ({ method: 'GET', path: '/-/user/org.couchdb.user:__proto__', token: m().token }),
    },
    'PUT /-/user/org.couchdb.user:%zz': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'PUT', path: '/-/user/org.couchdb.user:%zz', body: '{}' }),
    },
    'PUT /-/user/org.couchdb.user:__proto__': {
      expect: 'any',
      make: () => ({
        method: 'PUT',
        path: '/-/user/org.couchdb.user:__proto__',
        body: JSON.stringify({ name: '__proto__', password: 'x' }),
      }),
    },
    'PUT /-/user bad JSON': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'PUT', path: `/-/user/org.couchdb.user:${m().name}`, body: '{"name":' }),
    },
    'PUT /-/user deep nesting': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/-/user/org.couchdb.user:${m().name}`,
        body: `{"name":"${m().name}","password":${nest(20000, '[', ']')}}`,
      }),
    },
    'PUT /-/user name mismatch': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/-/user/org.couchdb.user:${world.victim.name}`,
        body: JSON.stringify(userBody({ name: m().name }, m().password)),
      }),
    },
    'PUT /-/user wrong password': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/-/user/org.couchdb.user:${world.victim.name}`,
        body: JSON.stringify(userBody(world.victim, 'guess')),
      }),
    },
    'POST /-/npm/v1/tokens bad JSON': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'POST', path: '/-/npm/v1/tokens', body: '{', token: m().token }),
    },
    'POST /-/npm/v1/tokens with a read-only token': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'POST',
        path: '/-/npm/v1/tokens',
        body: JSON.stringify({ password: world.owners[0].password, readonly: false }),
        token: world.readOnlyToken,
      }),
    },
    'POST /-/npm/v1/tokens huge cidr list': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'POST',
        path: '/-/npm/v1/tokens',
        body: JSON.stringify({ password: 'wrong', cidr_whitelist: Array(5000).fill('10.0.0.0/8') }),
        token: m().token,
      }),
    },
    'DELETE /-/user/token/%zz': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'DELETE', path: '/-/user/token/%zz', token: world.eve.token }),
    },
    'DELETE /-/npm/v1/tokens/token/%25 (a LIKE wildcard)': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'DELETE', path: '/-/npm/v1/tokens/token/%25', token: world.eve.token }),
    },
    'DELETE /-/npm/v1/tokens/token/<5000 chars>': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'DELETE', path: `/-/npm/v1/tokens/token/${'f'.repeat(5000)}`, token: world.eve.token }),
    },
    'POST /-/admin/downloads/backfill without a token': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'POST', path: '/-/admin/downloads/backfill?start=2020-01-01&days=1' }),
    },
    'POST /-/admin/users without a token': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'POST', path: '/-/admin/users', body: JSON.stringify({ name: 'eve', password: 'x' }) }),
    },
    // writes to packages
    'publish without a token': { expect: 'client', write: true, make: (c) => pub(c, other(c), undefined) },
    "publish with another user's token": { expect: 'client', write: true, make: (c) => pub(c, other(c), m().token) },
    'publish with a read-only token': {
      expect: 'client',
      write: true,
      make: (c) => pub(c, world.locals[0], world.readOnlyToken),
    },
    'publish over a mirrored name': {
      expect: 'client',
      write: true,
      make: (c) => ({ ...pub(c, { name: 'abbrev' }, m().token), track: undefined }),
    },
    'publish bad JSON': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}`,
        body: '{"name": "@soak/mallory", "versions": {',
        token: m().token,
      }),
    },
    'publish a JSON list': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'PUT', path: `/${enc(m().pkg.name)}`, body: '[1,2,3]', token: m().token }),
    },
    'publish deeply nested list': {
      expect: 'client',
      write: true,
      make: () => ({ method: 'PUT', path: `/${enc(m().pkg.name)}`, body: nest(100_000, '[', ']'), token: m().token }),
    },
    'publish deeply nested manifest': {
      expect: 'client',
      make: (c) =>
        pub(c, m().pkg, m().token, (b, v) => {
          b.versions[v].deep = '<DEEP>';
        }),
    },
    'publish integrity mismatch': {
      expect: 'client',
      make: (c) =>
        pub(c, m().pkg, m().token, (b, v) => {
          b.versions[v].dist.integrity = sha512(Buffer.from('other'));
        }),
    },
    'publish length mismatch': {
      expect: 'client',
      make: (c) =>
        pub(c, m().pkg, m().token, (b) => {
          Object.values(b._attachments)[0].length += 1;
        }),
    },
    'publish declared length over the limit': {
      expect: 'client',
      make: (c) =>
        pub(c, m().pkg, m().token, (b) => {
          Object.values(b._attachments)[0].length = 1e12;
        }),
    },
    'publish __proto__ version': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}`,
        token: m().token,
        body:
          `{"name":"${m().pkg.name}","dist-tags":{"latest":"__proto__"},` +
          `"versions":{"__proto__":{"name":"${m().pkg.name}","version":"__proto__"}},` +
          '"_attachments":{"__proto__":{"data":"eA==","length":1}}}',
      }),
    },
    'publish body over the size limit': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}`,
        token: m().token,
        body: Buffer.alloc(Math.ceil(MAX_TARBALL_BYTES / 3) * 4 + 2 * 1024 * 1024 + 10, 0x20),
      }),
    },
    "unpublish with another user's token": {
      expect: 'client',
      write: true,
      make: (c) => ({ method: 'DELETE', path: `/${enc(other(c).name)}/-rev/1-x`, token: m().token }),
    },
    'PUT -rev with a read-only token': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/${enc(world.locals[0].name)}/-rev/1-x`,
        body: '{"versions":{}}',
        token: world.readOnlyToken,
      }),
    },
    // at the current revision, so the body is what gets refused
    'PUT -rev bad JSON': {
      expect: 'client',
      write: true,
      make: async () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}/-rev/${await malloryRev()}`,
        body: '{"versions":',
        token: m().token,
      }),
    },
    'PUT -rev deeply nested': {
      expect: 'client',
      write: true,
      make: async () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}/-rev/${await malloryRev()}`,
        body: `{"versions":${nest(50_000, '[', ']')}}`,
        token: m().token,
      }),
    },
    'PUT -rev __proto__ versions': {
      expect: 'client',
      write: true,
      make: async () => ({
        method: 'PUT',
        path: `/${enc(m().pkg.name)}/-rev/${await malloryRev()}`,
        body: '{"versions":{"__proto__":{"name":"x"}},"dist-tags":{"__proto__":"1.0.0"}}',
        token: m().token,
      }),
    },
    'DELETE tarball -rev without a token': {
      expect: 'client',
      write: true,
      make: (c) => {
        const p = other(c);
        return { method: 'DELETE', path: `${tarballPath(p.name, fileOf(p.name, '1.0.0'))}/-rev/1-x` };
      },
    },
    'PUT dist-tag __proto__': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/-/package/${enc(m().pkg.name)}/dist-tags/__proto__`,
        body: '"1.0.0"',
        token: m().token,
      }),
    },
    'PUT dist-tag bad JSON': {
      expect: 'client',
      write: true,
      make: () => ({
        method: 'PUT',
        path: `/-/package/${enc(m().pkg.name)}/dist-tags/beta`,
        body: 'nope',
        token: m().token,
      }),
    },
    "PUT dist-tag with another user's token": {
      expect: 'client',
      write: true,
      make: (c) => ({
        method: 'PUT',
        path: `/-/package/${enc(other(c).name)}/dist-tags/evil`,
        body: '"1.0.0"',
        token: m().token,
      }),
    },
    'POST advisories bad JSON': {
      expect: 'any',
      make: () => ({ method: 'POST', path: '/-/npm/v1/security/advisories/bulk', body: '{' }),
    },
  };
}

let HOSTILE;

/** The current revision of mallory's package (not timed: only the hostile request after it is). */
async function malloryRev() {
  const r = await send('GET', `/${enc(world.mallory.pkg.name)}?write=true`, { token: world.mallory.token });
  return r.status === 200 ? JSON.parse(r.body)._rev : '1-x';
}

async function hostile(c) {
  const label = pick(c.rnd, Object.keys(HOSTILE));
  const h = HOSTILE[label];
  const req = await h.make(c);
  let entry;
  if (req.track) entry = { state: 'publishing', integrity: req.track.integrity };
  req.track.pkg.versions.set(req.track.version, entry);
  const r = await request(c, 'hostile', label, req.method, req.path, req);
  if (entry) entry.state = writeOutcome(r.status, 201, 'live');
  if (h.write && typeof r.status === 'number' && r.status < 300) world.breaches.push(`${label}: ${r.status}`);
  return r;
}

/** Not in the default mix: `SOAK_MIX='{"ping":1}'` shows what load alone does to a request that does nothing. */
const ping = (c) => request(c, 'ping', 'GET /-/ping', 'GET', '/-/ping');
const OPS = { ping, 'cache-hit': cacheHit, 'cold-miss': coldMiss, tarball, login, publish, unpublish, hostile };

// ---------------------------------------------------------------------------------------------
// Set-up: fixtures warmed into the cache, accounts, and the local packages with a first version.

let upstream;
async function upstreamControl(method, what, body) {
  const res = await fetch(`${upstream.url}__control/${what}`, { method, body });
  if (!res.ok) throw new Error(`fake upstream control ${method} ${what}: ${res.status}`);
  return res.json();
}

/** Fixture tarballs on disk: `<scope>/<name>/-/<file>` or `<name>/-/<file>`. */
function fixtureTarballs() {
  const out = [];
  for (const f of readdirSync(LOCAL_FIXTURES, { recursive: true })) {
    const parts = String(f).split(sep);
    if (!String(f).endsWith('.tgz') || parts.at(-2) !== '-') continue;
    const nameParts = parts.slice(0, -2);
    const name = nameParts.length === 2 ? `@${nameParts[0]}/${nameParts[1]}` : nameParts[0];
    const file = parts.at(-1);
    const version = file.slice(nameParts.at(-1).length + 1, -'.tgz'.length);
    out.push({ name, file, version, integrity: sha512(readFileSync(join(LOCAL_FIXTURES, String(f)))) });
  }
  return out;
}

async function warmFixtures(c) {
  const { names } = await upstreamControl('GET', 'fixtures');
  for (const name of names) {
    const full = await request(c, 'setup', 'GET full', 'GET', `/${name}`, { headers: { accept: 'application/json' } });
    const abbr = await request(c, 'setup', 'GET abbreviated', 'GET', `/${name}`, { headers: { accept: CORGI } });
    if (full.status !== 200 || abbr.status !== 200)
      throw new Error(`warm-up of ${name}: ${full.status}/${abbr.status}`);
    world.cached.push({
      name,
      versions: Object.keys(JSON.parse(full.body).versions),
      etags: { full: full.headers.etag, abbreviated: abbr.headers.etag },
    });
  }
  for (const t of fixtureTarballs()) {
    const r = await getTarball(c, 'setup', 'GET tarball', t.name, t.version, t.file, t.integrity);
    if (r.status !== 200) throw new Error(`warm-up of ${t.name}/-/${t.file}: ${r.status} ${r.body}`);
    world.mirrored.push(t);
  }
}

async function signup(c, name) {
  const u = { name, password: `pw-${name}-${SEED}` };
  const r = await request(c, 'setup', 'signup', 'PUT', `/-/user/org.couchdb.user:${name}`, {
    body: { ...userBody(u), email: `${name}@soak.test` },
  });
  if (r.status !== 201) throw new Error(`sign-up of ${name}: ${r.status} ${r.body}`);
  return { ...u, token: JSON.parse(r.body).token };
}

/** `name` owned by `owner`, with 1.0.0 published. */
async function localPackage(c, name, owner) {
  const pkg = { name, owner, next: 0, versions: new Map() };
  const r = await publish(c, pkg);
  if (r.status !== 201) throw new Error(`first publish of ${name}: ${r.status} ${r.body}`);
  return pkg;
}

async function setUp(c) {
  await warmFixtures(c);
  for (let i = 0; i < OWNERS; i++) world.owners.push(await signup(c, `owner-${i}`));
  for (let i = 0; i < LOGIN_ACCOUNTS; i++) world.logins.push(await signup(c, `user-${i}`));
  world.victim = await signup(c, 'victim');
  world.eve = await signup(c, 'eve');
  world.mallory = await signup(c, 'mallory');
  const ro = await request(c, 'setup', 'token create', 'POST', '/-/npm/v1/tokens', {
    body: { password: world.owners[0].password, readonly: true, cidr_whitelist: [] },
    token: world.owners[0].token,
  });
  if (ro.status !== 201) throw new Error(`read-only token: ${ro.status} ${ro.body}`);
  world.readOnlyToken = JSON.parse(ro.body).token;
  for (const [i, owner] of world.owners.entries()) {
    world.locals.push(await localPackage(c, `@soak/pkg-${i}`, owner));
    world.locals.push(await localPackage(c, `soak-local-${i}`, owner)); // unscoped: the upstream is asked first
  }
  world.mallory.pkg = await localPackage(c, '@soak/mallory', world.mallory);
}

// ---------------------------------------------------------------------------------------------
// The phases.

async function sequential(n, label, fn) {
  const c = client(-1, new Stats());
  for (let i = 0; i < n; i++) await fn(c);
  const ms = [...c.stats.classes.values()].flatMap((x) => x.ms);
  const bad = c.stats.failures();
  if (bad.length) throw new Error(`${label}: ${JSON.stringify(bad)}`);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), stats: c.stats };
}

async function load() {
  const stats = new Stats();
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  const cpu0 = cpuSeconds();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, id) => {
      const c = client(id, stats);
      // Clients that pause start spread over one pause, not all in the same millisecond.
      if (THINK_MS > 0) await new Promise((r) => setTimeout(r, c.rnd() * THINK_MS));
      while (performance.now() < deadline && stats.count < MAX_REQUESTS) {
        await OPS[weighted(c.rnd, MIX)](c);
        if (THINK_MS > 0) await new Promise((r) => setTimeout(r, -Math.log(1 - c.rnd()) * THINK_MS));
      }
    }),
  );
  const cpu1 = cpuSeconds();
  lag.disable();
  return {
    stats,
    seconds: (performance.now() - t0) / 1000,
    cpu: { bench: cpu1.bench - cpu0.bench, workerd: cpu1.workerd - cpu0.workerd },
    lagP99: lag.percentile(99) / 1e6,
  };
}

/**
 * CPU seconds used so far by this process (clients and fake upstream) and by its child processes
 * (workerd): on 2 shared cores, whether the server or the clients were the bottleneck. Linux only.
 */
function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  let workerd = NaN;
  try {
    workerd = childCpuSeconds();
  } catch {}
  return { bench: (user + system) / 1e6, workerd };
}

/** Reads back every local package and checks each version the bench tried to write. */
async function checkWrites(c, mf, db) {
  const problems = [];
  const tally = { live: 0, unpublished: 0, refused: 0, unknown: 0 };
  for (const pkg of [...world.locals, world.mallory.pkg]) {
    const r = await request(c, 'check', 'GET packument', 'GET', `/${pkg.name}`, {
      headers: { accept: 'application/json' },
    });
    if (r.status !== 200) {
      problems.push(`${pkg.name}: packument ${r.status}`);
      continue;
    }
    const doc = JSON.parse(r.body);
    for (const [version, e] of pkg.versions) {
      tally[e.state] = (tally[e.state] ?? 0) + 1;
      const listed = Object.hasOwn(doc.versions, version);
      const file = fileOf(pkg.name, version);
      const tar = await getTarball(
        c,
        'check',
        'GET tarball',
        pkg.name,
        version,
        file,
        listed ? e.integrity : undefined,
      );
      const whole =
        listed &&
        tar.status === 200 &&
        sha512(tar.body) === e.integrity &&
        doc.versions[version].dist.integrity === e.integrity;
      const gone = !listed && tar.status === 404 && !Object.values(doc['dist-tags']).includes(version);
      const ok = { live: whole, unpublished: gone, refused: gone, unknown: whole || gone }[e.state];
      if (!ok) problems.push(`${pkg.name}@${version} (${e.state}): listed=${listed} tarball=${tar.status}`);
    }
    for (const v of Object.keys(doc.versions))
      if (!pkg.versions.has(v)) problems.push(`${pkg.name}@${v}: listed, but the bench never published it`);
  }
  problems.push(...(await orphanTarballs(mf, db)));
  return { problems, tally };
}

/** Local tarballs in R2 that no row refers to: bytes of a publish that did not land, or of an unpublished version. */
async function orphanTarballs(mf, db) {
  const bucket = await mf.getR2Bucket('TARBALLS');
  const listed = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix: 'local/', cursor });
    listed.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const rows = await db.prepare('SELECT files FROM local_packages').all();
  const kept = new Set(rows.results.flatMap((r) => Object.values(JSON.parse(r.files)).map((f) => f.key)));
  return listed.filter((k) => !kept.has(k)).map((k) => `R2 object ${k}: no published version refers to it`);
}

/**
 * Waits until the queue consumer has counted every download (or the counts stop moving), then compares per
 * name@version.
 */
async function checkDownloads(db) {
  const want = [...world.downloads.values()].reduce((a, b) => a + b, 0);
  const started = performance.now();
  let got = -1;
  let lastChange = performance.now();
  while (performance.now() - started < 120_000) {
    const n = (await db.prepare('SELECT COALESCE(SUM(downloads), 0) AS n FROM dl_traffic').first()).n;
    if (n !== got) [got, lastChange] = [n, performance.now()];
    if (got >= want && performance.now() - lastChange > 3000) break; // settled at (or past) the target
    if (performance.now() - lastChange > 20_000) break; // nothing more is coming
    await new Promise((r) => setTimeout(r, 500));
  }
  const rows = await db
    .prepare('SELECT name, version, SUM(downloads) AS n FROM dl_traffic GROUP BY name, version')
    .all();
  const counted = new Map(rows.results.map((r) => [`${r.name}@${r.version}`, r.n]));
  const problems = [];
  for (const key of new Set([...world.downloads.keys(), ...counted.keys()])) {
    const [a, b] = [world.downloads.get(key) ?? 0, counted.get(key) ?? 0];
    if (a !== b) problems.push(`${key}: ${a} downloads served, ${b} counted`);
  }
  return { want, got, problems, waited: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Report.

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const statusList = (m) =>
  [...m]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');

function printClasses(stats) {
  console.log(
    `${'class'.padEnd(12)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  answers`,
  );
  for (const cls of Object.keys(OPS)) {
    const c = stats.classes.get(cls);
    if (!c) continue;
    console.log(
      `${cls.padEnd(12)} ${String(c.ms.length).padStart(8)} ` +
        `${fmt(percentile(c.ms, 50)).padStart(8)} ${fmt(percentile(c.ms, 99)).padStart(8)}  ` +
        `${statusList(stats.statuses(cls))}`,
    );
    if ((cls !== 'hostile' || VERBOSE) && c.labels.size > 1)
      for (const [label, l] of c.labels) console.log(`${''.padEnd(14)}${label}: ${statusList(l)}`);
  }
}

/** Answers outside a class's expected set (hostile: outside its own expectation), for the reader. */
function unexpected(stats) {
  const out = [];
  for (const [cls, c] of stats.classes) {
    for (const [label, l] of c.labels) {
      for (const [s, n] of l) {
        const fine =
          cls === 'hostile'
            ? typeof s === 'number' && (HOSTILE[label].expect === 'client' ? s >= 400 && s < 500 : s < 500)
            : (EXPECTED[cls] ?? []).includes(s) ||
              (s === 404 && ['GET unknown name', 'GET local, being unpublished'].includes(label));
        if (!fine) out.push(`${cls} / ${label}: ${s}×${n}`);
      }
    }
  }
  return out;
}

function target(ok, what) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  return ok;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  upstream = await startFakeUpstream({ roots: [LOCAL_FIXTURES] });
  const worker = await startWorker(
    'soak',
    {
      UPSTREAM_URL: upstream.url,
      UPSTREAM_TIMEOUT: '10',
      ALLOW_SIGNUP: 'true',
      LOCAL_SCOPES: '@soak',
      MAX_TARBALL_BYTES: String(MAX_TARBALL_BYTES),
    },
    undefined,
    {
      host: '127.0.0.1',
      port: 0,
      queueProducers: { DOWNLOAD_EVENTS: { queueName: 'registry-download-events' } },
      queueConsumers: { 'registry-download-events': { maxBatchSize: 100, maxBatchTimeout: 1 } },
      ratelimits: { LOGIN_LIMITER: { simple: { limit: 10, period: 60 } } },
    },
  );
  cleanup.push(() => worker.close());
  server = { port: Number(worker.url.port) };
  HOSTILE = hostileCatalogue();
  console.log(
    `soak: ${CLIENTS} clients × ${SECONDS} s${THINK_MS ? ` (mean pause ${THINK_MS} ms)` : ''}, seed ${SEED}; ` +
      `the bundled Worker on workerd at ${worker.url.origin}, fake upstream at ${upstream.url}`,
  );

  const setup = client(-2, new Stats());
  await setUp(setup);
  console.log(
    `set-up: ${world.cached.length} fixture packuments and ${world.mirrored.length} tarballs cached, ` +
      `${world.owners.length + world.logins.length + 3} accounts, ${world.locals.length + 1} local packages`,
  );

  const ping = await sequential(UNLOADED_SAMPLES, 'ping', (c) => request(c, 'ping', 'GET /-/ping', 'GET', '/-/ping'));
  console.log(`baseline GET /-/ping, ${UNLOADED_SAMPLES} sequential: p50 ${fmt(ping.p50)} ms, p99 ${fmt(ping.p99)} ms`);
  const idle = await sequential(UNLOADED_SAMPLES, 'unloaded cache hits', cacheHit);
  console.log(`cache hits unloaded, ${UNLOADED_SAMPLES} sequential: p50 ${fmt(idle.p50)} ms, p99 ${fmt(idle.p99)} ms`);

  const { stats, seconds, cpu, lagP99 } = await load();
  console.log(
    `\nload: ${stats.count} requests in ${seconds.toFixed(1)} s = ${Math.round(stats.count / seconds)} req/s`,
  );
  console.log(
    `CPU during the load: workerd ${Math.round((100 * cpu.workerd) / seconds)}% of a core, ` +
      `bench clients and fake upstream ${Math.round((100 * cpu.bench) / seconds)}% ` +
      `(its event-loop delay p99 ${fmt(lagP99)} ms, which every latency below includes)`,
  );
  console.log(`${resent} requests sent again after workerd closed the kept-alive connection they went out on`);
  printClasses(stats);
  const odd = unexpected(stats);
  if (odd.length) console.log(`\nunexpected answers (not failures unless 5xx):\n  ${odd.join('\n  ')}`);

  const check = client(-3, new Stats());
  const writes = await checkWrites(check, worker.mf, worker.db);
  const downloads = await checkDownloads(worker.db);
  const t = writes.tally;
  console.log(
    `\nread-back: ${t.live} versions live, ${t.unpublished} unpublished, ${t.refused} refused, ` +
      `${t.unknown} undecided (5xx or no answer), checked through HTTP`,
  );
  console.log(
    `downloads: ${downloads.want} tarball 200s made, ${downloads.got} counted in D1 ` +
      `(settled after ${downloads.waited.toFixed(1)} s)`,
  );

  const failures = [...stats.failures(), ...check.stats.failures()];
  const loadedP99 = percentile(stats.classes.get('cache-hit')?.ms ?? [], 99);
  const ratio = loadedP99 / idle.p99;
  const lost = [...writes.problems, ...downloads.problems, ...world.anomalies];
  console.log('');
  const results = [
    target(failures.length === 0, `0 5xx (and no dropped connections): ${failures.reduce((a, f) => a + f[3], 0)}`),
    target(lost.length === 0, `0 lost or half-done writes, every download counted once: ${lost.length} problems`),
    target(
      ratio <= 5,
      `cache-hit p99 under load within 5× unloaded: ${fmt(loadedP99)} ms / ` +
        `${fmt(idle.p99)} ms = ${ratio.toFixed(1)}×`,
    ),
    target(world.breaches.length === 0, `no hostile write accepted: ${world.breaches.length}`),
  ];
  for (const [cls, label, s, n] of failures) console.log(`  5xx/no answer: ${cls} / ${label}: ${s}×${n}`);
  for (const p of lost.slice(0, 40)) console.log(`  ${p}`);
  if (lost.length > 40) console.log(`  … and ${lost.length - 40} more`);
  for (const b of world.breaches.slice(0, 20)) console.log(`  accepted: ${b}`);
  return results.every(Boolean);
}

const cleanup = [];
async function cleanUp() {
  agent.destroy();
  freshAgent.destroy();
  for (const f of cleanup.splice(0).reverse()) await f().catch((e) => console.error(`cleanup: ${e.message}`));
  await upstream?.close();
}
/** Stops at once, after cleaning up (and a moment for Miniflare's own removal of its temp folder). */
async function abort(code) {
  await cleanUp();
  setTimeout(() => process.exit(code), 500);
}
const watchdog = setTimeout(() => {
  console.error(`soak: still running after ${WATCHDOG_MS / 1000} s; giving up`);
  void abort(2);
}, WATCHDOG_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void abort(130));

// No process.exit here: Miniflare removes its own temp folder after dispose() without waiting.
process.exitCode = 1;
try {
  if (await main()) process.exitCode = 0;
} catch (e) {
  console.error(e);
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
