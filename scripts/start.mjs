// `npm start`: apply D1 migrations to the local state, then `wrangler dev` on 127.0.0.1.
// PORT (8787), UPSTREAM_URL (default: `npm config get registry`), STATE_DIR (.wrangler/state),
// ADMIN_TOKEN (`local`: the backfill endpoint's token, loopback only), LOCAL_SCOPES (e.g. `@acme`),
// READ_ACCESS (`users` for a private registry).
import { execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
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

const upstreamText = process.env.UPSTREAM_URL || execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
let upstream;
try {
  upstream = new URL(upstreamText);
} catch {
  fail(`UPSTREAM_URL is not a URL: ${upstreamText}`);
}
if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') fail(`UPSTREAM_URL must be http(s): ${upstreamText}`);

// Every name this machine answers to on loopback: an upstream among them would be this registry itself.
// (The URL parser already turns 127.1, 2130706433 and [0::1] into these forms.)
const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]', '[::ffff:7f00:1]', '[::ffff:0:0]']);
const upstreamPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
if (LOCAL.has(upstream.hostname.replace(/\.$/, '')) && upstreamPort === port) {
  fail(`UPSTREAM_URL ${upstream.href} is this registry's own origin (http://127.0.0.1:${port}/); point it at another registry`);
}

execFileSync(wrangler, ['d1', 'migrations', 'apply', 'registry', '--local', '--persist-to', stateDir], {
  cwd: root,
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});

const child = spawn(
  wrangler,
  ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', stateDir, '--test-scheduled',
    '--var', `UPSTREAM_URL:${upstream.href}`, '--var', `ADMIN_TOKEN:${process.env.ADMIN_TOKEN || 'local'}`, '--var', 'ALLOW_SIGNUP:true',
    ...['LOCAL_SCOPES', 'READ_ACCESS'].flatMap((v) => (process.env[v] ? ['--var', `${v}:${process.env[v]}`] : [])),
    '--show-interactive-dev-session=false'],
  { cwd: root, env, stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
