// `npm run bench` (first part): derivation throughput and peak memory of this project's one-pass
// derivation (src/packages/derive.ts, bundled here with esbuild) against the naive JSON.parse + pick +
// JSON.stringify baseline (bench/naive.mjs), on the three largest full documents of the shared fixture
// archive and a synthetic 40 MB packument. Figures and ratios only: nothing here passes or fails a build,
// except that both implementations must produce the same documents before either is measured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { ARCHIVE, LOCAL_FIXTURES, sharedRegistry } from '../test/support/fixtures.mjs';
import { naiveDerive } from './naive.mjs';

const started = performance.now();
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, '.out');
const ORIGIN = 'http://r.test';
const MB = 1e6;
const SYNTHETIC_BYTES = 40 * MB;

// The real project code, bundled as wrangler would see it.
mkdirSync(out, { recursive: true });
execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [
  join(here, 'derive-entry.mjs'),
  '--bundle',
  '--format=esm',
  '--platform=neutral',
  '--main-fields=module,main',
  `--outfile=${join(out, 'derive.mjs')}`,
  '--log-level=warning',
]);
const { derivePackument } = await import(join(out, 'derive.mjs'));

const cpu = cpus();
console.log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`);

// --- inputs -----------------------------------------------------------------------------------------
const fullDocs = (dir) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.min.json'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size || a.localeCompare(b));
const docName = (file) => JSON.parse(readFileSync(file, 'utf8')).name;

const shared = sharedRegistry();
const cases = [];
if (shared) {
  for (const file of fullDocs(shared).slice(0, 3))
    cases.push({ label: relative(shared, file), file, name: docName(file) });
} else {
  console.log(
    `note: fixture archive absent (${ARCHIVE}): fixture cases skipped, ` +
      'synthetic document built from the largest document in test/fixtures',
  );
}
// The 40 MB document of the targets, from the largest document (few, large versions: ~19 kB each for
// mocha); and a second one from whichever of the ten largest has the smallest versions, the shape of
// most real packuments that big (tens of thousands of versions), where per-version costs dominate.
const pool = fullDocs(shared ?? LOCAL_FIXTURES).slice(0, 10);
const perVersion = (file) =>
  statSync(file).size / Object.keys(JSON.parse(readFileSync(file, 'utf8')).versions ?? {}).length;
const smallest = pool.map((f) => [f, perVersion(f)]).sort((a, b) => a[1] - b[1])[0][0];
const synthetic = buildSynthetic(pool[0], 'synthetic 40 MB', 'synthetic-40mb.json');
const syntheticSmall = buildSynthetic(smallest, 'synthetic 40 MB, small versions', 'synthetic-40mb-small.json');
cases.push(synthetic, syntheticSmall);
for (const c of [synthetic, syntheticSmall]) console.log(c.note);

/**
 * A ~40 MB packument built deterministically from real manifests: the source document whole (readmes,
 * time, users...) plus copies of all its versions under new version numbers and tarball file names.
 */
function buildSynthetic(source, label, fileName) {
  const text = readFileSync(source, 'utf8');
  const doc = JSON.parse(text);
  const originals = Object.entries(doc.versions);
  const base = doc.name.slice(doc.name.lastIndexOf('/') + 1);
  const versions = { ...doc.versions };
  const time = { ...doc.time };
  let size = Buffer.byteLength(JSON.stringify(doc));
  let copies = 0;
  for (let round = 1; size < SYNTHETIC_BYTES; round++) {
    for (const [v, m] of originals) {
      const nv = `${v}${v.includes('-') ? '.' : '-'}bench.${round}`;
      const manifest = { ...m, _id: `${doc.name}@${nv}`, version: nv };
      if (typeof m.dist?.tarball === 'string') {
        manifest.dist = { ...m.dist, tarball: m.dist.tarball.replace(/[^/]*$/, `${base}-${nv}.tgz`) };
      }
      versions[nv] = manifest;
      size += Buffer.byteLength(JSON.stringify(manifest)) + nv.length + 4;
      if (doc.time?.[v]) {
        time[nv] = doc.time[v];
        size += nv.length + time[nv].length + 6;
      }
      copies++;
      if (size >= SYNTHETIC_BYTES) break;
    }
  }
  const bytes = Buffer.from(JSON.stringify({ ...doc, versions, time }));
  const file = join(out, fileName);
  writeFileSync(file, bytes);
  return {
    label,
    file,
    name: doc.name,
    note:
      `${label} = ${relative(root, source)} (${originals.length} versions) + ${copies} copies of its ` +
      `versions under new numbers: ${Object.keys(versions).length} versions, ${(bytes.length / MB).toFixed(1)} MB`,
  };
}

// --- both must produce the same documents before either is measured ---------------------------------
for (const c of cases) agree(c);
console.log(
  `outputs agree (abbreviated and full documents, parsed, key order ignored) on all ${cases.length} inputs\n`,
);

function agree(c) {
  const bytes = new Uint8Array(readFileSync(c.file));
  const dec = new TextDecoder();
  const ours = derivePackument(bytes, c.name, ORIGIN);
  const naive = naiveDerive(bytes, c.name, ORIGIN);
  compare(c, 'abbreviated', JSON.parse(dec.decode(ours.abbreviated)), JSON.parse(dec.decode(naive.abbreviated)));
  const full = new Uint8Array(ours.fullLength);
  let o = 0;
  for (const p of ours.full) {
    full.set(p, o);
    o += p.length;
  }
  if (o !== ours.fullLength)
    throw new Error(`${c.label}: full chunks add up to ${o} bytes, fullLength says ${ours.fullLength}`);
  compare(c, 'full', JSON.parse(dec.decode(full)), JSON.parse(dec.decode(naive.full)));
}

function compare(c, what, ours, naive) {
  if (isDeepStrictEqual(ours, naive)) return;
  const path = firstDifference(ours, naive, []);
  const at = (x) => path.reduce((v, k) => (v == null ? v : v[k]), x);
  console.error(
    `OUTPUTS DISAGREE on ${c.label}, ${what} document, at ${JSON.stringify(path)}:\n` +
      `  ours:  ${JSON.stringify(at(ours))?.slice(0, 300)}\n  naive: ${JSON.stringify(at(naive))?.slice(0, 300)}`,
  );
  console.error('not measuring a derivation that disagrees with the baseline');
  process.exit(1);
}

function firstDifference(a, b, path) {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!isDeepStrictEqual(a[k], b[k])) return firstDifference(a[k], b[k], [...path, k]);
    }
  }
  return path;
}

// --- measurements, each in a fresh process ----------------------------------------------------------
function child(mode, impl, c, flags = []) {
  const res = execFileSync(
    process.execPath,
    [...flags, '--expose-gc', join(here, 'derive-child.mjs'), mode, impl, c.file, c.name],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', flags.length ? 'ignore' : 'inherit'],
    },
  );
  return JSON.parse(res);
}

// quarantine: ours as the cache runs it under MIN_RELEASE_AGE with the three newest versions too young
// (derived, time parsed, the plan made, derived again leaving them out: its worst case);
// quarantine-none: the same with every version old enough (one pass, time parsed: the common case).
const IMPLS = ['naive', 'ours', 'quarantine', 'quarantine-none'];
const ROUNDS = 2; // speed: alternate the two implementations, keep each one's faster round
const rows = [];
let method;
for (const c of cases) {
  const mb = statSync(c.file).size / MB;
  const r = { c, label: c.label, mb, ...Object.fromEntries(IMPLS.map((i) => [i, { seconds: Infinity }])) };
  for (let round = 0; round < ROUNDS; round++) {
    for (const impl of IMPLS) {
      const s = child('speed', impl, c);
      if (s.seconds < r[impl].seconds)
        Object.assign(r[impl], { seconds: s.seconds, runs: s.runs, mbps: mb / s.seconds });
    }
  }
  for (const impl of IMPLS) {
    const p = child('peak', impl, c);
    method ??= p.method;
    Object.assign(r[impl], { peak: p.peak / MB, kept: p.kept / MB });
  }
  rows.push(r);
}

// The isolate limit, roughly: the same single derivation of each 40 MB document with V8's old
// generation capped at 128 MB.
const CAP = 128;
const underCap = (c) =>
  Object.fromEntries(
    ['naive', 'ours'].map((impl) => {
      try {
        child('peak', impl, c, [`--max-old-space-size=${CAP}`]);
        return [impl, 'completes'];
      } catch {
        return [impl, 'runs out of memory'];
      }
    }),
  );
const capped = [synthetic, syntheticSmall].map((c) => [c, underCap(c)]);

// --- report -----------------------------------------------------------------------------------------
const cols = [
  ['input', 33, (r) => r.label],
  ['MB', 6, (r) => r.mb.toFixed(1)],
  ['naive MB/s', 12, (r) => r.naive.mbps.toFixed(0)],
  ['ours MB/s', 11, (r) => r.ours.mbps.toFixed(0)],
  ['speed×', 8, (r) => (r.ours.mbps / r.naive.mbps).toFixed(2)],
  ['naive peak MB', 15, (r) => r.naive.peak.toFixed(1)],
  ['ours peak MB', 14, (r) => r.ours.peak.toFixed(1)],
  ['heap×', 7, (r) => (r.ours.peak / r.naive.peak).toFixed(2)],
  ['naive kept MB', 15, (r) => r.naive.kept.toFixed(1)],
  ['ours kept MB', 14, (r) => r.ours.kept.toFixed(1)],
  ['q.3 MB/s', 10, (r) => r.quarantine.mbps.toFixed(0)],
  ['÷ours', 7, (r) => (r.quarantine.mbps / r.ours.mbps).toFixed(2)],
  ['q.3 peak', 10, (r) => r.quarantine.peak.toFixed(1)],
  ['q.0 MB/s', 10, (r) => r['quarantine-none'].mbps.toFixed(0)],
  ['÷ours', 7, (r) => (r['quarantine-none'].mbps / r.ours.mbps).toFixed(2)],
];
const line = (cells) =>
  cells.map((s, i) => (i === 0 ? String(s).padEnd(cols[i][1]) : String(s).padStart(cols[i][1]))).join('');
console.log(line(cols.map((c) => c[0])));
for (const r of rows) console.log(line(cols.map((c) => c[2](r))));

/** Prints `text` wrapped at 105 columns, its first line after `label`, the rest indented to match. */
function note(label, text, indent = 9) {
  const lines = [];
  let cur = label.padEnd(indent);
  for (const word of text.trim().split(/\s+/)) {
    if (cur.trim() && cur.length + 1 + word.length > 105) {
      lines.push(cur);
      cur = ' '.repeat(indent) + word;
    } else {
      cur += (cur.trim() && !cur.endsWith(' ') ? ' ' : '') + word;
    }
  }
  console.log([...lines, cur].join('\n'));
}
console.log('');
note(
  'MB/s',
  `input MB (10^6 bytes) per second: the median of ${rows.map((r) => `${r.naive.runs}/${r.ours.runs}`).join(', ')}
  timed derivations (naive/ours, per input) after warm-up, in a fresh Node process per implementation; the
  faster of ${ROUNDS} such processes, run alternately, so that load from elsewhere on the machine weighs less.`,
);
note(
  'peak',
  `how far the process's resident memory rose during ONE derivation above the resident memory with the
  input loaded and garbage collected (fresh \`node --expose-gc\` process per measurement). ` +
    (method === 'hwm-reset'
      ? `It is the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs just before the call):
      the true peak, not a sample.`
      : `The high-water mark could not be reset here (not Linux?): process.resourceUsage().maxRSS, an upper bound.`) +
    ` It counts all the process touched: live objects, garbage V8 had not yet collected (young generation
  included), off-heap buffers, allocator slack. Under a tighter limit V8 collects sooner, so garbage-heavy
  code needs less there, but never less than it keeps live at once.`,
);
note(
  'kept',
  `V8 heap + external memory still held, after full GCs, while the result is alive, over the same
  baseline: the cost of the outputs (the derivation's full document is mostly views of the input).`,
);
note(
  'ratios',
  'speed× = ours MB/s ÷ naive MB/s (higher is better); ' + 'heap× = ours peak ÷ naive peak (lower is better).',
);

const s = rows.find((r) => r.c === synthetic);
const speedX = s.ours.mbps / s.naive.mbps;
const heapX = s.ours.peak / s.naive.peak;
const verdict = (ok) => (ok ? 'met' : 'NOT met');
console.log(
  `\n40 MB targets (${synthetic.label}): speed ≥2× naive: ${verdict(speedX >= 2)} (${speedX.toFixed(2)}×); ` +
    `peak ≤0.5× naive: ${verdict(heapX <= 0.5)} (${heapX.toFixed(2)}×)`,
);
note(
  '',
  `V8's old generation capped at ${CAP} MB (--max-old-space-size=${CAP}, a rough stand-in for the ` +
    `isolate limit that leaves out the young generation and buffers): ` +
    capped.map(([c, r]) => `${c.label}: naive ${r.naive}, ours ${r.ours}`).join('; ') +
    '.',
  0,
);
console.log(`(bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
