// npm start against a fake upstream, then real installs with npm, pnpm, yarn 1, yarn 4 and bun.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { ROOT, exec, isolatedEnv, tempDir, useRegistry } from './support.mjs';

// Their whole dependency trees are in test/fixtures (28 packages); one is scoped.
const PACKAGES = ['cli-truncate', '@babel/code-frame', 'minimatch', 'debug'];
// What every client must resolve: the fixtures' 2020 versions (the public registry's would be newer).
const CLOSURE_TEXT = `@babel/code-frame@7.10.4 @babel/helper-validator-identifier@7.10.4 @babel/highlight@7.10.4
  ansi-regex@5.0.0 ansi-styles@3.2.1 ansi-styles@4.3.0 astral-regex@2.0.0 balanced-match@1.0.0 brace-expansion@1.1.11
  chalk@2.4.2 cli-truncate@2.1.0 color-convert@1.9.3 color-convert@2.0.1 color-name@1.1.3 color-name@1.1.4
  concat-map@0.0.1 debug@4.2.0 emoji-regex@8.0.0 escape-string-regexp@1.0.5 has-flag@3.0.0 is-fullwidth-code-point@3.0.0
  js-tokens@4.0.0 minimatch@3.0.4 ms@2.1.2 slice-ansi@3.0.0 string-width@4.2.0 strip-ansi@6.0.0 supports-color@5.5.0`;
const CLOSURE = CLOSURE_TEXT.split(/\s+/);
const NPM = 'npm';
const PNPM = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const YARN1 = join(ROOT, 'node_modules', 'yarn', 'bin', 'yarn.js');
const YARN4 = join(ROOT, 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');

const live = useRegistry();

function fixtureDist(name, version) {
  return JSON.parse(readFileSync(join(LOCAL_FIXTURES, `${name.replace(/^@/, '')}.json`), 'utf8')).versions[version]
    .dist;
}

function fixtureIntegrity(name, version) {
  const { integrity, shasum } = fixtureDist(name, version);
  // clients turn an old package's hex shasum into an SRI string
  return integrity ?? `sha1-${Buffer.from(shasum, 'hex').toString('base64')}`;
}

function project(prefix) {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `e2e-${prefix}`, version: '1.0.0', private: true }));
  return dir;
}

const sorted = (specs) => [...specs].sort();

function installedNames(dir) {
  return PACKAGES.filter((p) => existsSync(join(dir, 'node_modules', p, 'package.json')));
}

async function npmInstall(dir) {
  const home = tempDir('home');
  const { stdout } = await exec(
    NPM,
    ['install', '--registry', live.registry.url, '--cache', join(home, 'cache'), '--no-fund', ...PACKAGES],
    {
      cwd: dir,
      env: isolatedEnv(home),
    },
  );
  checkNpmInstall(dir);
  return stdout;
}

function checkNpmInstall(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const entries = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/'));
  const names = entries.map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  expect(sorted(entries.map(([, entry], i) => `${names[i]}@${entry.version}`))).toEqual(CLOSURE);
  entries.forEach(([path, entry], i) => {
    expect(entry.resolved).toBe(`${live.registry.url}${names[i]}/-/${names[i].split('/').pop()}-${entry.version}.tgz`);
    expect(entry.integrity).toBe(fixtureIntegrity(names[i], entry.version));
    expect(JSON.parse(readFileSync(join(dir, path, 'package.json'), 'utf8')).version).toBe(entry.version);
  });
  expect(installedNames(dir)).toEqual(PACKAGES);
}

describe('installs through npm start', () => {
  it('npm installs with lockfile URLs and integrities from this registry', async () => {
    const stdout = await npmInstall(project('npm'));
    expect(stdout).toMatch(/found 0 vulnerabilities/); // the audit went through this registry to the upstream
  });

  it('npm installs again into a new folder with a new cache while the upstream is down', async () => {
    await live.upstream.close();
    const down = await fetch(live.upstream.url).catch(() => 'refused');
    expect(down).toBe('refused');
    await npmInstall(project('npm-offline'));
  });

  it('pnpm installs through it', async () => {
    const dir = project('pnpm');
    const home = tempDir('home');
    await exec(
      process.execPath,
      [
        PNPM,
        'add',
        ...PACKAGES,
        '--registry',
        live.registry.url,
        '--store-dir',
        join(home, 'store'),
        '--cache-dir',
        join(home, 'cache'),
        '--config.update-notifier=false',
      ],
      { cwd: dir, env: isolatedEnv(home, { CI: '1' }) },
    );
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8');
    // pnpm records integrities (and no URL when the tarball is at the registry's usual path)
    const integrities = [
      ...lock.matchAll(/'?(@?[^'\s:@]+(?:\/[^'\s:@]+)?)@([0-9][^'\s:]*)'?:\n\s+resolution: \{integrity: ([^}]+)\}/g),
    ];
    expect(sorted(integrities.map(([, name, version]) => `${name}@${version}`))).toEqual(CLOSURE);
    for (const [, name, version, integrity] of integrities) expect(integrity).toBe(fixtureIntegrity(name, version));
    expect(lock).not.toMatch(/tarball: (?!http:\/\/127\.0\.0\.1)/);
  });

  it('yarn 1 installs through it', async () => {
    const dir = project('yarn1');
    const home = tempDir('home');
    await exec(
      process.execPath,
      [
        YARN1,
        'add',
        ...PACKAGES,
        '--registry',
        live.registry.url,
        '--cache-folder',
        join(home, 'cache'),
        '--no-default-rc',
        '--non-interactive',
        '--no-progress',
      ],
      { cwd: dir, env: isolatedEnv(home) },
    );
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    const entries = [...lock.matchAll(/^ {2}version "(.+)"\n {2}resolved "(.+)"\n {2}integrity (\S+)$/gm)];
    const names = entries.map(([, , url]) => new URL(url).pathname.slice(1).split('/-/')[0]);
    expect(sorted(entries.map(([, version], i) => `${names[i]}@${version}`))).toEqual(CLOSURE);
    entries.forEach(([, version, url, integrity], i) => {
      const file = `${names[i].split('/').pop()}-${version}.tgz`;
      expect(url).toBe(`${live.registry.url}${names[i]}/-/${file}#${fixtureDist(names[i], version).shasum}`);
      expect(integrity).toBe(fixtureIntegrity(names[i], version));
    });
  });

  it('yarn 4 installs through it', async () => {
    const dir = project('yarn4');
    const home = tempDir('home');
    mkdirSync(join(home, 'yarn'), { recursive: true });
    writeFileSync(
      join(dir, '.yarnrc.yml'),
      [
        `npmRegistryServer: "${live.registry.url.replace(/\/$/, '')}"`,
        'unsafeHttpWhitelist: ["127.0.0.1"]',
        'enableGlobalCache: false',
        'enableTelemetry: false',
        'nodeLinker: node-modules',
        `globalFolder: "${join(home, 'yarn')}"`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'yarn.lock'), '');
    await exec(process.execPath, [YARN4, 'add', ...PACKAGES], {
      cwd: dir,
      env: isolatedEnv(home),
    });
    expect(installedNames(dir)).toEqual(PACKAGES);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    const resolutions = [...lock.matchAll(/^ {2}resolution: "(.+)@npm:(.+)"$/gm)].map(
      ([, name, version]) => `${name}@${version}`,
    );
    expect(sorted(resolutions)).toEqual(CLOSURE);
    expect([...lock.matchAll(/^ {2}checksum: \S+$/gm)].length).toBe(28);
  });

  it('bun installs through it', async () => {
    const dir = project('bun');
    const home = tempDir('home');
    // the registry from bunfig.toml here (test/e2e/private.test.mjs passes --registry)
    writeFileSync(join(dir, 'bunfig.toml'), `[install]\nregistry = "${live.registry.url}"\n`);
    await exec(BUN, ['add', ...PACKAGES, '--cache-dir', join(home, 'cache')], {
      cwd: dir,
      env: isolatedEnv(home, { BUN_CONFIG_NO_TELEMETRY: '1', DO_NOT_TRACK: '1' }),
    });
    expect(installedNames(dir)).toEqual(PACKAGES);
    // bun.lock is JSON with trailing commas: packages maps a path to [name@version, registry, info, integrity]
    const lock = JSON.parse(readFileSync(join(dir, 'bun.lock'), 'utf8').replace(/,(\s*[}\]])/g, '$1'));
    const entries = Object.values(lock.packages).map(([spec, , , integrity]) => {
      const at = spec.lastIndexOf('@');
      return { name: spec.slice(0, at), version: spec.slice(at + 1), integrity };
    });
    expect(sorted(entries.map((e) => `${e.name}@${e.version}`))).toEqual(CLOSURE);
    for (const e of entries) expect(e.integrity).toBe(fixtureIntegrity(e.name, e.version));
  });
});
