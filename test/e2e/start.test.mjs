// The `npm start` contract's refusals (the serving side is exercised by install.test.mjs).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, exec } from './support.mjs';

async function start(env) {
  try {
    await exec(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], { env: { ...process.env, ...env }, timeout: 30_000 });
    return 'started';
  } catch (e) {
    return e.message;
  }
}

describe('npm start', () => {
  it.each(['http://127.0.0.1:18787/', 'http://localhost:18787/mirror/', 'http://[::1]:18787', 'http://0.0.0.0:18787/',
    'http://127.1:18787/', 'http://localhost.:18787/', 'http://[::ffff:127.0.0.1]:18787/'])('refuses its own origin as upstream (%s)', async (url) => {
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
