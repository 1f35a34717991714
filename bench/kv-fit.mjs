// `node bench/kv-fit.mjs`: how many packument documents fit KV's value limit once gzip-compressed, the way
// src/cache/packument-cache.ts stores them (gzip at the default level, as CompressionStream's; a document
// whose gzip form passes 25 MiB − 1024 bytes goes to R2 instead).
// 1. Every document of the shared fixture archive: the full document as stored (the project's own derivation,
//    src/packages/derive.ts bundled with esbuild, so each dist.tarball points at ORIGIN) and the derived
//    abbreviated one; also the archive's captured abbreviated documents (`.min.json`) as the upstream served them.
// 2. The twenty largest full documents among a list of candidates known for very large packuments, fetched
//    from the upstream (UPSTREAM_URL, else `npm config get registry`), two at a time, each with a timeout.
// Figures only: nothing here passes or fails. MB = 10^6 bytes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { ARCHIVE, sharedRegistry } from '../test/support/fixtures.mjs';

const started = performance.now();
const gzip = promisify(gzipCb);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, '.out');
const MB = 1e6;
const MIB = 1024 * 1024;
/** KV_VALUE_LIMIT in src/cache/packument-cache.ts: KV's 25 MiB value limit less 1024 bytes. */
const LIMIT = 25 * MIB - 1024;
const ORIGIN = process.env.KV_FIT_ORIGIN ?? 'https://registry.example.test';
const TIMEOUT_MS = Number(process.env.KV_FIT_TIMEOUT_MS ?? 180_000);
const TOP = 20;

// Packages known (or likely) to have very large documents: thousands of versions (nightlies, canaries,
// snapshots) or heavy per-version metadata. Those the upstream does not have are skipped.
const CANDIDATES = [
  '@types/node',
  'typescript',
  'next',
  'aws-sdk',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-ec2',
  'aws-cdk-lib',
  'aws-cdk',
  '@aws-cdk/core',
  'projen',
  'cdktf',
  '@pulumi/aws',
  '@pulumi/azure-native',
  '@pulumi/pulumi',
  '@angular/core',
  '@angular/cli',
  '@angular/compiler-cli',
  'react-native',
  'react-native-windows',
  'react',
  'react-dom',
  'electron',
  'electron-to-chromium',
  '@babel/core',
  'webpack',
  'eslint',
  '@typescript-eslint/eslint-plugin',
  'firebase',
  'firebase-tools',
  '@firebase/app',
  '@mui/material',
  '@mui/icons-material',
  '@material-ui/core',
  'prisma',
  '@prisma/client',
  '@swc/core',
  'esbuild',
  'vite',
  'vercel',
  '@vercel/node',
  '@vercel/next',
  'renovate',
  '@fluentui/react',
  '@fluentui/react-components',
  'office-ui-fabric-react',
  '@microsoft/teams-js',
  'googleapis',
  '@cloudflare/workers-types',
  'wrangler',
  'workerd',
  'miniflare',
  '@storybook/react',
  'storybook',
  'nx',
  '@nrwl/workspace',
  'gatsby',
  '@sentry/browser',
  '@sentry/node',
  'posthog-js',
  'snyk',
  'n8n',
  'n8n-nodes-base',
  '@backstage/core-plugin-api',
  '@elastic/eui',
  'expo',
  'devextreme',
  '@progress/kendo-angular-grid',
  '@progress/kendo-react-grid',
  '@syncfusion/ej2-grids',
  'ag-grid-community',
  '@babylonjs/core',
  'babylonjs',
  '@tensorflow/tfjs',
  'discord-api-types',
  'discord.js',
  'tailwindcss',
  '@parcel/core',
  'svelte',
  'astro',
  'vue',
  '@vue/compiler-sfc',
  'pnpm',
  'npm',
  'playwright-core',
  'puppeteer',
  'cypress',
  'jsii',
  'effect',
  '@atlaskit/editor-core',
  'ckeditor5',
  '@wordpress/components',
  'sanity',
  '@ionic/core',
  '@stencil/core',
  '@shopify/polaris',
  'zone.js',
  'rxjs',
  'core-js',
  'caniuse-lite',
  'turbo',
  '@rspack/core',
];

const mb = (n) => (n / MB).toFixed(2);
const fits = (n) => n <= LIMIT;
const yes = (b) => (b ? 'yes' : 'NO');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

console.log(`kv-fit: measured ${new Date().toISOString()}, node ${process.version}`);
console.log(
  `limit: ${LIMIT.toLocaleString('en-US')} bytes (25 MiB − 1024 = ${mb(LIMIT)} MB); ` +
    `gzip: node:zlib at the default level; tarball URLs rewritten to ${ORIGIN}`,
);
const cacheSource = readFileSync(join(root, 'src', 'cache', 'packument-cache.ts'), 'utf8');
if (!cacheSource.includes('KV_VALUE_LIMIT = 25 * 1024 * 1024 - 1024'))
  console.log('warning: src/cache/packument-cache.ts no longer says KV_VALUE_LIMIT = 25 * 1024 * 1024 - 1024');

// The project's derivation, bundled as wrangler would see it; without it, documents are measured as given.
let derivePackument;
try {
  mkdirSync(out, { recursive: true });
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [
    join(root, 'src', 'packages', 'derive.ts'),
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    `--outfile=${join(out, 'kv-fit-derive.mjs')}`,
    '--log-level=warning',
  ]);
  ({ derivePackument } = await import(join(out, 'kv-fit-derive.mjs')));
} catch (e) {
  console.log(`note: could not bundle src/packages/derive.ts (${firstLine(e)}): documents measured as given`);
}

/** The documents KV would hold for `input`: { full, abbreviated, versions, note }. */
function stored(input, name) {
  if (!derivePackument) return { full: input, abbreviated: undefined, versions: undefined, note: 'not derived' };
  try {
    const d = derivePackument(new Uint8Array(input.buffer, input.byteOffset, input.length), name, ORIGIN);
    const full = Buffer.concat(d.full, d.fullLength);
    return { full, abbreviated: Buffer.from(d.abbreviated), versions: Object.keys(d.tarballs).length };
  } catch (e) {
    return { full: input, abbreviated: undefined, versions: undefined, note: `derivation failed: ${firstLine(e)}` };
  }
}

async function measure(buf) {
  if (!buf) return undefined;
  return { raw: buf.length, gz: (await gzip(buf)).length };
}

function firstLine(e) {
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message ?? e.cause})` : '';
  return `${String(e?.message ?? e).split('\n')[0]}${cause}`;
}

function countLine(label, items) {
  const n = items.length;
  const rawFit = items.filter((m) => fits(m.raw)).length;
  const gzFit = items.filter((m) => fits(m.gz)).length;
  const raw = items.reduce((s, m) => s + m.raw, 0);
  const gz = items.reduce((s, m) => s + m.gz, 0);
  console.log(
    `  ${pad(label, 30)} ${lpad(n, 5)} documents, ${lpad(mb(raw), 8)} MB → ${lpad(mb(gz), 7)} MB gzipped; ` +
      `over the limit: ${n - rawFit} raw, ${n - gzFit} gzipped`,
  );
  return { n, rawFit, gzFit };
}

function largest(label, items, k = 5) {
  console.log(`  largest ${k} ${label}:`);
  console.log(`    ${pad('name', 34)} ${lpad('raw MB', 8)} ${lpad('gzip MB', 8)} ${lpad('ratio', 6)}`);
  for (const m of [...items].sort((a, b) => b.raw - a.raw).slice(0, k))
    console.log(
      `    ${pad(m.name, 34)} ${lpad(mb(m.raw), 8)} ${lpad(mb(m.gz), 8)} ${lpad(`${(m.raw / m.gz).toFixed(1)}×`, 6)}`,
    );
}

// --- 1. fixtures ------------------------------------------------------------------------------------------------
const fixtureSummary = {};
const registry = sharedRegistry();
if (!registry) {
  console.log(`\n1. fixtures: archive absent (${ARCHIVE}): skipped`);
} else {
  const t0 = performance.now();
  const files = readdirSync(registry, { recursive: true })
    .map((f) => String(f).split(sep).join('/'))
    .filter((f) => f.endsWith('.json') && !f.includes('/-/'))
    .sort();
  const nameOf = (base) => (base.includes('/') ? `@${base}` : base);
  const fulls = [];
  const abbrevs = [];
  const captured = [];
  const notes = [];
  let malformed = 0;
  for (const f of files) {
    const buf = readFileSync(join(registry, f));
    if (f.endsWith('.min.json')) {
      const name = nameOf(f.slice(0, -'.min.json'.length));
      try {
        JSON.parse(buf.toString('utf8'));
      } catch {
        malformed++;
        notes.push(`${name}.min.json is malformed as captured (measured anyway)`);
      }
      captured.push({ name, ...(await measure(buf)) });
      continue;
    }
    const name = nameOf(f.slice(0, -'.json'.length));
    const s = stored(buf, name);
    if (s.note) notes.push(`${name}: ${s.note}`);
    fulls.push({ name, ...(await measure(s.full)) });
    if (s.abbreviated) abbrevs.push({ name, ...(await measure(s.abbreviated)) });
  }
  console.log(
    `\n1. fixtures (${ARCHIVE.split(sep).slice(-3).join('/')}), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  fixtureSummary.full = countLine('full (as stored)', fulls);
  fixtureSummary.abbrev = countLine('abbreviated (derived, stored)', abbrevs);
  countLine('abbreviated (captured .min)', captured);
  const twins = new Set(captured.map((m) => m.name));
  const pairs = fulls.filter((m) => twins.has(m.name)).length;
  console.log(
    `  ${pairs} of the ${fulls.length} full documents have a captured .min.json twin, ` +
      `${pairs - malformed} of which parse`,
  );
  for (const n of notes.slice(0, 10)) console.log(`  note: ${n}`);
  if (notes.length > 10) console.log(`  note: … and ${notes.length - 10} more`);
  largest('full documents', fulls);
  largest('abbreviated documents (derived)', abbrevs);
}

// --- 2. the largest documents the upstream has ------------------------------------------------------------------
const upstream = (
  process.env.UPSTREAM_URL || execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim()
).replace(/\/+$/, '');
/** Error text with the upstream's address left out. */
const hide = (s) => s.replaceAll(upstream, '<upstream>').replaceAll(new URL(upstream).host, '<upstream>');
const t1 = performance.now();
const results = [];
const failures = [];
const missing = [];
let upstreamDate;

async function fetchOne(name) {
  const url = `${upstream}/${encodeURIComponent(name).replace(/^%40/, '@')}`;
  const t = performance.now();
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    upstreamDate ??= res.headers.get('date') ?? undefined;
    if (res.status === 404) {
      await res.body?.cancel();
      missing.push(name);
      return;
    }
    if (!res.ok) {
      await res.body?.cancel();
      failures.push(`${name}: HTTP ${res.status}`);
      return;
    }
    const chunks = [];
    for await (const c of res.body) chunks.push(c);
    const input = Buffer.concat(chunks);
    const s = stored(input, name);
    const full = await measure(s.full);
    const abbrev = await measure(s.abbreviated);
    // What the upstream's documents carry, to compare them with other registries' (figures only).
    const doc = JSON.parse(input.toString('utf8'));
    const shape = {
      readme: typeof doc.readme === 'string' && doc.readme.length > 0,
      modified: typeof doc.time?.modified === 'string',
      compact: Buffer.byteLength(JSON.stringify(doc)),
    };
    results.push({ name, upstreamBytes: input.length, ...full, abbrev, shape, versions: s.versions, note: s.note });
  } catch (e) {
    failures.push(`${name}: ${hide(firstLine(e))} after ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

const queue = [...CANDIDATES];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length > 0) await fetchOne(queue.shift());
  }),
);
const top = results.sort((a, b) => b.raw - a.raw).slice(0, TOP);
console.log(
  `\n2. the ${TOP} largest full documents among ${CANDIDATES.length} candidates, fetched from the upstream ` +
    `(Accept: application/json) on ${upstreamDate ?? new Date().toUTCString()}, ` +
    `${((performance.now() - t1) / 1000).toFixed(1)} s`,
);
console.log(
  `  fetched ${results.length}, not on the upstream (404) ${missing.length}, failed ${failures.length}` +
    (missing.length ? `; 404: ${missing.join(', ')}` : ''),
);
for (const f of failures) console.log(`  failed: ${f}`);
console.log(
  `    ${pad('#', 3)}${pad('name', 30)} ${lpad('versions', 8)} ${lpad('raw MB', 8)} ${lpad('gzip MB', 8)} ` +
    `${lpad('ratio', 6)} ${lpad('fits gz', 7)} ${lpad('fits raw', 8)}  ${lpad('abbrev MB', 9)} ${lpad('→ gz', 6)}`,
);
top.forEach((m, i) => {
  const abbrev = m.abbrev
    ? `${lpad(mb(m.abbrev.raw), 9)} ${lpad(mb(m.abbrev.gz), 6)}`
    : `${lpad('-', 9)} ${lpad('-', 6)}`;
  const ratio = `${(m.raw / m.gz).toFixed(1)}×`;
  console.log(
    `    ${pad(i + 1, 3)}${pad(m.name, 30)} ${lpad(m.versions ?? '?', 8)} ${lpad(mb(m.raw), 8)} ${lpad(mb(m.gz), 8)} ` +
      `${lpad(ratio, 6)} ${lpad(yes(fits(m.gz)), 7)} ${lpad(yes(fits(m.raw)), 8)}  ${abbrev}` +
      (m.note ? `  (${m.note})` : ''),
  );
});
const topGzFit = top.filter((m) => fits(m.gz)).length;
const topRawFit = top.filter((m) => fits(m.raw)).length;
const withAbbrev = top.filter((m) => m.abbrev);
const abbrevOver = withAbbrev.filter((m) => !fits(m.abbrev.gz)).length;
const abbrevSmaller = withAbbrev.filter((m) => m.abbrev.raw < m.raw && m.abbrev.gz < m.gz).length;
const inputBytes = top.reduce((n, m) => n + m.upstreamBytes, 0);
const compactBytes = top.reduce((n, m) => n + m.shape.compact, 0);
console.log(
  `  the upstream's documents: ${top.filter((m) => m.shape.readme).length}/${top.length} have a top-level readme, ` +
    `${top.filter((m) => m.shape.modified).length}/${top.length} a time.modified; as compact JSON they would be ` +
    `${(100 * (1 - compactBytes / inputBytes)).toFixed(1)}% smaller`,
);
console.log(
  '  raw MB: the full document as stored (tarball URLs rewritten); abbrev: the derived abbreviated document, ' +
    `smaller than the full one (raw and gzipped) for ${abbrevSmaller}/${withAbbrev.length}, ` +
    `over the limit gzipped for ${abbrevOver}/${withAbbrev.length}`,
);

// --- 3. summary -------------------------------------------------------------------------------------------------
const f = fixtureSummary.full;
const a = fixtureSummary.abbrev;
const big = top[0];
const fixtureText = f
  ? `${f.gzFit}/${f.n} full and ${a.gzFit}/${a.n} abbreviated documents fit KV gzipped ` +
    `(${f.rawFit}/${f.n} and ${a.rawFit}/${a.n} raw)`
  : 'skipped';
console.log(
  `\nfixtures: ${fixtureText}; ` +
    `twenty largest reachable: ${topGzFit}/${top.length} fit gzipped (${topRawFit}/${top.length} raw); ` +
    `largest: ${big ? `${big.name} ${mb(big.raw)} MB → ${mb(big.gz)} MB` : 'none fetched'}`,
);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
