// Local publishing with the real npm CLI against npm start: publish (unscoped and in a local scope),
// view, install, dist-tag, deprecate, owner, unpublish, and the writes that must be refused.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, exec, isolatedEnv, tempDir, useRegistry } from './support.mjs';

const live = useRegistry({ env: { LOCAL_SCOPES: '@acme' } });

const SUFFIX = randomBytes(4).toString('hex');
const NAME = `e2e-local-pkg-${SUFFIX}`;
const SCOPED = `@acme/e2e-scoped-${SUFFIX}`;
const ALICE = `alice-${SUFFIX}`;
const BOB = `bob-${SUFFIX}`;

// One npm cache per folder npm runs in, so nothing leaks between projects.
const caches = new Map();
function cacheFor(cwd) {
  if (!caches.has(cwd)) caches.set(cwd, tempDir('cache'));
  return caches.get(cwd);
}

/** Runs npm as the user whose HOME is `home`, in `cwd` (default: home); resolves to { stdout, stderr }. */
function run(home, args, cwd = home) {
  return exec('npm', [...args, '--registry', live.registry.url, '--cache', cacheFor(cwd)], {
    cwd,
    env: isolatedEnv(home),
  });
}

const npm = async (home, args, cwd) => (await run(home, args, cwd)).stdout.trim();

/** Runs npm expecting it to fail; returns what it printed (with its HTTP requests). */
async function npmFails(home, args, cwd = home) {
  const out = await run(home, [...args, '--loglevel', 'http'], cwd).then(
    ({ stdout }) => ({ ok: true, stdout }),
    (e) => ({ ok: false, message: e.message }),
  );
  if (out.ok) throw new Error(`npm ${args.join(' ')} succeeded but should have failed:\n${out.stdout}`);
  return out.message;
}

const json = async (home, args, cwd) => JSON.parse(await npm(home, [...args, '--json'], cwd));

function url(path) {
  return new URL(path, live.registry.url);
}

async function signUp(name) {
  const res = await fetch(url(`-/user/org.couchdb.user:${name}`), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      _id: `org.couchdb.user:${name}`,
      name,
      password: `pw of ${name}`,
      email: `${name}@example.test`,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  });
  expect(res.status).toBe(201);
  const { token } = await res.json();
  expect(token).toMatch(/\S/);
  return { name, token, home: homeWith(name, token) };
}

/** A HOME whose .npmrc holds `token` for this registry (none when token is undefined). */
function homeWith(prefix, token) {
  const home = tempDir(prefix);
  const host = new URL(live.registry.url).host;
  writeFileSync(join(home, '.npmrc'), token ? `//${host}/:_authToken=${token}\n` : '');
  return home;
}

/** A package folder: package.json, index.js, README.md. */
function packageDir(name, version, description) {
  const dir = tempDir('pkg');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version, description, main: 'index.js', license: 'MIT' }, null, 2),
  );
  writeFileSync(join(dir, 'index.js'), indexJs(name, version));
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\n${description}\n`);
  return dir;
}

const indexJs = (name, version) => `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`;

function setVersion(dir, version) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  writeFileSync(join(dir, 'index.js'), indexJs(pkg.name, version));
}

const tarball = (name, version) => url(`${name}/-/${name.split('/').pop()}-${version}.tgz`);

describe('local publishing with the npm CLI', () => {
  let alice, bob, pkgDir, scopedDir;

  it('signs up two users, each with a token in their own .npmrc', async () => {
    alice = await signUp(ALICE);
    bob = await signUp(BOB);
    expect(await npm(alice.home, ['whoami'])).toBe(ALICE);
    expect(await npm(bob.home, ['whoami'])).toBe(BOB);
  });

  it('publishes an unscoped package and one in the local scope', async () => {
    pkgDir = packageDir(NAME, '1.0.0', 'an e2e package');
    scopedDir = packageDir(SCOPED, '1.0.0', 'an e2e scoped package');
    expect(await npm(alice.home, ['publish'], pkgDir)).toContain(`+ ${NAME}@1.0.0`);
    expect(await npm(alice.home, ['publish'], scopedDir)).toContain(`+ ${SCOPED}@1.0.0`);

    const view = await json(alice.home, ['view', NAME]);
    expect(view).toMatchObject({
      name: NAME,
      version: '1.0.0',
      description: 'an e2e package',
      'dist-tags': { latest: '1.0.0' },
    });
    expect(view.dist.tarball).toBe(tarball(NAME, '1.0.0').href);
    expect(view.maintainers).toEqual([expect.stringContaining(ALICE)]);
    const scoped = await json(alice.home, ['view', SCOPED]);
    expect(scoped).toMatchObject({
      name: SCOPED,
      version: '1.0.0',
      description: 'an e2e scoped package',
      'dist-tags': { latest: '1.0.0' },
    });
    expect(scoped.dist.tarball).toBe(tarball(SCOPED, '1.0.0').href);

    // the raw documents, as any client reads them
    const full = await (await fetch(url(NAME))).json();
    expect(full.versions['1.0.0']._npmUser).toMatchObject({ name: ALICE });
    expect(full.readme).toContain('an e2e package');
    expect(Object.keys(full.time)).toEqual(expect.arrayContaining(['created', 'modified', '1.0.0']));
    const res = await fetch(url(SCOPED.replace('/', '%2f')), {
      headers: { accept: 'application/vnd.npm.install-v1+json' },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).versions['1.0.0'].dist.tarball).toBe(tarball(SCOPED, '1.0.0').href);
  });

  it('npm installs both into a new project', async () => {
    const home = tempDir('installer'); // no token: reads need none
    const dir = tempDir('project');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'e2e-publish-consumer', version: '1.0.0', private: true }),
    );
    await npm(home, ['install', '--no-fund', '--no-audit', NAME, SCOPED], dir);
    for (const name of [NAME, SCOPED]) {
      const installed = join(dir, 'node_modules', ...name.split('/'));
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe('1.0.0');
      expect(readFileSync(join(installed, 'index.js'), 'utf8')).toBe(indexJs(name, '1.0.0'));
    }
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages[`node_modules/${NAME}`].resolved).toBe(tarball(NAME, '1.0.0').href);
    expect(lock.packages[`node_modules/${SCOPED}`].resolved).toBe(tarball(SCOPED, '1.0.0').href);
  });

  it('publishes 1.1.0 and manages dist-tags', async () => {
    setVersion(pkgDir, '1.1.0');
    expect(await npm(alice.home, ['publish'], pkgDir)).toContain(`+ ${NAME}@1.1.0`);
    expect(await json(alice.home, ['view', NAME, 'dist-tags'])).toEqual({ latest: '1.1.0' });

    await npm(alice.home, ['dist-tag', 'add', `${NAME}@1.0.0`, 'old']);
    const ls = await npm(alice.home, ['dist-tag', 'ls', NAME]);
    expect(ls.split('\n').sort()).toEqual(['latest: 1.1.0', 'old: 1.0.0']);
    const tags = await fetch(url(`-/package/${NAME}/dist-tags`));
    expect(await tags.json()).toEqual({ latest: '1.1.0', old: '1.0.0' });

    await npm(alice.home, ['dist-tag', 'rm', NAME, 'old']);
    expect(await npm(alice.home, ['dist-tag', 'ls', NAME])).toBe('latest: 1.1.0');
  });

  it('deprecates and un-deprecates a version', async () => {
    await npm(alice.home, ['deprecate', `${NAME}@1.0.0`, 'use 1.1.0']);
    expect(await npm(alice.home, ['view', `${NAME}@1.0.0`, 'deprecated'])).toBe('use 1.1.0');
    expect(await npm(alice.home, ['view', `${NAME}@1.1.0`, 'deprecated'])).toBe('');
    // installs read it from the abbreviated document
    const dir = tempDir('deprecated');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'e2e-deprecated-consumer', version: '1.0.0', private: true }),
    );
    const { stderr } = await run(tempDir('installer'), ['install', '--no-fund', '--no-audit', `${NAME}@1.0.0`], dir);
    expect(stderr).toContain(`deprecated ${NAME}@1.0.0: use 1.1.0`);
    await npm(alice.home, ['deprecate', `${NAME}@1.0.0`, '']);
    expect(await npm(alice.home, ['view', `${NAME}@1.0.0`, 'deprecated'])).toBe('');
    const full = await (await fetch(url(NAME))).json();
    expect(full.versions['1.0.0']).not.toHaveProperty('deprecated');
  });

  it('adds and removes an owner', async () => {
    expect(await npm(alice.home, ['owner', 'ls', NAME])).toBe(`${ALICE} <${ALICE}@example.test>`);
    await npm(alice.home, ['owner', 'add', BOB, NAME]);
    expect((await npm(alice.home, ['owner', 'ls', NAME])).split('\n').sort()).toEqual([
      `${ALICE} <${ALICE}@example.test>`,
      `${BOB} <${BOB}@example.test>`,
    ]);
    await npm(alice.home, ['owner', 'rm', BOB, NAME]);
    expect(await npm(alice.home, ['owner', 'ls', NAME])).toBe(`${ALICE} <${ALICE}@example.test>`);
  });

  it('unpublishes one version, which can never be published again', async () => {
    const before = await fetch(tarball(NAME, '1.0.0'));
    expect(before.status).toBe(200);
    await before.arrayBuffer();

    await npm(alice.home, ['unpublish', `${NAME}@1.0.0`]);
    expect(await json(alice.home, ['view', NAME, 'versions'])).toEqual(['1.1.0']);
    const gone = await fetch(tarball(NAME, '1.0.0'));
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    const kept = await fetch(tarball(NAME, '1.1.0'));
    expect(kept.status).toBe(200);
    await kept.arrayBuffer();
    // the full document still remembers 1.0.0 in `time`
    const full = await (await fetch(url(NAME))).json();
    expect(Object.keys(full.versions)).toEqual(['1.1.0']);
    expect(full.time).toHaveProperty('1.0.0');

    setVersion(pkgDir, '1.0.0');
    const out = await npmFails(alice.home, ['publish', '--tag', 'old'], pkgDir);
    expect(out).toMatch(/E403/);
    expect(out).toMatch(/cannot publish over the previously published versions/);
  });

  it('refuses writes without a token and from a user who is not a maintainer', async () => {
    setVersion(pkgDir, '1.2.0');
    const anonymous = homeWith('anonymous');
    expect(await npmFails(anonymous, ['publish'], pkgDir)).toMatch(/E401|ENEEDAUTH/);
    // npm refuses the above itself; with a token the registry does not know, the registry answers 401
    const unknown = homeWith('unknown-token', `npm_${randomBytes(32).toString('hex')}`);
    expect(await npmFails(unknown, ['publish'], pkgDir)).toMatch(/E401/);
    expect(await npmFails(bob.home, ['publish'], pkgDir)).toMatch(/E403/);
    expect(await npmFails(bob.home, ['dist-tag', 'add', `${NAME}@1.1.0`, 'beta'])).toMatch(/E403/);
    expect(await npmFails(bob.home, ['deprecate', `${NAME}@1.1.0`, 'nope'])).toMatch(/E403/);
    expect(await npmFails(bob.home, ['unpublish', NAME, '--force'])).toMatch(/E403/);

    // the same over raw HTTP: no token is 401
    const res = await fetch(url(`-/package/${NAME}/dist-tags/beta`), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify('1.1.0'),
    });
    expect(res.status).toBe(401);
    await res.arrayBuffer();

    const view = await json(alice.home, ['view', NAME]);
    expect(view.versions).toEqual(['1.1.0']);
    expect(view['dist-tags']).toEqual({ latest: '1.1.0' });
    expect(view).not.toHaveProperty('deprecated');
  });

  it('unpublishes the whole package', async () => {
    await npm(alice.home, ['unpublish', NAME, '--force']);
    expect(await npmFails(alice.home, ['view', NAME])).toMatch(/E404/);
    const res = await fetch(url(NAME));
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    const tgz = await fetch(tarball(NAME, '1.1.0'));
    expect(tgz.status).toBe(404);
    await tgz.arrayBuffer();
    const tags = await fetch(url(`-/package/${NAME}/dist-tags`));
    expect(tags.status).toBe(404);
    await tags.arrayBuffer();
    // the scoped package is untouched
    expect(await npm(alice.home, ['view', SCOPED, 'version'])).toBe('1.0.0');
  });

  it('after that, its versions stay used; its owner may publish new ones', async () => {
    setVersion(pkgDir, '1.1.0');
    expect(await npmFails(alice.home, ['publish'], pkgDir)).toMatch(
      /cannot publish over the previously published versions: 1\.1\.0/,
    );
    setVersion(pkgDir, '2.0.0');
    expect(await npmFails(bob.home, ['publish'], pkgDir)).toMatch(/E403/);
    expect(await npm(alice.home, ['publish'], pkgDir)).toContain(`+ ${NAME}@2.0.0`);
    expect(await json(alice.home, ['view', NAME, 'versions'])).toEqual(['2.0.0']);
    expect(await npm(alice.home, ['view', NAME, 'dist-tags.latest'])).toBe('2.0.0');
  });

  it('takes publishes from pnpm, yarn 1, yarn 4 and bun too', async () => {
    const host = new URL(live.registry.url).host;
    const bin = (...p) => join(ROOT, 'node_modules', ...p);
    const node = process.execPath;
    // each client: [command, ...arguments]
    const clients = {
      pnpm: [node, bin('pnpm', 'bin', 'pnpm.cjs'), 'publish', '--no-git-checks', '--registry', live.registry.url],
      yarn1: [
        node,
        bin('yarn', 'bin', 'yarn.js'),
        'publish',
        '--non-interactive',
        '--new-version',
        '1.0.0',
        '--no-git-tag-version',
        '--registry',
        live.registry.url,
      ],
      yarn4: [node, bin('@yarnpkg', 'cli-dist', 'bin', 'yarn.js'), 'npm', 'publish'],
      // bun reads the token from ~/.npmrc
      bun: [bin('.bin', 'bun'), 'publish', '--registry', live.registry.url],
    };
    for (const [client, [cmd, ...args]] of Object.entries(clients)) {
      const name = `@acme/by-${client}-${SUFFIX}`;
      const dir = packageDir(name, '1.0.0', `published with ${client}`);
      const env = isolatedEnv(alice.home);
      writeFileSync(
        join(alice.home, '.npmrc'),
        `//${host}/:_authToken=${alice.token}\nregistry=${live.registry.url}\n`,
      );
      if (client === 'yarn4') {
        writeFileSync(
          join(dir, '.yarnrc.yml'),
          `npmRegistryServer: "${live.registry.url}"\nnpmAuthToken: "${alice.token}"\n` +
            'unsafeHttpWhitelist: ["127.0.0.1"]\n',
        );
        await exec(cmd, [args[0], 'install'], { cwd: dir, env }); // yarn 4 publishes from a lockfile
      }
      await exec(cmd, args, { cwd: dir, env });
      const view = await json(alice.home, ['view', name]);
      expect(view).toMatchObject({ name, version: '1.0.0', description: `published with ${client}` });
      expect(view.dist.tarball).toBe(tarball(name, '1.0.0').href);
      const tgz = await fetch(tarball(name, '1.0.0'));
      expect(tgz.status).toBe(200);
      await tgz.arrayBuffer();
    }
  });
});
