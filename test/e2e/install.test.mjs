// npm start against a fake upstream, then real installs with npm, pnpm, yarn 1 and yarn 4.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { ROOT, exec, isolatedEnv, tempDir, useRegistry } from './support.mjs';

// Their whole dependency trees are in test/fixtures (28 packages); one is scoped.
const PACKAGES = ['cli-truncate', '@babel/code-frame', 'minimatch', 'debug'];
const NPM = 'npm';
const PNPM = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const YARN1 = join(ROOT, 'node_modules', 'yarn', 'bin', 'yarn.js');
const YARN4 = join(ROOT, 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js');

const live = useRegistry();

function fixtureIntegrity(name, version) {
  const doc = JSON.parse(readFileSync(join(LOCAL_FIXTURES, `${name.replace(/^@/, '')}.json`), 'utf8'));
  const { integrity, shasum } = doc.versions[version].dist;
  // clients turn an old package's hex shasum into an SRI string
  return integrity ?? `sha1-${Buffer.from(shasum, 'hex').toString('base64')}`;
}

function project(prefix) {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `e2e-${prefix}`, version: '1.0.0', private: true }));
  return dir;
}

function installedNames(dir) {
  return PACKAGES.filter((p) => existsSync(join(dir, 'node_modules', p, 'package.json')));
}

async function npmInstall(dir) {
  const home = tempDir('home');
  await exec(NPM, ['install', '--registry', live.registry.url, '--cache', join(home, 'cache'), '--no-fund', ...PACKAGES], {
    cwd: dir,
    env: isolatedEnv(home),
  });
  return JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
}

function checkNpmLock(lock) {
  const entries = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/'));
  expect(entries.length).toBe(28);
  for (const [path, entry] of entries) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    expect(entry.resolved.startsWith(live.registry.url)).toBe(true);
    expect(entry.resolved).toBe(`${live.registry.url}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`);
    expect(entry.integrity).toBe(fixtureIntegrity(name, entry.version));
  }
}


describe('installs through npm start', () => {
  it('npm installs with lockfile URLs and integrities from this registry', async () => {
    const dir = project('npm');
    checkNpmLock(await npmInstall(dir));
    expect(installedNames(dir)).toEqual(PACKAGES);
  });

  it('npm installs again into a new folder with a new cache while the upstream is down', async () => {
    await live.upstream.close();
    const down = await fetch(live.upstream.url).catch(() => 'refused');
    expect(down).toBe('refused');
    const dir = project('npm-offline');
    checkNpmLock(await npmInstall(dir));
    expect(installedNames(dir)).toEqual(PACKAGES);
  });

  it('pnpm installs through it', async () => {
    const dir = project('pnpm');
    const home = tempDir('home');
    await exec(process.execPath, [PNPM, 'add', ...PACKAGES, '--registry', live.registry.url, '--store-dir', join(home, 'store'),
      '--cache-dir', join(home, 'cache'), '--config.update-notifier=false'], { cwd: dir, env: isolatedEnv(home, { CI: '1' }) });
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8');
    // pnpm records integrities (and no URL when the tarball is at the registry's usual path)
    const integrities = [...lock.matchAll(/'?(@?[^'\s:@]+(?:\/[^'\s:@]+)?)@([0-9][^'\s:]*)'?:\n\s+resolution: \{integrity: ([^}]+)\}/g)];
    expect(integrities.length).toBe(28);
    for (const [, name, version, integrity] of integrities) expect(integrity).toBe(fixtureIntegrity(name, version));
    expect(lock).not.toMatch(/tarball: (?!http:\/\/127\.0\.0\.1)/);
  });

  it('yarn 1 installs through it', async () => {
    const dir = project('yarn1');
    const home = tempDir('home');
    await exec(process.execPath, [YARN1, 'add', ...PACKAGES, '--registry', live.registry.url, '--cache-folder', join(home, 'cache'),
      '--no-default-rc', '--non-interactive', '--no-progress'], { cwd: dir, env: isolatedEnv(home) });
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    const resolved = [...lock.matchAll(/^\s+resolved "([^"]+)"/gm)].map((m) => m[1]);
    expect(resolved.length).toBe(28);
    for (const url of resolved) expect(url.startsWith(live.registry.url)).toBe(true);
    const integrity = [...lock.matchAll(/^\s+integrity (\S+)/gm)];
    expect(integrity.length).toBe(28);
  });

  it('yarn 4 installs through it', async () => {
    const dir = project('yarn4');
    const home = tempDir('home');
    mkdirSync(join(home, 'yarn'), { recursive: true });
    writeFileSync(join(dir, '.yarnrc.yml'), [
      `npmRegistryServer: "${live.registry.url.replace(/\/$/, '')}"`,
      'unsafeHttpWhitelist: ["127.0.0.1"]',
      'enableGlobalCache: false',
      'enableTelemetry: false',
      'nodeLinker: node-modules',
      `globalFolder: "${join(home, 'yarn')}"`,
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'yarn.lock'), '');
    await exec(process.execPath, [YARN4, 'add', ...PACKAGES], {
      cwd: dir,
      env: isolatedEnv(home, { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_TELEMETRY: '0' }),
    });
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    const checksums = [...lock.matchAll(/^\s+checksum: \S+/gm)];
    expect(checksums.length).toBe(28);
    expect(lock).toMatch(/"debug@npm:4\.2\.0"/);
  });
});
