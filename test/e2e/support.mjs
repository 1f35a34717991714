// Helpers for end-to-end tests: `npm start` against a fake upstream, temp folders, client runs.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, vi } from 'vitest';
import { startFakeUpstream } from '../support/fake-upstream.mjs';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { freePort } from '../support/free-port.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const temps = [];

export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), `edge-reg-${prefix}-`));
  temps.push(d);
  return d;
}

export function removeTemps() {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * Starts `npm start` (scripts/start.mjs) on a free port; resolves once GET /-/ping answers.
 * `env`: extra variables for npm start, e.g. `{ LOCAL_SCOPES: '@acme' }`.
 */
export async function startRegistry({ upstreamUrl, stateDir = tempDir('state'), env = {} }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), UPSTREAM_URL: upstreamUrl, STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so workerd (and the wrangler commands it runs first) stop with it
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  // Done only when nothing live is left in the group: workerd can outlive npm start.
  const groupGone = (timeout) =>
    vi
      .waitFor(
        () => {
          if (groupAlive(child.pid)) throw new Error(`group ${child.pid} is still alive`);
        },
        { timeout, interval: 100 },
      )
      .then(
        () => true,
        () => false,
      );
  const stop = async () => {
    if (!groupAlive(child.pid)) return;
    signalGroup(child.pid, 'SIGTERM');
    if (await groupGone(5_000)) return;
    signalGroup(child.pid, 'SIGKILL');
    if (!(await groupGone(5_000))) throw new Error(`npm start's processes (group ${child.pid}) outlived SIGKILL`);
  };
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  // true once /-/ping answers 200; false as soon as npm start has exited; undefined after a minute of neither
  const answered = await vi
    .waitFor(
      async () => {
        if (exited()) return false;
        const r = await fetch(`${url}-/ping`);
        if (r.status !== 200) throw new Error(`/-/ping answered ${r.status}`);
        return true;
      },
      { timeout: 60_000, interval: 250 },
    )
    .catch(() => undefined);
  if (answered) return { url, port, stateDir, pid: child.pid, stop, log: () => log };
  await stop();
  if (exited()) throw new Error(`npm start exited ${child.exitCode ?? child.signalCode}:\n${log}`);
  throw new Error(`npm start never answered /-/ping:\n${log}`);
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {}
}

/** Whether a process group has a live (not zombie) member; where there is no /proc, whether it can be signalled. */
export function groupAlive(pgid) {
  if (!existsSync('/proc/self/stat')) {
    try {
      return process.kill(-pgid, 0);
    } catch {
      return false;
    }
  }
  return readdirSync('/proc').some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); // "pid (comm) state ppid pgrp ..."
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  });
}

/** An environment in which a client sees only `home` for its config and caches. */
export function isolatedEnv(home, extra = {}) {
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.data'),
  };
  for (const k of Object.keys(env)) if (/^(npm_|NPM_|YARN_|PNPM_|COREPACK_)/.test(k)) delete env[k];
  return {
    ...env,
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_globalconfig: join(home, 'global-npmrc'),
    npm_config_update_notifier: 'false',
    COREPACK_ENABLE_STRICT: '0',
    // under CI=true yarn 4 refuses to create a lockfile; the tests start from none
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    ...extra,
  };
}

export async function exec(cmd, args, opts) {
  try {
    return await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 300_000, ...opts });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.code}):\n${e.stdout}\n${e.stderr}`);
  }
}

/**
 * For a test file: a fake upstream over test/fixtures and `npm start` in front of it, both stopped
 * (and temp folders removed) after the file. Read `.upstream` and `.registry` inside tests.
 * `env`: extra variables for npm start (see startRegistry).
 */
export function useRegistry({ env: extraEnv = {} } = {}) {
  const env = { upstream: undefined, registry: undefined };
  beforeAll(async () => {
    env.upstream = await startFakeUpstream({ roots: [LOCAL_FIXTURES] });
    env.registry = await startRegistry({ upstreamUrl: env.upstream.url, env: extraEnv });
  });
  afterAll(async () => {
    await env.registry?.stop();
    await env.upstream?.close();
    removeTemps();
  });
  return env;
}

/** Puts `text` into the download aggregates bucket of npm start's local state, as `wrangler r2` does. */
export async function putAggregate(stateDir, key, text) {
  const file = join(tempDir('obj'), 'body');
  writeFileSync(file, text);
  await exec(
    join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['r2', 'object', 'put', `registry-aggregates/${key}`, '--file', file, '--local', '--persist-to', stateDir],
    // no banner, so no update check
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CI: '1' } },
  );
}

/**
 * Runs `npm login` (web login) in `home` against `registryUrl`; resolves { url, finished, child } once it
 * printed its login URL (`finished`: { code, out } when it exits).
 */
export function npmLogin(home, registryUrl) {
  const child = spawn('npm', ['login', '--registry', registryUrl], {
    cwd: home,
    env: isolatedEnv(home),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const finished = new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
  const url = new Promise((resolve, reject) => {
    const look = (chunk) => {
      out += chunk;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/-\/login\/[0-9a-f]{32})/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    finished.then(() => reject(new Error(`npm login ended before printing a URL:\n${out}`)));
  });
  return { url, finished, child };
}
