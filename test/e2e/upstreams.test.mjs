// npm start with a second upstream for one scope (UPSTREAMS) that demands its token (UPSTREAM_TOKENS):
// the real npm installs a tree drawn from both, and the token goes only to that upstream.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../support/fake-upstream.mjs';
import { LOCAL_FIXTURES } from '../support/fixtures.mjs';
import { exec, isolatedEnv, removeTemps, startRegistry, tempDir } from './support.mjs';

const TOKEN = 'e2e-babel-upstream-token';
const s = { main: undefined, babel: undefined, registry: undefined };

beforeAll(async () => {
  s.main = await startFakeUpstream({ roots: [LOCAL_FIXTURES] });
  s.babel = await startFakeUpstream({ roots: [LOCAL_FIXTURES], token: TOKEN });
  s.registry = await startRegistry({
    upstreamUrl: s.main.url,
    env: { UPSTREAMS: `@babel=${s.babel.url}`, UPSTREAM_TOKENS: JSON.stringify({ '@babel': TOKEN }) },
  });
});

afterAll(async () => {
  await s.registry?.stop();
  await s.main?.close();
  await s.babel?.close();
  removeTemps();
});

async function seen(upstream, name) {
  const r = await fetch(`${upstream.url}__control/seen/${encodeURIComponent(name)}`);
  return (await r.json()).requests;
}

describe('a scope from its own upstream, through npm start', () => {
  it('npm installs a tree from both upstreams; the token reaches only its own', async () => {
    const dir = tempDir('ups');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'e2e-ups', version: '1.0.0', private: true }));
    const home = tempDir('home');
    await exec(
      'npm',
      ['install', '--registry', s.registry.url, '--cache', join(home, 'cache'), '--no-fund', '@babel/code-frame'],
      { cwd: dir, env: isolatedEnv(home) },
    );
    for (const name of ['@babel/code-frame', '@babel/highlight']) {
      const atBabel = await seen(s.babel, name);
      expect(atBabel.length).toBeGreaterThanOrEqual(2); // its document and its tarball
      for (const r of atBabel) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
      expect(await seen(s.main, name)).toEqual([]);
    }
    const chalk = await seen(s.main, 'chalk'); // a dependency outside the scope: the default upstream
    expect(chalk.length).toBeGreaterThanOrEqual(2);
    for (const r of chalk) expect(r.authorization).toBeNull();
    expect(await seen(s.babel, 'chalk')).toEqual([]);
  });
});
