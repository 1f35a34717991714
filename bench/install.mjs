// Issue 11, point 5: a warm `npm install` of a 200+ package set through the registry with modeled edge
// latencies, next to the same install straight from an equally slow upstream and to the registry with no
// modeled latency. The registry is the Worker as `wrangler deploy --dry-run` bundles it, on Miniflare over
// real HTTP, behind a generated wrapper module that delays (and counts) every binding call. The upstream
// is the fake upstream over the shared fixtures behind a proxy that delays each answer UPSTREAM_MS; the
// fake upstream without the delay gives npm's own time, the floor under every case.
// The dependency set: every fixture package whose whole closure (dependencies and optional ones, resolved
// as npm picks versions) is fixture documents and tarballs, with no required peer dependency nor shrinkwrap.
// INSTALL_RUNS (3) measured installs per case, median printed; INSTALL_LATENCY (JSON, ms per binding call),
// INSTALL_UPSTREAM_MS (50), INSTALL_TMP (where projects and npm caches go: /dev/shm when there is one).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import semver from 'semver';
import { startFakeUpstream } from '../test/support/fake-upstream.mjs';
import { fixtureRoots } from '../test/support/fixtures.mjs';
import { here, startWorker } from './worker-harness.mjs';
import { runBench, statSeconds, workerdPid } from './proc.mjs';

const RUNS = Number(process.env.INSTALL_RUNS ?? 3);
const LATENCY = JSON.parse(process.env.INSTALL_LATENCY ?? '{"D1":80,"KV":8,"R2":25,"Queue":10,"Cache":1}');
const UPSTREAM_MS = Number(process.env.INSTALL_UPSTREAM_MS ?? 50);
const OUT = join(here, '.out', 'install');
const KINDS = ['D1', 'KV', 'R2', 'Queue', 'Cache'];

// ---------------------------------------------------------------------------------------------
// The wrapper module workerd loads first (a trimmed copy of bench/edge.mjs's, which that file keeps
// private): the bundled Worker gets an env whose D1, KV, R2 and Queue bindings, and a Cache API, that
// wait the modeled latency of their kind before each call and count it, as made before the fetch handler
// returned its Response (`answer`) or after (`after`: waitUntil work, queue consumer, cron). Unlike
// edge.mjs's, the latency is switched at run time (POST /__bench/latency), so one warm registry serves
// both the modeled and the no-latency installs. GET /__bench/ops waits for waitUntil work, then returns
// the counts and zeroes them.

const WRAPPER = `
import { AsyncLocalStorage } from 'node:async_hooks';
import worker from '../worker/index.js';

const als = new AsyncLocalStorage();
let counts = {};
let latency = {};
const pending = new Set();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function call(kind, fn) {
  const rec = als.getStore();
  const b = (counts[rec?.answered === false ? 'answer' : 'after'] ??= {});
  b[kind] = (b[kind] ?? 0) + 1;
  const ms = latency[kind] ?? 0;
  return ms > 0 ? sleep(ms).then(fn) : fn();
}

// KV, R2, Queue and Cache objects: every method call is one operation.
function wrapCalls(target, kind) {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (...args) => call(kind, () => v.apply(t, args)) : v;
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
      return (...args) => call('D1', () => v.apply(t, args));
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
        return (stmts) => call('D1', () => v.call(t, stmts.map((s) => realStatement.get(s) ?? s)));
      if (prop === 'exec') return (sql) => call('D1', () => v.call(t, sql));
      return v.bind(t);
    },
  });
}

const KIND = { DB: 'D1', METADATA: 'KV', TARBALLS: 'R2', AGGREGATES: 'R2', DOWNLOAD_EVENTS: 'Queue' };
const wrappedEnvs = new WeakMap();
function wrapEnv(env) {
  let w = wrappedEnvs.get(env);
  if (!w) {
    w = { ...env };
    for (const [name, kind] of Object.entries(KIND))
      if (env[name]) w[name] = kind === 'D1' ? wrapD1(env[name]) : wrapCalls(env[name], kind);
    wrappedEnvs.set(env, w);
  }
  return w;
}

// The Cache API is a global: replaced by one that waits and counts, before the Worker makes any request.
const realCaches = globalThis.caches;
if (realCaches) {
  let defaultCache;
  const wrapped = {
    get default() {
      defaultCache ??= wrapCalls(realCaches.default, 'Cache');
      return defaultCache;
    },
    open: (name) => call('Cache', () => realCaches.open(name)).then((c) => wrapCalls(c, 'Cache')),
  };
  Object.defineProperty(globalThis, 'caches', { value: wrapped, configurable: true, writable: true });
}

async function benchRoute(req, url) {
  if (url.pathname === '/__bench/latency') latency = await req.json();
  while (pending.size) await Promise.allSettled([...pending]);
  const body = JSON.stringify(counts);
  counts = {};
  return new Response(body, { headers: { 'content-type': 'application/json' } });
}

export default {
  async fetch(req, env, ctx) {
    const url = new URL(req.url);
    if (url.pathname.startsWith('/__bench/')) return benchRoute(req, url);
    counts.requests = (counts.requests ?? 0) + 1;
    const rec = { answered: false };
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
    return als.run(rec, async () => {
      try {
        return await worker.fetch(req, wrapEnv(env), exec);
      } finally {
        rec.answered = true;
      }
    });
  },
  queue: (batch, env, ctx) => als.run({}, () => worker.queue(batch, wrapEnv(env), ctx)),
  scheduled: (controller, env, ctx) => als.run({}, () => worker.scheduled(controller, wrapEnv(env), ctx)),
};
`;

// ---------------------------------------------------------------------------------------------
// The dependency set, resolved from the fixture documents the way npm 11 picks a version
// (npm-pick-manifest): the `latest` tag when it satisfies the range, is not deprecated and its engines
// fit, else the highest satisfying version, preferring not deprecated and engine-compatible ones.

const NPM_VERSION = '11.19.1'; // checked against `npm --version` in main(): engines.npm decides picks

function fixtureDocuments(roots) {
  const files = new Map(); // name -> path of the full document, the first root wins as in the fake upstream
  for (const root of roots)
    for (const f of readdirSync(root, { recursive: true })) {
      const rel = String(f).split(sep).join('/');
      if (!rel.endsWith('.json') || rel.endsWith('.min.json') || rel.includes('/-/')) continue;
      const base = rel.slice(0, -'.json'.length);
      const name = base.includes('/') ? `@${base}` : base;
      if (!files.has(name)) files.set(name, join(root, f));
    }
  return files;
}

function engineOk(manifest) {
  const e = manifest.engines;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return true;
  const fits = (range, version) =>
    typeof range !== 'string' ||
    !semver.validRange(range) ||
    semver.satisfies(version, range, { includePrerelease: true });
  return fits(e.node, process.version) && fits(e.npm, NPM_VERSION);
}

function pick(doc, wanted) {
  const tags = doc['dist-tags'] ?? {};
  const versions = doc.versions ?? {};
  const spec = wanted === '' ? '*' : wanted;
  const exact = semver.valid(spec, { loose: true });
  if (exact) return versions[exact];
  if (!semver.validRange(spec, { loose: true })) return versions[tags[spec]];
  const latest = versions[tags.latest];
  if (latest && semver.satisfies(latest.version, spec, { loose: true }) && engineOk(latest) && !latest.deprecated)
    return latest;
  const best = Object.values(versions)
    .filter((m) => semver.satisfies(m.version, spec, { loose: true }))
    .map((m) => ({ m, fit: engineOk(m), live: !m.deprecated }))
    .sort(
      (a, b) =>
        b.live * b.fit - a.live * a.fit ||
        b.fit - a.fit ||
        b.live - a.live ||
        semver.rcompare(a.m.version, b.m.version),
    );
  return best[0]?.m;
}

/** What npm installs for a version besides peers: dependencies and optional ones. */
const edges = (m) => Object.entries({ ...m.optionalDependencies, ...m.dependencies });

/** Peers npm would install; they resolve against the whole tree, where fixtures conflict (ERESOLVE). */
const hasPeers = (m) => Object.keys(m.peerDependencies ?? {}).some((k) => !m.peerDependenciesMeta?.[k]?.optional);

/** npm-install-checks' os/cpu test: a version for another platform is skipped (an optional one) or refused. */
function platformOk(m) {
  const fits = (list, value) => {
    const all = typeof list === 'string' ? [list] : Array.isArray(list) ? list : [];
    if (all.length === 0 || (all.length === 1 && all[0] === 'any')) return true;
    if (all.includes(`!${value}`)) return false;
    return all.includes(value) || all.every((x) => x.startsWith('!'));
  };
  return fits(m.os, process.platform) && fits(m.cpu, process.arch);
}

/**
 * The fixture packages whose closure from their `latest` resolves entirely within the fixtures (every
 * document parses, every spec is a registry range or tag, every picked version's tarball is there) and
 * needs no peer dependency nor shrinkwrap. Another platform's versions only count as skipped.
 * Returns { dependencies: { name: version }, closure: Set of "name@version" }.
 */
function chooseDependencies(roots) {
  const files = fixtureDocuments(roots);
  const docs = new Map();
  const load = (name) => {
    if (!docs.has(name)) {
      let doc = null;
      try {
        doc = JSON.parse(readFileSync(files.get(name), 'utf8'));
      } catch {} // types/mocha.min.json's twin parses; any other bad document just rules its dependents out
      docs.set(name, doc);
    }
    return docs.get(name);
  };
  const hasTarball = (name, file) =>
    roots.some((r) => existsSync(join(r, ...name.replace(/^@/, '').split('/'), '-', file)));
  const closureOf = (root) => {
    const seen = new Set();
    const todo = [[root, 'latest']];
    while (todo.length) {
      const [name, spec] = todo.pop();
      const doc = files.has(name) && load(name);
      const m = doc && typeof spec === 'string' && pick(doc, spec);
      // A shrinkwrap pins its own tree (with URLs of the registry it was published to): not resolved here.
      if (!m || hasPeers(m) || m._hasShrinkwrap || (name === root && !platformOk(m))) return undefined;
      // Another platform's optional dependency (fsevents): npm reads its document, installs nothing.
      if (!platformOk(m)) continue;
      const id = `${name}@${m.version}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const file = m.dist?.tarball?.split('/-/').pop();
      if (!file || !hasTarball(name, file)) return undefined;
      todo.push(...edges(m));
    }
    return seen;
  };
  const dependencies = {};
  const closure = new Set();
  for (const name of [...files.keys()].sort()) {
    const set = closureOf(name);
    if (!set) continue;
    dependencies[name] = load(name)['dist-tags'].latest;
    for (const id of set) closure.add(id);
  }
  return { dependencies, closure };
}

// ---------------------------------------------------------------------------------------------
// The slow upstream: every answer of the fake upstream waits `ms` first. The fake upstream writes its own
// origin into every dist.tarball, so JSON bodies get the proxy's instead, or npm, sent there straight,
// would fetch the tarballs around the delay.

async function startDelayProxy(target, ms) {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  let origin = '';
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const headers = { ...req.headers, host: to.host };
      const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers, agent });
      up.on('response', async (ur) => {
        if (!/json/.test(ur.headers['content-type'] ?? '')) {
          res.writeHead(ur.statusCode, ur.headers);
          ur.pipe(res);
          return;
        }
        const chunks = [];
        for await (const c of ur) chunks.push(c);
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replaceAll(to.origin, origin));
        res.writeHead(ur.statusCode, { ...ur.headers, 'content-length': body.length });
        res.end(body);
      });
      up.on('error', (e) => res.destroy(e));
      req.pipe(up);
    }, ms);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/`,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// One npm install: a fresh project folder, a fresh HOME and npm cache, no lockfile; scripts are not run
// (what they would do is not the registry's time). Returns { seconds, installed } from the lockfile.

// On tmpfs where there is one: writing the ~5,000 files of an install to disk adds seconds of noise.
const TMP = process.env.INSTALL_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const temps = [];
function tempDir(prefix) {
  const d = mkdtempSync(join(TMP, `bench-install-${prefix}-`));
  temps.push(d);
  return d;
}

/** An environment in which npm sees only `home`: no user or global config, no npm_* from a parent npm. */
function isolatedEnv(home) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NPM_)/.test(k)));
  writeFileSync(join(home, '.npmrc'), '');
  writeFileSync(join(home, 'global.npmrc'), '');
  const config = { npm_config_userconfig: join(home, '.npmrc'), npm_config_globalconfig: join(home, 'global.npmrc') };
  return { ...env, HOME: home, ...config };
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}:\n${out}`))));
  });
}

async function npmInstall(registry, dependencies) {
  const dir = tempDir('project');
  const home = tempDir('home');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-install', private: true, dependencies }));
  const args = ['install', '--registry', registry, '--cache', join(home, 'cache'), '--no-audit', '--no-fund'];
  args.push('--ignore-scripts', '--no-update-notifier', '--no-progress', '--loglevel', 'error');
  const t0 = performance.now();
  await run('npm', args, { cwd: dir, env: isolatedEnv(home) });
  const seconds = (performance.now() - t0) / 1000;
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const entries = Object.entries(lock.packages).filter(([k]) => k.includes('node_modules/'));
  // Another platform's optional dependency is in the lockfile but not on disk.
  const installed = entries
    .filter(([k]) => existsSync(join(dir, k, 'package.json')))
    .map(([k, e]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${e.version}`);
  // Every tarball came from where npm was pointed (the registry rewrites dist.tarball to itself).
  const elsewhere = entries.filter(([, e]) => !e.resolved?.startsWith(registry)).length;
  if (elsewhere) throw new Error(`${elsewhere} packages resolved outside ${registry}`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  return { seconds, installed };
}

// ---------------------------------------------------------------------------------------------

/**
 * CPU seconds so far (Linux, from /proc; NaN elsewhere): `workerd`, the workerd child process (it also runs
 * Miniflare's local D1/KV/R2/Queue/Cache), found by name among this process's children; `others`, the
 * whole machine's busy time less this process, its reaped children (npm) and workerd, so that a run
 * disturbed by anything else on this shared machine (a test run) shows.
 */
function cpuNow() {
  try {
    const workerd = statSeconds(workerdPid(), 11, 12); // utime, stime
    const self = statSeconds('self', 11, 12, 13, 14); // and cutime, cstime: npm runs once reaped
    const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1, 8).map(Number);
    const busy = (t[0] + t[1] + t[2] + t[5] + t[6]) / 100; // user, nice, system, irq, softirq
    return { workerd, others: busy - self - workerd };
  } catch {
    return { workerd: Number.NaN, others: Number.NaN };
  }
}

/** CPU used over `seconds` since `c0`: workerd's seconds, the rest of the machine's share of a core. */
function cpuSince(c0, seconds) {
  const c1 = cpuNow();
  return { workerd: c1.workerd - c0.workerd, others: (c1.others - c0.others) / seconds };
}

const pct = (x) => `${Math.round(x * 100)}%`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const secs = (x) => `${x.toFixed(2)} s`;
const target = (ok, what) => console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);

/**
 * "480 requests; binding calls D1 0, KV 3+1, ...": calls made while the Worker was handling a request
 * (its waitUntil work included, when it started before the Response was returned) + after (later
 * waitUntil work, queue consumer, cron).
 */
function opsLine(ops) {
  const calls = KINDS.map((k) => {
    const a = ops.answer?.[k] ?? 0;
    const b = ops.after?.[k] ?? 0;
    return `${k} ${a}${b ? `+${b}` : ''}`;
  });
  return `${ops.requests ?? 0} requests; binding calls ${calls.join(', ')}`;
}

async function main() {
  const t0 = performance.now();
  const npmVersion = (await run('npm', ['--version'], {})).trim();
  if (npmVersion !== NPM_VERSION) console.log(`note: npm ${npmVersion}, version picks assume ${NPM_VERSION}`);
  const roots = fixtureRoots();
  const { dependencies, closure } = chooseDependencies(roots);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'wrapper.mjs'), WRAPPER);

  const upstream = await startFakeUpstream({ roots });
  cleanup.push(() => upstream.close());
  const slow = await startDelayProxy(upstream.url, UPSTREAM_MS);
  cleanup.push(() => slow.close());
  const worker = await startWorker(
    'install',
    // CACHE_TTL above the run's length: no document goes stale (and leaves the Cache API) mid-run.
    { UPSTREAM_URL: slow.url, UPSTREAM_TIMEOUT: '20', CACHE_TTL: '3600' },
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
    },
  );
  cleanup.push(() => worker.close());
  const registry = worker.url.href;
  const bench = async (path, latency) => {
    const init = latency ? { method: 'POST', body: JSON.stringify(latency) } : {};
    return (await fetch(new URL(path, registry), init)).json();
  };

  const names = new Set([...closure].map((id) => id.slice(0, id.lastIndexOf('@'))));
  console.log(
    `install: npm ${npmVersion}, ${Object.keys(dependencies).length} fixture packages as dependencies, ` +
      `closure ${closure.size} versions of ${names.size} packages (all fixture documents and tarballs)`,
  );
  console.log(
    `registry: the bundled Worker on Miniflare at ${registry}, every binding call delayed ` +
      `${JSON.stringify(LATENCY)} ms (or not), upstream ${slow.url} (fake upstream, each answer delayed ` +
      `${UPSTREAM_MS} ms); npm install --no-audit --no-fund --ignore-scripts, fresh folder, cache, no lockfile, ` +
      `in ${TMP}`,
  );

  // Warm: one install through the registry fills KV, R2 and the Cache API; measured installs come after.
  await bench('/__bench/latency', LATENCY);
  const cpu0 = cpuNow();
  const warm = await npmInstall(registry, dependencies);
  const warmCpu = cpuSince(cpu0, warm.seconds);
  const warmOps = await bench('/__bench/ops');
  const extra = warm.installed.filter((id) => !closure.has(id));
  console.log(
    `warm-up (cold registry, modeled latency): ${secs(warm.seconds)}, ${warm.installed.length} packages installed` +
      `${extra.length ? ` (${extra.length} outside the computed closure: ${extra.slice(0, 5).join(' ')})` : ''}, ` +
      `${new Set(warm.installed).size} distinct; workerd CPU ${secs(warmCpu.workerd)}; ${opsLine(warmOps)}`,
  );
  console.log(
    "(round 1's modeled-latency install is the second through the registry: a document enters the Cache API " +
      'and the isolate only on its first KV hit, so that one reads KV for each; later installs do not)',
  );

  // Rounds of the four cases, so that drift on this shared machine spreads over all of them.
  const cases = [
    { key: 'upstream', label: 'straight from the slow upstream', url: slow.url },
    // npm's own time: what no registry can go below on this machine.
    { key: 'floor', label: 'floor: fake upstream, no delay', url: upstream.url },
    { key: 'latency', label: 'registry, modeled latency', url: registry, latency: LATENCY },
    { key: 'plain', label: 'registry, no modeled latency', url: registry, latency: {} },
  ];
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let round = 1; round <= RUNS; round++)
    for (const c of cases) {
      if (c.latency) await bench('/__bench/latency', c.latency);
      const cpu0 = cpuNow();
      const r = await npmInstall(c.url, dependencies);
      const cpu = cpuSince(cpu0, r.seconds);
      times[c.key].push(r.seconds);
      const ops = c.latency ? `; workerd CPU ${secs(cpu.workerd)}; ${opsLine(await bench('/__bench/ops'))}` : '';
      console.log(
        `round ${round}  ${c.label.padEnd(32)} ${secs(r.seconds).padStart(8)}  ${r.installed.length} packages; ` +
          `others ${pct(cpu.others)}${ops}`,
      );
    }

  console.log('');
  for (const c of cases) {
    const t = times[c.key];
    console.log(`${c.label.padEnd(32)} median ${secs(median(t)).padStart(8)}  (${t.map(secs).join(', ')})`);
  }
  const up = median(times.upstream);
  const lat = median(times.latency);
  const plain = median(times.plain);
  const floor = median(times.floor);
  const plus = (x) => `${x < 0 ? '−' : '+'}${secs(Math.abs(x))}`;
  console.log(
    `over npm's floor: upstream ${plus(up - floor)}, registry with modeled latency ${plus(lat - floor)}, ` +
      `without ${plus(plain - floor)}; a registry adding nothing would be ${(up / floor).toFixed(2)}× faster ` +
      'than the upstream here',
  );
  // The same ratios per round (neighbours in time), as drift on this shared machine moves whole rounds.
  const perRound = (a, b) => times[a].map((t, i) => t / times[b][i]);
  const show = (xs) => `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${median(xs).toFixed(2)})`;
  console.log(
    `per round: upstream ÷ modeled ${show(perRound('upstream', 'latency'))}; modeled ÷ none ` +
      `${show(perRound('latency', 'plain'))}`,
  );
  console.log(
    "(others: the rest of the machine's CPU during that install, as a share of one core; within a few % of 0 " +
      'is a clean run: per-process and machine-wide accounting differ by about that)',
  );
  console.log('');
  target(
    up / lat >= 2,
    `registry with modeled latency ${(up / lat).toFixed(2)}× faster than straight from upstream, medians (≥ 2×)`,
  );
  target(
    lat / plain <= 1.15,
    `registry with modeled latency ${(lat / plain).toFixed(2)}× the no-latency registry's time, medians (≤ 1.15×)`,
  );
  console.log(`Run took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const cleanup = [];
await runBench(main, cleanup);
for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
