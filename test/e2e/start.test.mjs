// The `npm start` contract: its refusals; the vars it passes through; the cron it fires on schedule;
// and its state, which wrangler's --local commands share and a restart keeps. (Serving is exercised by
// install.test.mjs and the others.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeUpstream } from '../support/fake-upstream.mjs';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { ROOT, exec, groupAlive, removeTemps, startRegistry, tempDir } from './support.mjs';

async function start(env) {
  try {
    await exec(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return 'started';
  } catch (e) {
    return e.message;
  }
}

describe('npm start', () => {
  it.each([
    'http://127.0.0.1:18787/',
    'http://localhost:18787/mirror/',
    'http://[::1]:18787',
    'http://0.0.0.0:18787/',
    'http://127.1:18787/',
    'http://localhost.:18787/',
    'http://[::ffff:127.0.0.1]:18787/',
  ])('refuses its own origin as upstream (%s)', async (url) => {
    const out = await start({ PORT: '18787', UPSTREAM_URL: url });
    expect(out).toMatch(/is this registry's own origin/);
  });

  it('refuses its own origin when the upstream leaves the port implicit', async () => {
    expect(await start({ PORT: '80', UPSTREAM_URL: 'http://localhost/' })).toMatch(/is this registry's own origin/);
  });

  it.each(['not a url', 'ftp://example.test/'])('refuses an upstream that is not an http(s) URL (%s)', async (url) => {
    expect(await start({ PORT: '18787', UPSTREAM_URL: url })).toMatch(/UPSTREAM_URL (is not a URL|must be http)/);
  });
});

// no banner, so no update check
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CI: '1' };
const wrangler = (args) => exec(join(ROOT, 'node_modules', '.bin', 'wrangler'), args, { cwd: ROOT, env: wranglerEnv });

// One state folder through two runs of npm start and wrangler's own --local commands in between.
describe('npm start: vars, the cron, and state shared with wrangler --local across restarts', () => {
  const shared = { stateDir: undefined, upstream: undefined, registry: undefined };
  beforeAll(async () => {
    shared.upstream = await startFakeUpstream({ roots: [LOCAL_FIXTURES] });
    shared.stateDir = tempDir('shared-state');
  });
  afterAll(async () => {
    await shared.registry?.stop();
    await shared.upstream?.close();
    removeTemps();
  });

  it(
    'passes wrangler.toml vars and PUBLIC_URL through from the environment, ' + 'and fires the cron on its schedule',
    async () => {
      shared.registry = await startRegistry({
        upstreamUrl: shared.upstream.url,
        stateDir: shared.stateDir,
        env: { CLIENT_MAX_AGE: '123', PUBLIC_URL: 'https://registry.example.test', CRONS: '* * * * *' },
      });
      const { url } = shared.registry;
      const r = await fetch(new URL('abbrev', url));
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toMatch(/max-age=123\b/);
      expect((await r.json()).versions['1.1.1'].dist.tarball).toBe(
        'https://registry.example.test/abbrev/-/abbrev-1.1.1.tgz',
      );
      const tgz = await fetch(new URL('abbrev/-/abbrev-1.1.1.tgz', url));
      expect(tgz.status).toBe(200);
      await tgz.arrayBuffer();

      // aggregates written by wrangler into the same local R2, imported by the cron with nobody asking
      const file = join(tempDir('obj'), 'body');
      writeFileSync(file, 'abbrev 7\n');
      await wrangler([
        'r2',
        'object',
        'put',
        'registry-aggregates/2020-03-01/100/part-00000',
        '--file',
        file,
        '--local',
        '--persist-to',
        shared.stateDir,
      ]);
      writeFileSync(file, '');
      await wrangler([
        'r2',
        'object',
        'put',
        'registry-aggregates/2020-03-01/100/_SUCCESS',
        '--file',
        file,
        '--local',
        '--persist-to',
        shared.stateDir,
      ]);
      const downloads = await vi.waitFor(
        async () => {
          const answer = await (await fetch(new URL('downloads/point/2020-03-01/abbrev', url))).json();
          if (!answer.downloads) throw new Error(`no downloads imported yet: ${JSON.stringify(answer)}`);
          return answer;
        },
        { timeout: 90_000, interval: 2000 },
      );
      expect(downloads).toEqual({ downloads: 7, start: '2020-03-01', end: '2020-03-01', package: 'abbrev' });
      // The cron's line comes when the whole invocation is done, which may be after the day above lands.
      await vi.waitFor(() => expect(shared.registry.log()).toMatch(/cron "\* \* \* \* \*": 200 Ran scheduled event/), {
        timeout: 30_000,
        interval: 200,
      });

      // and an account, in D1
      const signup = await fetch(new URL('-/user/org.couchdb.user:carol', url), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          _id: 'org.couchdb.user:carol',
          name: 'carol',
          password: 'correct horse',
          email: 'c@example.test',
          type: 'user',
          roles: [],
          date: new Date().toISOString(),
        }),
      });
      expect(signup.status).toBe(201);
    },
  );

  it('delivers the download queue to the Worker: the tarball served above is counted', async () => {
    const day = new Date().toISOString().slice(0, 10);
    // the consumer gets its batch within max_batch_timeout (5 s); a cron pass then publishes the day's counts
    const { ran, answer } = await vi.waitFor(
      async () => {
        const s = await fetch(new URL('__scheduled', shared.registry.url));
        const ran = [s.status, await s.text()];
        if (ran[0] !== 200 || ran[1] !== 'Ran scheduled event') return { ran }; // no retry: asserted below
        const answer = await (await fetch(new URL(`downloads/point/${day}/abbrev`, shared.registry.url))).json();
        if (!answer.downloads) throw new Error(`not counted yet: ${JSON.stringify(answer)}`);
        return { ran, answer };
      },
      { timeout: 60_000, interval: 2000 },
    );
    expect(ran).toEqual([200, 'Ran scheduled event']);
    expect(answer).toEqual({ downloads: 1, start: day, end: day, package: 'abbrev' });
  });

  it('stops workerd too when only npm start itself gets SIGTERM', async () => {
    process.kill(shared.registry.pid, 'SIGTERM');
    await vi.waitFor(() => expect(groupAlive(shared.registry.pid)).toBe(false), { timeout: 15_000, interval: 100 });
    shared.registry = undefined;
  });

  it('leaves state that wrangler --local --persist-to reads', async () => {
    const { stdout } = await wrangler([
      'd1',
      'execute',
      'registry',
      '--local',
      '--persist-to',
      shared.stateDir,
      '--json',
      '--command',
      'SELECT name FROM users',
    ]);
    expect(JSON.parse(stdout)[0].results).toEqual([{ name: 'carol' }]);
    const keys = await wrangler([
      'kv',
      'key',
      'list',
      '--namespace-id',
      '00000000000000000000000000000000',
      '--local',
      '--persist-to',
      shared.stateDir,
    ]);
    expect(JSON.parse(keys.stdout).map((k) => k.name)).toContain('meta:https://registry.example.test:abbrev');
    const out = join(tempDir('get'), 'abbrev.tgz');
    await wrangler([
      'r2',
      'object',
      'get',
      'registry-tarballs/tarballs/abbrev/abbrev-1.1.1.tgz',
      '--file',
      out,
      '--local',
      '--persist-to',
      shared.stateDir,
    ]);
    expect(readFileSync(out).equals(readFileSync(join(LOCAL_FIXTURES, 'abbrev', '-', 'abbrev-1.1.1.tgz')))).toBe(true);
  });

  it('serves the same state after a restart, with the upstream gone', async () => {
    await shared.upstream.close();
    shared.upstream = undefined;
    // the same PUBLIC_URL: cached documents are kept per origin (their tarball URLs name it), and the port is new
    shared.registry = await startRegistry({
      upstreamUrl: 'http://127.0.0.1:9/',
      stateDir: shared.stateDir,
      env: { PUBLIC_URL: 'https://registry.example.test' },
    });
    const { url } = shared.registry;
    const doc = await fetch(new URL('abbrev', url));
    expect(doc.status).toBe(200);
    expect(Object.keys((await doc.json()).versions)).toContain('1.1.1');
    const tgz = await fetch(new URL('abbrev/-/abbrev-1.1.1.tgz', url));
    expect(tgz.status).toBe(200);
    expect(
      Buffer.from(await tgz.arrayBuffer()).equals(
        readFileSync(join(LOCAL_FIXTURES, 'abbrev', '-', 'abbrev-1.1.1.tgz')),
      ),
    ).toBe(true);
    expect(await (await fetch(new URL('downloads/point/2020-03-01/abbrev', url))).json()).toMatchObject({
      downloads: 7,
    });
    const login = await fetch(new URL('-/user/org.couchdb.user:carol', url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: 'org.couchdb.user:carol',
        name: 'carol',
        password: 'correct horse',
        type: 'user',
        roles: [],
        date: new Date().toISOString(),
      }),
    });
    expect(login.status).toBe(201);
  });
});
