// Issue 11, point 5: twenty parallel cold misses of distinct 10–20 MB packuments through the Worker as
// `wrangler deploy --dry-run` bundles it, on Miniflare over real HTTP, against the fake upstream: the peak
// live memory of the registry's isolate during the herd (through workerd's inspector, bench/inspector.mjs),
// the workerd process's rise over its idle baseline, and the herd's total time next
// to the slowest of the same documents fetched alone (each alone, one after another, on a freshly started
// registry, so that every one is a cold miss again).
// The documents are the fake upstream's own synthetic ones: `big-<N>mb` (many small versions, compresses
// well) and `random-<N>mb` (random readmes, hardly compresses) for N = 10 … 19: two shapes, ten sizes.
// Asked as npm asks (Accept: application/json, Accept-Encoding: gzip, deflate); bodies counted, not kept.
// COLD_SAMPLE_MS (50): how often workerd's memory is read.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { startFakeUpstream } from '../test/support/fake-upstream.mjs';
import { fixtureRoots } from '../test/support/fixtures.mjs';
import { here, startWorker } from './worker-harness.mjs';
import { freePort, inspect } from './inspector.mjs';
import { runBench, workerdPid } from './proc.mjs';

const SAMPLE_MS = Number(process.env.COLD_SAMPLE_MS ?? 50);
const SIZES = Array.from({ length: 10 }, (_, i) => 10 + i);
const NAMES = SIZES.flatMap((n) => [`big-${n}mb`, `random-${n}mb`]);
const HEADERS = { accept: 'application/json', 'accept-encoding': 'gzip, deflate' };
const MEMORY_TARGET_MB = 128;

// ---------------------------------------------------------------------------------------------
// workerd's memory, from /proc (Linux). Miniflare runs one workerd process: the registry's isolate, its
// own entry worker and the local KV/R2/D1/Cache simulators all live in it, so its resident memory over
// an idle baseline bounds what the herd made the isolate hold, from above.

/** { rss, hwm } in MB: resident now, and the resident high-water mark since it was last reset. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Resets VmHWM to the current RSS (clear_refs 5), so it catches a peak between two samples. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false; // not allowed here: the samples alone give the peak
  }
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Samples RSS every SAMPLE_MS while `work` runs and then until workerd is quiet (the Worker stores what
 * it fetched in waitUntil work, after answering). Returns { result, ms, quietMs, cpu, peak, hwm, samples }:
 * ms until `work` resolved, quietMs until workerd went quiet, cpu seconds over the whole.
 */
async function watch(pid, work, isolate) {
  const hwmOk = resetPeak(pid);
  let peak = memory(pid).rss;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memory(pid).rss);
    samples++;
  }, SAMPLE_MS);
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - t0;
    const answerCpu = cpuSeconds(pid) - c0;
    await quiet(pid, isolate);
    const quietMs = performance.now() - t0;
    const m = memory(pid);
    const hwm = hwmOk ? m.hwm : Number.NaN;
    const cpu = cpuSeconds(pid) - c0;
    return { result, ms, quietMs, cpu, answerCpu, peak: Math.max(peak, m.rss), hwm, samples };
  } finally {
    clearInterval(timer);
  }
}

/** Resolves once workerd has used under 2% of a core over 250 ms (at most 60 s), the isolate's sampler held. */
async function quiet(pid, isolate) {
  const until = performance.now() + 60_000;
  while (performance.now() < until) {
    const idleNow = await isolate.quietly(async () => {
      const c = cpuSeconds(pid);
      await sleep(250);
      return cpuSeconds(pid) - c < 0.005;
    });
    if (idleNow) return;
    await sleep(100); // a sample in between
  }
}

/** Idle resident memory: the median of ten samples a SAMPLE_MS apart, after a settling second. */
async function idle(pid) {
  await sleep(1000);
  const xs = [];
  for (let i = 0; i < 10; i++) {
    xs.push(memory(pid).rss);
    await sleep(SAMPLE_MS);
  }
  return xs.sort((a, b) => a - b)[5];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// HTTP: node:http, one connection per request in flight; the compressed body is counted as it arrives.

const agent = new http.Agent({ keepAlive: true, maxSockets: NAMES.length });

function get(base, path) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: HEADERS, agent },
      (res) => {
        let bytes = 0;
        res.on('data', (c) => (bytes += c.length));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            bytes,
            ms: performance.now() - t0,
            encoding: res.headers['content-encoding'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A registry with fresh state; `hash` tells whether two starts ran the same bundle. */
async function startRegistry(upstreamUrl) {
  const inspectorPort = await freePort();
  const worker = await startWorker('cold', { UPSTREAM_URL: upstreamUrl }, undefined, {
    host: '127.0.0.1',
    port: 0,
    inspectorPort,
    // As in wrangler.toml.
    queueProducers: { DOWNLOAD_EVENTS: { queueName: 'registry-download-events' } },
    queueConsumers: { 'registry-download-events': { maxBatchSize: 100, maxBatchTimeout: 5 } },
    ratelimits: { LOGIN_LIMITER: { simple: { limit: 10, period: 60 } } },
  });
  const bundle = readFileSync(join(here, '.out', 'worker', 'index.js'));
  const hash = createHash('sha256').update(bundle).digest('hex').slice(0, 12);
  // Every code path of a cold miss run once (a small fixture document), so the baseline is a warm isolate.
  const warm = await get(worker.url, '/abbrev');
  if (warm.status !== 200) throw new Error(`warm-up GET /abbrev: ${warm.status}`);
  const isolate = await inspect(inspectorPort, () => get(worker.url, '/-/ping'));
  const close = async () => {
    isolate.close();
    await worker.close();
  };
  return { ...worker, close, isolate, pid: workerdPid(), hash };
}

const mb = (x) => `${x.toFixed(1)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const target = (ok, what) => console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);

async function main() {
  const t0 = performance.now();
  const upstream = await startFakeUpstream({ roots: fixtureRoots() });
  cleanup.push(() => upstream.close());
  // The fake upstream builds a synthetic document on its first request: built now, not during the herd.
  const sizes = {};
  for (const name of NAMES) {
    const r = await get(upstream.url, `/${name}`);
    if (r.status !== 200) throw new Error(`upstream ${name}: ${r.status}`);
    sizes[name] = r.bytes;
  }
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const range = `${mb(Math.min(...Object.values(sizes)) / 1e6)}–${mb(Math.max(...Object.values(sizes)) / 1e6)}`;
  console.log(
    `cold misses: ${NAMES.length} distinct synthetic packuments from the fake upstream (${NAMES[0]} … ` +
      `${NAMES.at(-1)}), ${range} each, ${mb(total / 1e6)} in all; full documents asked as npm does ` +
      `(Accept-Encoding: ${HEADERS['accept-encoding']})`,
  );

  // The herd: all twenty at once on a started, idle registry.
  let reg = await startRegistry(upstream.url);
  cleanup.push(() => reg.close());
  const herdHash = reg.hash;
  const base1 = await idle(reg.pid);
  const isoIdle = await reg.isolate.memory();
  const iso = await reg.isolate.watch(() =>
    watch(reg.pid, () => Promise.all(NAMES.map((n) => get(reg.url, `/${n}`))), reg.isolate),
  );
  const herd = iso.result;
  const after = await idle(reg.pid);
  await cleanup.pop()();

  // Each alone, one after another, on a freshly started registry: every one a cold miss again, and each
  // begun only once workerd is quiet again, so no two overlap.
  reg = await startRegistry(upstream.url);
  cleanup.push(() => reg.close());
  const base2 = await idle(reg.pid);
  const alone = [];
  for (const name of NAMES) {
    const before = memory(reg.pid).rss;
    const w = await watch(reg.pid, () => get(reg.url, `/${name}`), reg.isolate);
    const rise = Math.max(w.peak, w.hwm || 0) - before;
    alone.push({ name, status: w.result.status, ms: w.ms, cpu: w.cpu, answerCpu: w.answerCpu, rise });
  }

  console.log(
    `workerd: resident memory (VmRSS) sampled every ${SAMPLE_MS} ms and its high-water mark (VmHWM, reset ` +
      "before each run); the process also holds Miniflare's entry worker and its local KV/R2/D1/Cache, so " +
      'the rise over idle bounds what the isolate took from above',
  );
  const head = ['upstream MB', 'alone', 'CPU', 'rise', 'in herd'].map((h, i) => h.padStart([12, 8, 8, 10, 10][i]));
  console.log(`\n${'document'.padEnd(14)}${head.join('')}  herd answer`);
  for (const [i, a] of alone.entries()) {
    const h = herd.result[i];
    const odd = a.status === h.status ? '' : ` (alone: ${a.status})`;
    // A herd answer's own time: from the start of the herd to its last byte.
    console.log(
      `${a.name.padEnd(14)}${(sizes[a.name] / 1e6).toFixed(1).padStart(12)}${s(a.ms).padStart(8)}` +
        `${s(a.cpu * 1000).padStart(8)}${mb(a.rise).padStart(10)}${s(h.ms).padStart(10)}  ` +
        `${h.status} ${h.encoding ?? 'identity'} ${mb(h.bytes / 1e6)}${odd}`,
    );
  }
  console.log('(alone: wall time, workerd CPU and memory rise over the resident size just before)');
  const slowest = alone.reduce((a, b) => (b.ms > a.ms ? b : a));
  const aloneCpu = alone.reduce((n, a) => n + a.cpu, 0);
  const aloneMs = alone.reduce((n, a) => n + a.ms, 0);
  const peak = Math.max(herd.peak, herd.hwm || 0);
  const failed = herd.result.filter((r) => r.status !== 200).length + alone.filter((a) => a.status !== 200).length;
  console.log(
    `\nherd: all ${NAMES.length} answered in ${s(herd.ms)}, workerd quiet again (stores done) at ` +
      `${s(herd.quietMs)}, workerd CPU ${s(herd.cpu * 1000)} (${Math.round((100 * herd.cpu * 1000) / herd.quietMs)}% ` +
      `of a core); alone: ${s(aloneMs)} one after another, workerd CPU ${s(aloneCpu * 1000)}; ` +
      `slowest alone ${slowest.name} ${s(slowest.ms)}`,
  );
  console.log(
    `workerd memory: idle ${mb(base1)} before the herd, peak ${mb(peak)} (sampled ${mb(herd.peak)}, ` +
      `VmHWM ${Number.isNaN(herd.hwm) ? 'unavailable' : mb(herd.hwm)}; ${herd.samples} samples), ` +
      `${mb(after)} once quiet again; rise ${mb(peak - base1)}. Fresh start for the solo runs: idle ${mb(base2)}`,
  );
  console.log(
    `isolate memory (live after a full GC: V8 heap used + ArrayBuffers, from workerd's inspector): idle ` +
      `${mb(isoIdle.heap + isoIdle.buffers)}, herd peak ${mb(iso.peak)} (heap ${mb(iso.heapPeak)}, buffers ` +
      `${mb(iso.buffersPeak)}) over ${iso.samples} samples, each taken between two of the isolate's tasks`,
  );
  if (reg.hash !== herdHash) console.log(`note: the bundle changed between the two starts: ${herdHash}, ${reg.hash}`);
  if (failed) console.log(`${failed} answers were not 200`);
  console.log('');
  target(iso.peak < MEMORY_TARGET_MB, `the isolate's sampled herd peak ${mb(iso.peak)} (< ${MEMORY_TARGET_MB} MB)`);
  console.log(`      workerd process rise ${mb(peak - base1)} over idle, all of Miniflare's services included`);
  target(
    herd.ms < 2 * slowest.ms,
    `herd total ${s(herd.ms)} = ${(herd.ms / slowest.ms).toFixed(2)}× the slowest alone, ${s(slowest.ms)} (< 2×)`,
  );
  // One workerd thread runs the twenty's CPU one after another. Even with every store put off until all
  // have answered, the last answer needs the CPU each took until its answer alone.
  const answerCpu = alone.reduce((n, a) => n + a.answerCpu, 0);
  console.log(
    `      bound on one workerd thread: the CPU the twenty took until their answers alone, ${s(answerCpu * 1000)}, ` +
      `÷ the slowest alone = ${((answerCpu * 1000) / slowest.ms).toFixed(2)}× (all their CPU: ` +
      `${((aloneCpu * 1000) / slowest.ms).toFixed(2)}×)`,
  );
  target(failed === 0, 'every answer 200');
  console.log(`Run took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const cleanup = [];
await runBench(main, cleanup, () => agent.destroy());
