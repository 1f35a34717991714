// A private registry (READ_ACCESS=users) with the real npm CLI against npm start: a user's token
// installs local and mirrored packages, with npm and with bun; without one, both are refused.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, exec, isolatedEnv, tempDir, useRegistry } from './support.mjs';

const live = useRegistry({ env: { READ_ACCESS: 'users', LOCAL_SCOPES: '@acme' } });
const SECRET = '@acme/secret';

function homeWith(token) {
  const home = tempDir('home');
  const host = new URL(live.registry.url).host;
  writeFileSync(join(home, '.npmrc'), token ? `//${host}/:_authToken=${token}\n` : '');
  return home;
}

function npm(home, args, cwd = home) {
  return exec(
    'npm',
    [...args, '--registry', live.registry.url, '--cache', join(home, 'cache'), '--no-fund', '--no-audit'],
    { cwd, env: isolatedEnv(home) },
  );
}

/** bun add, reading the token from the home's .npmrc as npm does. */
function bunAdd(home, specs, cwd) {
  return exec(
    join(ROOT, 'node_modules', '.bin', 'bun'),
    ['add', ...specs, '--registry', live.registry.url, '--cache-dir', join(home, 'bun-cache')],
    { cwd, env: isolatedEnv(home, { DO_NOT_TRACK: '1' }) },
  );
}

function project() {
  const dir = tempDir('project');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'e2e-private', version: '1.0.0', private: true }));
  return dir;
}

describe('a private registry through npm start', () => {
  let home;

  it('lets a user sign up without a token, publish, and install local and mirrored packages', async () => {
    const res = await fetch(new URL('-/user/org.couchdb.user:carol', live.registry.url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: 'org.couchdb.user:carol',
        name: 'carol',
        password: 'carol pw',
        email: 'c@example.test',
        type: 'user',
        roles: [],
      }),
    });
    expect(res.status).toBe(201);
    home = homeWith((await res.json()).token);

    const pkg = tempDir('pkg');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: SECRET, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), 'module.exports = "secret";\n');
    expect((await npm(home, ['publish'], pkg)).stdout).toContain(`+ ${SECRET}@1.0.0`);

    const dir = project();
    await npm(home, ['install', SECRET, 'debug'], dir);
    expect(readFileSync(join(dir, 'node_modules', '@acme', 'secret', 'index.js'), 'utf8')).toContain('secret');
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/debug'].resolved).toBe(`${live.registry.url}debug/-/debug-4.2.0.tgz`);
    expect(lock.packages['node_modules/ms'].version).toBe('2.1.2');

    const withBun = project();
    await bunAdd(home, [SECRET, 'debug'], withBun);
    expect(readFileSync(join(withBun, 'node_modules', '@acme', 'secret', 'index.js'), 'utf8')).toContain('secret');
    expect(JSON.parse(readFileSync(join(withBun, 'node_modules', 'ms', 'package.json'), 'utf8')).version).toBe('2.1.2');
  });

  it('refuses npm without a token, for local and mirrored packages alike', async () => {
    const anonymous = homeWith();
    for (const spec of [SECRET, 'debug']) {
      await expect(npm(anonymous, ['install', spec], project())).rejects.toThrow(/E401/);
      await expect(npm(anonymous, ['view', spec])).rejects.toThrow(/E401/);
      await expect(bunAdd(anonymous, [spec], project())).rejects.toThrow(/401/);
    }
    // the token's owner still reads
    expect((await npm(home, ['view', SECRET, 'version'])).stdout.trim()).toBe('1.0.0');
  });
});
