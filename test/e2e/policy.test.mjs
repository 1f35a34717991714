// Issue 12 through npm start and the real npm: a release-age quarantine over a fixture whose newest
// version is shifted to now, block rules set and lifted around installs (scripts/policy.mjs), a version
// removed upstream, and keys and provenance served with the upstream stopped.
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeUpstream } from '../support/fake-upstream.mjs';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { ROOT, exec, isolatedEnv, removeTemps, startRegistry, tempDir } from './support.mjs';

const run = promisify(execFile);
const s = { up: undefined, reg: undefined };

beforeAll(async () => {
  s.up = await startFakeUpstream({ roots: [LOCAL_FIXTURES] });
  // A day's quarantine; documents fresh for a second, so an upstream change shows at once.
  s.reg = await startRegistry({ upstreamUrl: s.up.url, env: { MIN_RELEASE_AGE: '86400', CACHE_TTL: '1' } });
});

afterAll(async () => {
  await s.reg?.stop();
  await s.up?.close();
  removeTemps();
});

function project(prefix) {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `e2e-${prefix}`, version: '1.0.0', private: true }));
  return dir;
}

/** npm with its own empty cache and config, against the registry. */
function npm(dir, args) {
  const home = tempDir('home');
  return exec('npm', [...args, '--registry', s.reg.url, '--cache', join(home, 'cache'), '--no-fund', '--no-audit'], {
    cwd: dir,
    env: isolatedEnv(home),
  });
}

/** The npm run's failure text, or undefined when it succeeded. */
async function npmFails(dir, args) {
  try {
    await npm(dir, args);
    return undefined;
  } catch (e) {
    return e.message;
  }
}

const installed = (dir, name) =>
  JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;

async function upstreamDoc(name) {
  return (await fetch(`${s.up.url}${name}`)).json();
}

async function putUpstreamDoc(name, doc) {
  const r = await fetch(`${s.up.url}__control/packages/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: JSON.stringify(doc),
  });
  expect(r.ok).toBe(true);
}

async function policy(rules) {
  const file = join(tempDir('policy'), 'policy.json');
  writeFileSync(file, JSON.stringify({ block: rules }));
  const { stdout } = await run(process.execPath, [join(ROOT, 'scripts', 'policy.mjs'), file, s.reg.url]);
  expect(stdout).toContain(`${rules.length} block rules in force`);
}

/** A copy of a project with its lockfile, to `npm ci` with an empty cache. */
function copyProject(from, prefix) {
  const dir = tempDir(prefix);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(from, f), join(dir, f));
  return dir;
}

describe('release-age quarantine through npm start', () => {
  it('npm installs the version below the one published just now, and cannot get that one', async () => {
    const doc = await upstreamDoc('abbrev');
    doc.time['1.1.1'] = new Date().toISOString();
    await putUpstreamDoc('abbrev', doc);

    const dir = project('quar');
    await npm(dir, ['install', 'abbrev']);
    expect(installed(dir, 'abbrev')).toBe('1.1.0');
    expect(await npmFails(project('quar-exact'), ['install', 'abbrev@1.1.1'])).toMatch(/ETARGET|No matching version/);
    const t = await fetch(`${s.reg.url}abbrev/-/abbrev-1.1.1.tgz`);
    expect(t.status).toBe(403);
    expect((await t.json()).error).toMatch(/^abbrev@1\.1\.1 is quarantined until \d{4}-\d\d-\d\dT/);
  });
});

describe('block rules through npm start', () => {
  it('set and lifted around installs: a lockfile install is refused while the rule holds', async () => {
    const dir = project('blk');
    await npm(dir, ['install', 'chalk@2.4.2']); // mirrored and kept before the rule
    expect(installed(dir, 'chalk')).toBe('2.4.2');

    await policy([{ package: 'chalk', versions: '2.4.2', reason: 'e2e: a bad release' }]);
    const refused = await npmFails(copyProject(dir, 'blk-ci'), ['ci']);
    expect(refused).toContain('E403');
    expect(refused).toContain('chalk-2.4.2.tgz');
    expect(await npmFails(project('blk-new'), ['install', 'chalk@2.4.2'])).toMatch(/ETARGET|No matching version/);
    const t = await fetch(`${s.reg.url}chalk/-/chalk-2.4.2.tgz`);
    expect(await t.json()).toEqual({ error: 'chalk@2.4.2 is blocked: e2e: a bad release' });

    await policy([]);
    const again = copyProject(dir, 'blk-lifted');
    await npm(again, ['ci']);
    expect(installed(again, 'chalk')).toBe('2.4.2');
  });
});

describe('a version removed upstream, through npm start', () => {
  it('is no longer served, its kept tarball included; the other versions are', async () => {
    const dir = project('del');
    await npm(dir, ['install', 'color-name@1.1.3']);
    const doc = await upstreamDoc('color-name');
    delete doc.versions['1.1.3'];
    delete doc.time['1.1.3'];
    await putUpstreamDoc('color-name', doc);
    await vi.waitFor(
      async () => {
        const now = await (await fetch(`${s.reg.url}color-name`)).json();
        expect(Object.keys(now.versions)).not.toContain('1.1.3');
      },
      { timeout: 20_000, interval: 500 },
    );
    await vi.waitFor(async () =>
      expect((await fetch(`${s.reg.url}color-name/-/color-name-1.1.3.tgz`)).status).toBe(404),
    );
    expect(await npmFails(copyProject(dir, 'del-ci'), ['ci'])).toContain('E404');
    const other = project('del-other');
    await npm(other, ['install', 'color-name@1.1.4']);
    expect(installed(other, 'color-name')).toBe('1.1.4');
  });
});

describe('keys and provenance with the upstream stopped', () => {
  it('answers GET /-/npm/v1/keys and a mirrored version’s attestations from what it kept', async () => {
    const doc = await upstreamDoc('ansi-styles');
    doc.versions['4.3.0'].dist.attestations = {
      url: `${s.up.url}-/npm/v1/attestations/ansi-styles@4.3.0`,
      provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
    };
    await putUpstreamDoc('ansi-styles', doc);
    const ours = `${s.reg.url}-/npm/v1/attestations/ansi-styles@4.3.0`;
    await vi.waitFor(
      async () => {
        const now = await (await fetch(`${s.reg.url}ansi-styles`)).json();
        expect(now.versions['4.3.0'].dist.attestations.url).toBe(ours);
      },
      { timeout: 20_000, interval: 500 },
    );
    const before = await fetch(ours);
    expect(before.status).toBe(200);
    const bundle = await before.text();
    const keys = await (await fetch(`${s.reg.url}-/npm/v1/keys`)).json();
    expect(keys.keys.length).toBeGreaterThanOrEqual(2); // the upstream's and this registry's own
    const dir = project('keys');
    await npm(dir, ['install', 'ansi-styles@4.3.0']);

    await s.up.close();
    const after = await fetch(ours);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe(bundle);
    expect(await (await fetch(`${s.reg.url}-/npm/v1/keys`)).json()).toEqual(keys);
    const offline = copyProject(dir, 'keys-ci');
    await npm(offline, ['ci']);
    expect(installed(offline, 'ansi-styles')).toBe('4.3.0');
  });
});
