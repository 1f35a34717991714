// Edge figures (issue 11, point 5), side by side in one run on standalone workerd: the Worker as
// `wrangler deploy --dry-run` bundles it, on Miniflare over real HTTP, behind a generated wrapper module
// that counts (and can delay) every binding call. Prints, per request class, the binding operations and
// workerd CPU per request; then req/s and CPU per request of cache-hit express-sized documents next to
// a hello-world Worker on the same workerd that answers a constant body of the same size.
// EDGE_REQUESTS (200 per hit class), EDGE_ROUNDS (3) × EDGE_SECONDS (2) per throughput case, EDGE_CLIENTS (16),
// EDGE_LATENCY (JSON, e.g. {"D1":80,"KV":8,"R2":25,"Queue":10,"Cache":1}: ms added to each call),
// EDGE_FRONT_LINE=1 (let Miniflare compress answers the Worker sent uncompressed, see WRAPPER).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { join, sep } from 'node:path';
import { startFakeUpstream } from '../test/support/fake-upstream.mjs';
import { fixtureRoots } from '../test/support/fixtures.mjs';
import { here, startWorker } from './worker-harness.mjs';
import { childCpuSeconds, runBench } from './proc.mjs';

const N_HIT = Number(process.env.EDGE_REQUESTS ?? 200);
const N_COLD = 20;
const ROUNDS = Number(process.env.EDGE_ROUNDS ?? 3);
const SECONDS = Number(process.env.EDGE_SECONDS ?? 2);
const CLIENTS = Number(process.env.EDGE_CLIENTS ?? 16);
const LATENCY = process.env.EDGE_LATENCY ?? '{}';
const FRONT_LINE = process.env.EDGE_FRONT_LINE === '1';
const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const FULL = 'application/json';
// What npm sends; bodies are counted as they come over the wire, never decoded.
const ENCODINGS = 'gzip, deflate';
const HELLO_HOST = 'hello.test';
const OUT = join(here, '.out', 'edge');
const KINDS = ['D1', 'KV', 'R2', 'Queue', 'Cache'];

// ---------------------------------------------------------------------------------------------
// The wrapper module workerd loads first. It hands the bundled Worker an env whose bindings count
// each call into the bucket of the invocation that made it (found through AsyncLocalStorage, as the
// Cache API is a global): `answer` before the fetch handler returned its Response, `after` once it
// had (waitUntil work), `queue` and `scheduled` for those handlers. With BENCH_LATENCY each call
// first waits that many ms. GET /__bench/ops waits for all waitUntil work, then returns the counts
// (and zeroes them with ?reset=1).
// Miniflare's entry worker stands in for Cloudflare's front line: it marks a JSON answer the Worker sent
// uncompressed `Content-Encoding: gzip`, and workerd then compresses it, CPU that would land in these
// figures although on Cloudflare it is not the Worker's. Unless BENCH_FRONT_LINE is "1", such answers
// are marked `Content-Encoding: identity`, which it leaves alone; the Worker's own encodings are counted.
// A request with x-bench-unwrapped goes straight to the Worker with its own bindings: the throughput
// cases, so that their CPU is the Worker's as deployed and not the counting's (hits make no binding call).

const WRAPPER = `
import { AsyncLocalStorage } from 'node:async_hooks';
import worker from '../worker/index.js';

const als = new AsyncLocalStorage();
let counts = {};
const pending = new Set();
let latency;

function count(key, n = 1) {
  const rec = als.getStore();
  const bucket = !rec ? 'other' : rec.kind !== 'fetch' ? rec.kind : rec.answered ? 'after' : 'answer';
  const b = (counts[bucket] ??= {});
  b[key] = (b[key] ?? 0) + n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Counts the call, waits the modeled latency of its kind, then makes it. */
function call(kind, method, fn) {
  count(kind + '.' + method);
  const ms = latency?.[kind] ?? 0;
  return ms > 0 ? sleep(ms).then(fn) : fn();
}

/** KV, R2, Queue and Cache objects: every method call is one operation. */
function wrapCalls(target, kind) {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      return (...args) => {
        if (prop === 'send' || prop === 'sendBatch')
          count('Queue.messages', prop === 'send' ? 1 : (args[0]?.length ?? 0));
        return call(kind, String(prop), () => v.apply(t, args));
      };
    },
  });
}

// D1: prepare and bind only build statements; first/run/all/raw, batch and exec each go to the database.
const realStatement = new WeakMap();
function wrapStatement(stmt) {
  const w = new Proxy(stmt, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      if (prop === 'bind') return (...args) => wrapStatement(v.apply(t, args));
      return (...args) => call('D1', String(prop), () => v.apply(t, args));
    },
  });
  realStatement.set(w, stmt);
  return w;
}
function wrapD1(db) {
  return new Proxy(db, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      if (prop === 'prepare') return (sql) => wrapStatement(v.call(t, sql));
      if (prop === 'withSession') return (...args) => wrapD1(v.apply(t, args));
      if (prop === 'batch')
        return (stmts) => {
          count('D1.statements', stmts.length);
          return call('D1', 'batch', () => v.call(t, stmts.map((s) => realStatement.get(s) ?? s)));
        };
      if (prop === 'exec') return (sql) => call('D1', 'exec', () => v.call(t, sql));
      return v.bind(t);
    },
  });
}

const KIND = { DB: 'D1', METADATA: 'KV', TARBALLS: 'R2', AGGREGATES: 'R2', DOWNLOAD_EVENTS: 'Queue' };
const wrappedEnvs = new WeakMap();
function wrapEnv(env) {
  let w = wrappedEnvs.get(env);
  if (!w) {
    latency ??= JSON.parse(env.BENCH_LATENCY || '{}');
    w = { ...env };
    for (const [name, kind] of Object.entries(KIND))
      if (env[name]) w[name] = kind === 'D1' ? wrapD1(env[name]) : wrapCalls(env[name], kind);
    wrappedEnvs.set(env, w);
  }
  return w;
}

// The Cache API is a global: replaced by one that counts, before the Worker makes any request.
const realCaches = globalThis.caches;
if (realCaches) {
  let defaultCache;
  const counted = {
    get default() {
      defaultCache ??= wrapCalls(realCaches.default, 'Cache');
      return defaultCache;
    },
    open: (name) => call('Cache', 'open', () => realCaches.open(name)).then((c) => wrapCalls(c, 'Cache')),
  };
  Object.defineProperty(globalThis, 'caches', { value: counted, configurable: true, writable: true });
}

async function opsRoute(url) {
  while (pending.size) await Promise.allSettled([...pending]);
  const body = JSON.stringify(counts);
  if (url.searchParams.get('reset') === '1') counts = {};
  return new Response(body, { headers: { 'content-type': 'application/json' } });
}

export default {
  async fetch(req, env, ctx) {
    const url = new URL(req.url);
    if (url.pathname === '/__bench/ops') return opsRoute(url);
    // The throughput cases: the Worker as deployed, nothing counted (hits make no binding call anyway).
    if (req.headers.has('x-bench-unwrapped')) return worker.fetch(req, env, ctx);
    const rec = { kind: 'fetch', answered: false };
    const exec = {
      waitUntil(p) {
        const tracked = Promise.resolve(p).finally(() => pending.delete(tracked));
        pending.add(tracked);
        ctx.waitUntil(tracked);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      get props() {
        return ctx.props;
      },
    };
    const res = await als.run(rec, async () => {
      try {
        return await worker.fetch(req, wrapEnv(env), exec);
      } finally {
        rec.answered = true;
      }
    });
    const encoding = res.headers.get('content-encoding') ?? 'none';
    const sent = (counts.encoding ??= {});
    sent[encoding] = (sent[encoding] ?? 0) + 1;
    if (encoding !== 'none' || !res.body || env.BENCH_FRONT_LINE === '1') return res;
    const marked = new Response(res.body, res);
    marked.headers.set('content-encoding', 'identity');
    return marked;
  },
  queue(batch, env, ctx) {
    return als.run({ kind: 'queue' }, () => worker.queue(batch, wrapEnv(env), ctx));
  },
  scheduled(controller, env, ctx) {
    return als.run({ kind: 'scheduled' }, () => worker.scheduled(controller, wrapEnv(env), ctx));
  },
};
`;

// The runtime's ceiling: a constant body of /<bytes> bytes, with an ETag, and its 304. Not a JSON type,
// so Miniflare never compresses it: its size is the size on the wire.
const HELLO = `
const bodies = new Map();
export default {
  fetch(req) {
    const n = Number(new URL(req.url).pathname.slice(1)) || 0;
    const etag = '"hello-' + n + '"';
    const headers = { 'content-type': 'application/octet-stream', etag };
    if (req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
    let body = bodies.get(n);
    if (!body) {
      body = new Uint8Array(n).fill(0x61);
      bodies.set(n, body);
    }
    return new Response(body, { headers });
  },
};
`;

// ---------------------------------------------------------------------------------------------
// HTTP: node:http with keep-alive; bodies are counted and dropped.

let port;
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

/** One GET; resolves with { status, headers, bytes, body } (body kept only when asked). */
function get(path, headers = {}, { host, keep = false } = {}) {
  return new Promise((resolve, reject) => {
    const h = { 'accept-encoding': ENCODINGS, ...headers, ...(host ? { host } : {}) };
    const req = http.request({ host: '127.0.0.1', port, path, headers: h, agent }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, bytes, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function expect(status, path, headers, opts) {
  const r = await get(path, headers, opts);
  if (r.status !== status) throw new Error(`GET ${path}: ${r.status}, expected ${status}`);
  return r;
}

/** Every count taken, per bucket and key, over the run. */
const totals = {};

/** Binding calls per bucket since the last call (all waitUntil work settled first), then zeroed. */
async function takeOps() {
  const ops = JSON.parse(
    (await expect(200, '/__bench/ops?reset=1', { 'accept-encoding': 'identity' }, { keep: true })).body,
  );
  for (const [bucket, keys] of Object.entries(ops)) {
    totals[bucket] ??= {};
    addCounts(totals[bucket], keys);
  }
  return ops;
}

function addCounts(into, from = {}) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/**
 * CPU seconds used so far by this process (bench clients and fake upstream) and by its child processes
 * (workerd, which also runs Miniflare's local D1/KV/R2), as bench/soak.mjs reads them. Linux only.
 */
function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  let workerd = Number.NaN;
  try {
    workerd = childCpuSeconds();
  } catch {}
  // The whole machine's busy time, so that CPU taken by anything else (a test run) shows.
  let busy = Number.NaN;
  try {
    const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1, 9).map(Number);
    busy = (t.reduce((a, b) => a + b, 0) - t[3] - t[4]) / 100; // minus idle and iowait
  } catch {}
  return { bench: (user + system) / 1e6, workerd, others: busy - workerd - (user + system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------
// Fixtures: express (or the document closest to its 277 KiB abbreviated size), the unscoped documents
// closest to its size for the cold misses, and a mirrored tarball near 50 KiB.

function chooseFixtures(roots) {
  const docs = new Map(); // name -> { full, min, path }
  const tarballs = []; // { name, file, size }
  for (const root of roots)
    for (const f of readdirSync(root, { recursive: true })) {
      const rel = String(f).split(sep).join('/');
      const tgz = /^([^@][^/]*)\/-\/([^/]+\.tgz)$/.exec(rel);
      if (tgz) tarballs.push({ name: tgz[1], file: tgz[2], size: statSync(join(root, f)).size });
      const doc = /^([^/]+)\.json$/.exec(rel); // unscoped only: plain paths
      if (!doc || rel.endsWith('.min.json') || docs.has(doc[1])) continue;
      const min = join(root, `${doc[1]}.min.json`);
      let minSize;
      try {
        minSize = statSync(min).size;
      } catch {
        continue;
      }
      docs.set(doc[1], { full: statSync(join(root, f)).size, min: minSize, path: join(root, f) });
    }
  const near = (size, of) => (a, b) => Math.abs(of(a) - size) - Math.abs(of(b) - size);
  const express = docs.has('express') ? 'express' : [...docs.keys()].sort(near(277 * 1024, (n) => docs.get(n).min))[0];
  const doc = JSON.parse(readFileSync(docs.get(express).path, 'utf8'));
  const tarball = tarballs
    .filter((t) => t.name !== express && docs.has(t.name))
    .sort(near(50 * 1024, (t) => t.size))
    .find((t) => {
      const versions = JSON.parse(readFileSync(docs.get(t.name).path, 'utf8')).versions ?? {};
      return Object.values(versions).some((v) => v.dist?.tarball?.endsWith(`/-/${t.file}`));
    });
  const cold = [...docs.keys()]
    .filter((n) => n !== express && n !== tarball?.name)
    .sort(near(docs.get(express).full, (n) => docs.get(n).full))
    .slice(0, N_COLD + 1);
  return { express, latest: doc['dist-tags'].latest, tarball, cold, docs };
}

// ---------------------------------------------------------------------------------------------
// Binding operations and CPU per request class, sequential requests after warming.

const reads = (b = {}) => (b['KV.get'] ?? 0) + (b['KV.getWithMetadata'] ?? 0);
const ofKind = (b = {}, kind) =>
  Object.entries(b)
    .filter(([k]) => k.startsWith(`${kind}.`) && k !== 'D1.statements' && k !== 'Queue.messages')
    .reduce((sum, [, v]) => sum + v, 0);

async function measureClass(label, n, send, budget) {
  await takeOps();
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await send(i);
  const ms = (performance.now() - t0) / n;
  const ops = await takeOps(); // waits for the waitUntil work, whose CPU counts too
  const c1 = cpuSeconds();
  return { label, n, ms, cpu: ((c1.workerd - c0.workerd) * 1000) / n, ops, budget };
}

const num = (x) => (x === 0 ? '0' : Number.isInteger(x) ? String(x) : x < 0.1 ? x.toFixed(3) : x.toFixed(2));

function printClasses(rows) {
  console.log(
    `${'class'.padEnd(28)}${'n'.padStart(5)}${KINDS.map((k) => k.padStart(8)).join('')}` +
      `${'CPU ms/req'.padStart(12)}${'wall ms/req'.padStart(13)}  issue 11 on a hit`,
  );
  for (const r of rows) {
    const cells = KINDS.map((k) => {
      const a = ofKind(r.ops.answer, k) / r.n;
      const b = ofKind(r.ops.after, k) / r.n;
      return (num(a) + (b ? `+${num(b)}` : '')).padStart(8);
    });
    const verdict = r.budget ? r.budget(r.ops, r.n) : '';
    console.log(
      `${r.label.padEnd(28)}${String(r.n).padStart(5)}${cells.join('')}` +
        `${r.cpu.toFixed(2).padStart(12)}${r.ms.toFixed(2).padStart(13)}  ${verdict}`,
    );
  }
  console.log(
    '(operations per request: made before the handler returned its Response + made after, in waitUntil work; ' +
      "CPU: the workerd process, which also runs Miniflare's entry worker and its local D1/KV/R2/Queue)",
  );
  for (const r of rows) {
    const list = (b = {}) =>
      Object.entries(b)
        .sort()
        .map(([k, v]) => `${k} ${num(v / r.n)}`)
        .join(', ') || 'none';
    console.log(`  ${r.label}: before ${list(r.ops.answer)}; after ${list(r.ops.after)}`);
  }
}

/** Issue 11's "no central round trip on a hit": checked from the counts, before the answer and in all. */
function hitBudget({ kvReads = Infinity, queuePer = 0 } = {}) {
  return (ops, n) => {
    const fails = [];
    const d1 = ofKind(ops.answer, 'D1') + ofKind(ops.after, 'D1');
    if (d1) fails.push(`${num(d1 / n)} D1`);
    if (ofKind(ops.answer, 'Queue')) fails.push(`${num(ofKind(ops.answer, 'Queue') / n)} Queue before answering`);
    const queue = (ofKind(ops.answer, 'Queue') + ofKind(ops.after, 'Queue')) / n;
    if (queue > queuePer) fails.push(`${num(queue)} Queue ops (≤ ${queuePer})`);
    if (reads(ops.answer) / n > kvReads) fails.push(`${num(reads(ops.answer) / n)} KV reads (≤ ${kvReads})`);
    return fails.length ? `FAIL ${fails.join(', ')}` : 'PASS';
  };
}

// ---------------------------------------------------------------------------------------------
// Throughput: CLIENTS keep-alive clients in a closed loop, half a second of warm-up, then SECONDS measured;
// every case once per round, ROUNDS rounds, so that drift on this shared machine spreads over all cases
// (large bodies move ±50% between runs here) and each ratio compares neighbours in time.

async function blast({ label, path, headers, status, host }) {
  const loop = async (until, tally) => {
    while (performance.now() < until) {
      const r = await get(path, headers, { host });
      if (r.status !== status) throw new Error(`${label}: GET ${path} answered ${r.status}, expected ${status}`);
      tally.n++;
      tally.bytes += r.bytes;
    }
  };
  const clients = (seconds, tally) => {
    const until = performance.now() + seconds * 1000;
    return Promise.all(Array.from({ length: CLIENTS }, () => loop(until, tally)));
  };
  await clients(0.5, { n: 0, bytes: 0 });
  const tally = { n: 0, bytes: 0 };
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await clients(SECONDS, tally);
  const secs = (performance.now() - t0) / 1000;
  const c1 = cpuSeconds();
  return {
    label,
    rps: tally.n / secs,
    mbps: tally.bytes / secs / 1e6,
    cpu: ((c1.workerd - c0.workerd) * 1000) / tally.n,
    workerd: (c1.workerd - c0.workerd) / secs,
    bench: (c1.bench - c0.bench) / secs,
    others: (c1.others - c0.others) / secs,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One line per case: medians over the rounds, and the range of req/s. */
function printThroughput(runs) {
  console.log(
    `${'case'.padEnd(36)}${'req/s'.padStart(7)}${'(range)'.padStart(12)}${'MB/s'.padStart(6)}` +
      `${'CPU ms/req'.padStart(12)}${'workerd'.padStart(9)}${'bench'.padStart(7)}${'others'.padStart(8)}`,
  );
  const pct = (x) => `${Math.round(x * 100)}%`;
  for (const rounds of runs) {
    const m = (k) => median(rounds.map((r) => r[k]));
    const rps = rounds.map((r) => r.rps);
    const range = `${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}`;
    console.log(
      `${rounds[0].label.padEnd(36)}${String(Math.round(m('rps'))).padStart(7)}${range.padStart(12)}` +
        `${m('mbps').toFixed(0).padStart(6)}${m('cpu').toFixed(3).padStart(12)}${pct(m('workerd')).padStart(9)}` +
        `${pct(m('bench')).padStart(7)}${pct(m('others')).padStart(8)}`,
    );
  }
  console.log(
    `(CPU as % of one core, of ${availableParallelism()}: workerd; bench: this process, clients and fake ` +
      'upstream; others: the rest of the machine, which should be near 0)',
  );
}

const target = (ok, what) => console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
const kib = (n) => `${Math.round(n / 1024)} KiB`;

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  const roots = fixtureRoots();
  const fx = chooseFixtures(roots);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'wrapper.mjs'), WRAPPER);
  writeFileSync(join(OUT, 'hello.mjs'), HELLO);
  const upstream = await startFakeUpstream({ roots });
  cleanup.push(() => upstream.close());
  const worker = await startWorker(
    'edge',
    {
      UPSTREAM_URL: upstream.url,
      UPSTREAM_TIMEOUT: '10',
      BENCH_LATENCY: LATENCY,
      BENCH_FRONT_LINE: FRONT_LINE ? '1' : '',
    },
    undefined,
    {
      host: '127.0.0.1',
      port: 0,
      modulesRoot: join(here, '.out'),
      modules: [
        { type: 'ESModule', path: join(OUT, 'wrapper.mjs') },
        { type: 'ESModule', path: join(here, '.out', 'worker', 'index.js') },
      ],
      // As in wrangler.toml.
      queueProducers: { DOWNLOAD_EVENTS: { queueName: 'registry-download-events' } },
      queueConsumers: { 'registry-download-events': { maxBatchSize: 100, maxBatchTimeout: 5 } },
      ratelimits: { LOGIN_LIMITER: { simple: { limit: 10, period: 60 } } },
      workers: [
        {
          name: 'hello',
          modules: true,
          scriptPath: join(OUT, 'hello.mjs'),
          compatibilityDate: '2026-04-01',
          routes: [`${HELLO_HOST}/*`],
        },
      ],
    },
  );
  cleanup.push(() => worker.close());
  port = Number(worker.url.port);
  const exp = `/${fx.express}`;
  const size = fx.docs.get(fx.express);
  const delayed = LATENCY === '{}' ? '' : `, delayed ${LATENCY} ms`;
  console.log(
    `edge: the bundled Worker (wrapped: every binding call counted${delayed}) ` +
      `and a hello-world Worker on one workerd at ${worker.url.origin}, fake upstream at ${upstream.url}`,
  );
  console.log(
    `documents: ${fx.express} (upstream ${kib(size.full)} full, ${kib(size.min)} abbreviated as captured); ` +
      `cold misses: ${N_COLD} other packuments of ${kib(fx.docs.get(fx.cold.at(-1)).full)}–` +
      `${kib(fx.docs.get(fx.cold[0]).full)}; tarball: ${fx.tarball.name}/-/${fx.tarball.file} ` +
      `(${kib(fx.tarball.size)})`,
  );

  // Warm: the documents cached, the tarball mirrored into R2, every code path run once.
  await expect(200, exp, { accept: ABBREVIATED });
  await expect(200, exp, { accept: FULL });
  await expect(200, `/${fx.tarball.name}`, { accept: FULL });
  const tarPath = `/${fx.tarball.name}/-/${fx.tarball.file}`;
  await expect(200, tarPath);
  let downloads = 1;
  await takeOps();
  const abbr = await expect(200, exp, { accept: ABBREVIATED });
  const full = await expect(200, exp, { accept: FULL });
  const abbrBytes = abbr.bytes;
  const fullBytes = full.bytes;
  const own = Object.entries((await takeOps()).encoding ?? {}).map(([e, n]) => `${e}×${n}`);
  const enc = (r) => r.headers['content-encoding'] ?? 'none';
  console.log(
    `served with Accept-Encoding: ${ENCODINGS}: abbreviated ${kib(abbrBytes)} (${enc(abbr)}), ` +
      `full ${kib(fullBytes)} (${enc(full)}) on the wire; Content-Encoding the Worker set: ${own.join(' ')}` +
      `${FRONT_LINE ? ' (then Miniflare compressed what it could)' : ''}\n`,
  );

  const warm = async (n, send) => {
    for (let i = 0; i < n; i++) await send(i);
  };
  const classes = [
    ['abbreviated hit', () => expect(200, exp, { accept: ABBREVIATED }), hitBudget({ kvReads: 1 })],
    ['full hit', () => expect(200, exp, { accept: FULL }), hitBudget({ kvReads: 1 })],
    [
      '304 abbreviated',
      () => expect(304, exp, { accept: ABBREVIATED, 'if-none-match': abbr.headers.etag }),
      hitBudget({ kvReads: 1 }),
    ],
    [
      '304 full',
      () => expect(304, exp, { accept: FULL, 'if-none-match': full.headers.etag }),
      hitBudget({ kvReads: 1 }),
    ],
    [`manifest hit (${fx.latest})`, () => expect(200, `${exp}/${fx.latest}`), hitBudget({ kvReads: 1 })],
  ];
  const rows = [];
  const table0 = cpuSeconds();
  const tableT0 = performance.now();
  for (const [label, send, budget] of classes) {
    await warm(5, send);
    rows.push(await measureClass(label, N_HIT, send, budget));
  }
  // A cold miss: a packument never asked for (one more first, to warm the path).
  await expect(200, `/${fx.cold[0]}`, { accept: FULL });
  rows.push(await measureClass('cold miss (full)', N_COLD, (i) => expect(200, `/${fx.cold[i + 1]}`, { accept: FULL })));
  // Last: the download queue's consumer runs after (in part, during) these, and its counting is not a request's.
  const tar = () => {
    downloads++;
    return expect(200, tarPath);
  };
  await warm(5, tar);
  rows.push(await measureClass('tarball hit', N_HIT, tar, hitBudget({ queuePer: 1 / 50 })));
  const table1 = cpuSeconds();
  printClasses(rows);
  const share = (table1.others - table0.others) / ((performance.now() - tableT0) / 1000);
  console.log(`(the rest of the machine meanwhile: ${Math.round(share * 100)}% of a core; near 0 is a clean run)`);

  // Throughput next to the ceiling: the hello-world Worker answers /<bytes> with that many bytes.
  console.log(
    `\nthroughput: ${CLIENTS} keep-alive clients; median of ${ROUNDS} rounds, each case ${SECONDS} s per round ` +
      'after 0.5 s of warm-up',
  );
  const raw = { 'x-bench-unwrapped': '1' }; // sent to the hello Worker too, which ignores it
  const ceiling = (label, bytes, extra = {}) => ({
    label,
    path: `/${bytes}`,
    headers: { accept: FULL, ...raw, ...extra },
    status: extra['if-none-match'] ? 304 : 200,
    host: HELLO_HOST,
  });
  const cases = {
    abbr: {
      label: `registry abbreviated 200 (${kib(abbrBytes)})`,
      path: exp,
      headers: { accept: ABBREVIATED, ...raw },
    },
    abbrCeiling: ceiling(`ceiling: hello ${kib(abbrBytes)}`, abbrBytes),
    full: { label: `registry full 200 (${kib(fullBytes)})`, path: exp, headers: { accept: FULL, ...raw } },
    fullCeiling: ceiling(`ceiling: hello ${kib(fullBytes)}`, fullBytes),
    full304: {
      label: 'registry full 304',
      path: exp,
      headers: { accept: FULL, 'if-none-match': full.headers.etag, ...raw },
      status: 304,
    },
    abbr304: {
      label: 'registry abbreviated 304',
      path: exp,
      headers: { accept: ABBREVIATED, 'if-none-match': abbr.headers.etag, ...raw },
      status: 304,
    },
    ceiling304: ceiling('ceiling: hello 304', fullBytes, { 'if-none-match': `"hello-${fullBytes}"` }),
  };
  const runs = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const [k, c] of Object.entries(cases)) runs[k].push(await blast({ status: 200, ...c }));
  printThroughput(Object.values(runs));

  /** Median over the rounds of a ratio between two cases of the same round. */
  const ratio = (a, b, key) => median(runs[a].map((r, i) => r[key] / runs[b][i][key]));
  const rpsA = ratio('abbr', 'abbrCeiling', 'rps');
  const rpsF = ratio('full', 'fullCeiling', 'rps');
  const cpuF = ratio('full', 'full304', 'cpu');
  const cpuA = ratio('abbr', 'abbr304', 'cpu');
  console.log('');
  target(rpsA >= 0.6, `abbreviated hit ${rpsA.toFixed(2)}× the ceiling's req/s (≥ 0.6×)`);
  target(rpsF >= 0.6, `full hit ${rpsF.toFixed(2)}× the ceiling's req/s (≥ 0.6×)`);
  target(cpuF >= 3, `full 200 CPU ÷ full 304 CPU = ${cpuF.toFixed(2)} (≥ 3)`);
  target(cpuA >= 3, `abbreviated 200 CPU ÷ abbreviated 304 CPU = ${cpuA.toFixed(2)} (≥ 3)`);
  // The bound on that ratio: the hello Worker does nothing but answer, so its own 200 ÷ 304 is what the
  // runtime allows; a Worker's 304 cannot cost less than the hello one's.
  const bound = ratio('fullCeiling', 'ceiling304', 'cpu');
  console.log(
    `      bound: the ceiling's own ${kib(fullBytes)} 200 CPU ÷ its 304 CPU = ${bound.toFixed(2)}; ` +
      `the registry's full 304 is ${ratio('full304', 'ceiling304', 'cpu').toFixed(2)}× the ceiling's 304`,
  );

  // Over the whole run: what counting the tarball 200s cost, in the Worker and in the queue's consumer.
  await takeOps();
  const sent = addCounts(addCounts({}, totals.answer), totals.after);
  const consumer = totals.queue ?? {};
  console.log(
    `\ndownloads: ${downloads} tarball 200s; the Worker made ${ofKind(sent, 'Queue')} Queue operations ` +
      `(${sent['Queue.messages'] ?? 0} messages); the consumer so far ${ofKind(consumer, 'D1')} D1 calls ` +
      `(${consumer['D1.statements'] ?? 0} statements). Run took ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

const cleanup = [];
await runBench(main, cleanup, () => agent.destroy());
