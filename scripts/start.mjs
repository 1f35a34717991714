// `npm start`: apply D1 migrations to the local state, bundle the Worker as `wrangler deploy` would, and
// serve that bundle on Miniflare at 127.0.0.1:$PORT with the bindings, state layout and cron of
// wrangler.toml. Not `wrangler dev` (that is `npm run dev`): its inspector proxy makes one connection to
// Node per DevTools event, one per 4 KiB of every upstream body, and big packuments exhaust workerd's
// file descriptors (see README, "npm start"). Environment: PORT (8787), UPSTREAM_URL (default:
// `npm config get registry`), STATE_DIR (.wrangler/state), CRONS (replaces wrangler.toml's, `;` between),
// and every Worker var of wrangler.toml plus ADMIN_TOKEN (`local`) and PUBLIC_URL, passed through.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCron, scheduleCrons } from './start-cron.mjs';
import { limitedLog } from './start-log.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const wranglerToml = join(root, 'wrangler.toml');
const port = Number(process.env.PORT || 8787);
const stateDir = resolve(process.env.STATE_DIR || join(root, '.wrangler', 'state'));
// Non-interactive and offline apart from the upstream: the banner's update check would ask the public
// registry, and miniflare would fetch a `cf` object from Cloudflare on every start.
const env = {
  ...process.env,
  CI: process.env.CI ?? '1',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1',
};

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number, not ${process.env.PORT}`);

const upstreamText =
  process.env.UPSTREAM_URL || execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
let upstream;
try {
  upstream = new URL(upstreamText);
} catch {
  fail(`UPSTREAM_URL is not a URL: ${upstreamText}`);
}
if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:')
  fail(`UPSTREAM_URL must be http(s): ${upstreamText}`);

// Every name this machine answers to on loopback: an upstream among them would be this registry itself.
// (The URL parser already turns 127.1, 2130706433 and [0::1] into these forms.)
const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]', '[::ffff:7f00:1]', '[::ffff:0:0]']);
const upstreamPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
if (LOCAL.has(upstream.hostname.replace(/\.$/, '')) && upstreamPort === port) {
  fail(
    `UPSTREAM_URL ${upstream.href} is this registry's own origin (http://127.0.0.1:${port}/); ` +
      'point it at another registry',
  );
}

// Loaded only now, so that a refused configuration answers at once (wrangler's module is large).
const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = await import('wrangler');
const { Log, LogLevel, Miniflare } = await import('miniflare');

const config = unstable_readConfig({ config: wranglerToml });
let crons;
try {
  crons = (
    process.env.CRONS ? process.env.CRONS.split(';').filter((c) => c.trim()) : (config.triggers?.crons ?? [])
  ).map(parseCron);
} catch (e) {
  fail(`cron: ${e.message}`);
}

// Every D1 database of wrangler.toml: `registry`, and any download-counts shards (DOWNLOADS_1…).
for (const db of config.d1_databases ?? [{ database_name: 'registry' }])
  execFileSync(wrangler, ['d1', 'migrations', 'apply', db.database_name, '--local', '--persist-to', stateDir], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

// The bundle `wrangler deploy` would upload: no dev middleware, no watcher, no inspector.
const bundleDir = mkdtempSync(join(tmpdir(), 'npm-start-bundle-'));
process.on('exit', () => rmSync(bundleDir, { recursive: true, force: true })); // however it exits
try {
  execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', bundleDir], { cwd: root, env, stdio: 'pipe' });
} catch (e) {
  fail(`bundling failed:\n${e.stdout}${e.stderr}`);
}

const log = limitedLog();
class LimitedLog extends Log {
  log(message) {
    log.line(message);
  }
}

// wrangler.toml's bindings as wrangler itself translates them (ids, bucket names, queue consumer
// settings), so the state under <STATE_DIR>/v3 is the one `wrangler ... --local --persist-to` uses.
const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
const { name } = config;
// The secrets too: ADMIN_TOKEN, UPSTREAM_TOKENS and SIGNING_KEY (a throwaway one unless given).
const throwawayKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'der' })
  .toString('base64');
const vars = {
  ...workerOptions.bindings,
  UPSTREAM_URL: upstream.href,
  ADMIN_TOKEN: 'local',
  ALLOW_SIGNUP: 'true',
  SIGNING_KEY: throwawayKey,
};
const secrets = ['ADMIN_TOKEN', 'UPSTREAM_TOKENS', 'SIGNING_KEY', 'PUBLIC_URL'];
for (const k of new Set([...Object.keys(workerOptions.bindings), ...secrets])) {
  if (k !== 'UPSTREAM_URL' && process.env[k]) vars[k] = process.env[k];
}

// In front: `GET /__scheduled` runs the cron handler, answered as `wrangler dev --test-scheduled` does;
// everything else goes to the Worker unchanged (same request, headers and CF-Connecting-IP).
const FRONT =
  `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/__scheduled') return env.WORKER.fetch(request);
    const { outcome } = await env.WORKER.scheduled(` +
  `{ cron: url.searchParams.get('cron') ?? '', scheduledTime: new Date() });
    return outcome === 'ok' ? new Response('Ran scheduled event') : ` +
  `new Response('Scheduled event failed: ' + outcome, { status: 500 });
  },
};`;

let mf;
let stopCrons = () => {};
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  stopCrons();
  log.close();
  // Ends workerd. After a failed start dispose() can wait on nothing forever, so it gets 5 s.
  await Promise.race([mf?.dispose().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(code);
}
// Registered before Miniflare's own SIGINT/SIGTERM hook (which kills workerd and exits at once), so these
// run first; SIGHUP (a closed terminal) has only this one.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(128 + constants.signals[sig]));

mf = new Miniflare({
  host: '127.0.0.1',
  port,
  cf: false, // a placeholder request.cf, not one fetched from Cloudflare
  defaultPersistRoot: join(stateDir, 'v3'), // wrangler's --persist-to layout: v3/d1, v3/kv, v3/r2, ...
  log: new LimitedLog(LogLevel.INFO),
  logRequests: false, // each request log is a workerd-to-Node call; keep Node off the request path
  handleRuntimeStdio: (stdout, stderr) => {
    log.pipe(stdout);
    log.pipe(stderr);
  },
  workers: [
    {
      name: 'npm-start-front',
      modules: true,
      script: FRONT,
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: ['service_binding_extra_handlers'], // Fetcher.scheduled()
      serviceBindings: { WORKER: name },
    },
    {
      ...workerOptions,
      name,
      modules: true,
      modulesRoot: bundleDir,
      scriptPath: join(bundleDir, 'index.js'),
      bindings: vars,
    },
  ],
});

try {
  await mf.ready;
} catch (e) {
  console.error(`npm start: ${e.message}`);
  await stop(1);
}
const url = `http://127.0.0.1:${port}/`;
stopCrons = scheduleCrons(crons, async (cron) => {
  try {
    const r = await fetch(`${url}__scheduled?cron=${encodeURIComponent(cron)}`);
    log.line(`npm start: cron "${cron}": ${r.status} ${(await r.text()).slice(0, 500)}`);
  } catch (e) {
    log.line(`npm start: cron "${cron}" failed: ${e.message}`);
  }
});
log.line(
  `npm start: ready on ${url} (upstream ${upstream.href}, state ${stateDir}, ` +
    `crons ${crons.map((c) => `"${c.expr}"`).join(', ') || 'none'})`,
);
