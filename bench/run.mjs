// `npm run bench`: derivation throughput and peak memory, this project's one-pass derivation
// against the naive JSON.parse + pick + JSON.stringify baseline, on the largest fixture documents
// and a synthetic 40 MB packument. Figures only; nothing here passes or fails a build.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedRegistry, LOCAL_FIXTURES } from '../test/support/fixtures.mjs';
import { naiveDerive } from './naive.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '.out');
mkdirSync(out, { recursive: true });
execFileSync(join(here, '..', 'node_modules', '.bin', 'esbuild'),
  [join(here, '..', 'src', 'packages', 'derive.ts'), '--bundle', '--format=esm', '--platform=neutral', `--outfile=${join(out, 'derive.mjs')}`, '--log-level=warning']);
const { derivePackument } = await import(join(out, 'derive.mjs'));

const shared = sharedRegistry();
const root = shared ?? LOCAL_FIXTURES;
if (!shared) console.log('(shared fixture archive absent: using test/fixtures only)');

function fullDocs(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.min.json'))
    .map((f) => join(dir, f));
}

const cases = fullDocs(root)
  .map((f) => ({ file: f, size: statSync(f).size }))
  .sort((a, b) => b.size - a.size)
  .slice(0, 3)
  .map(({ file }) => ({ label: relative(root, file), file, name: JSON.parse(readFileSync(file, 'utf8')).name }));

// The synthetic document: the largest fixture's versions replicated under new numbers up to 40 MB.
const big = JSON.parse(readFileSync(cases[0].file, 'utf8'));
const versions = {};
const time = { ...big.time };
let size = 0;
for (let round = 0; size < 40e6; round++) {
  for (const [v, m] of Object.entries(big.versions)) {
    const nv = `${v}-r${round}`;
    versions[nv] = { ...m, version: nv };
    time[nv] = big.time?.[v] ?? '2020-01-01T00:00:00.000Z';
    size += JSON.stringify(versions[nv]).length;
    if (size >= 40e6) break;
  }
}
const synthFile = join(out, 'synthetic-40mb.json');
writeFileSync(synthFile, JSON.stringify({ ...big, versions, time }));
cases.push({ label: 'synthetic 40 MB', file: synthFile, name: big.name });

// Both implementations must agree before either is measured.
{
  const bytes = new Uint8Array(readFileSync(synthFile));
  const a = JSON.parse(new TextDecoder().decode(derivePackument(bytes, big.name, 'http://r.test').abbreviated));
  const b = JSON.parse(new TextDecoder().decode(naiveDerive(bytes, big.name, 'http://r.test').abbreviated));
  if (JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b))) throw new Error('outputs disagree: not measuring');
  console.log('outputs agree on the synthetic document\n');
}

function sortKeys(x) {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys(x[k])]));
  return x;
}

function throughput(fn, bytes, name) {
  fn(bytes, name, 'http://r.test'); // warm-up
  const runs = bytes.length > 10e6 ? 3 : 10;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn(bytes, name, 'http://r.test');
  const s = (performance.now() - t0) / 1000 / runs;
  return bytes.length / 1e6 / s;
}

function peak(impl, c) {
  const res = execFileSync(process.execPath, ['--expose-gc', join(here, 'derive-child.mjs'), impl, c.file, c.name], { encoding: 'utf8' });
  return JSON.parse(res);
}

const rows = [];
for (const c of cases) {
  const bytes = new Uint8Array(readFileSync(c.file));
  const naive = throughput(naiveDerive, bytes, c.name);
  const ours = throughput(derivePackument, bytes, c.name);
  const pn = peak('naive', c);
  const po = peak('ours', c);
  rows.push({ c, mb: bytes.length / 1e6, naive, ours, pn: pn.peak / 1e6, po: po.peak / 1e6 });
}

const pad = (s, n) => String(s).padStart(n);
console.log(`${'input'.padEnd(26)}${pad('MB', 7)}${pad('naive MB/s', 12)}${pad('ours MB/s', 11)}${pad('speed×', 8)}${pad('naive peak MB', 15)}${pad('ours peak MB', 14)}${pad('heap×', 7)}`);
for (const r of rows) {
  console.log(`${r.c.label.padEnd(26)}${pad(r.mb.toFixed(1), 7)}${pad(r.naive.toFixed(0), 12)}${pad(r.ours.toFixed(0), 11)}${pad((r.ours / r.naive).toFixed(2), 8)}${pad(r.pn.toFixed(1), 15)}${pad(r.po.toFixed(1), 14)}${pad((r.po / r.pn).toFixed(2), 7)}`);
}
const s = rows[rows.length - 1];
console.log(`\npeak = highest RSS while deriving once, above the RSS with the input loaded (fresh node process each).`);
console.log(`40 MB targets: speed ≥2× naive: ${s.ours / s.naive >= 2 ? 'met' : 'NOT met'} (${(s.ours / s.naive).toFixed(2)}×); ` +
  `peak ≤0.5× naive: ${s.po / s.pn <= 0.5 ? 'met' : 'NOT met'} (${(s.po / s.pn).toFixed(2)}×)`);
