// `npm login` with the real npm CLI (web login, its default) against npm start: npm prints the login URL
// and polls; the test signs in through the page's form as a browser would (CSRF value and cookie), then
// npm saves the token, and `npm whoami` uses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, isolatedEnv, npmLogin, tempDir, useRegistry } from './support.mjs';

const live = useRegistry();

describe('npm login (web) through npm start', () => {
  it('prints the login URL, waits for the form, then saves a working token', async () => {
    const home = tempDir('web');
    const login = npmLogin(home, live.registry.url);
    const url = await login.url;

    // The browser's part: open the page, send the form with its CSRF value and cookie.
    const pageRes = await fetch(url);
    expect(pageRes.status).toBe(200);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await pageRes.text())[1];
    const cookie = pageRes.headers.get('set-cookie').split(';')[0];
    const form = new URLSearchParams({
      csrf,
      name: 'webby',
      password: 'web pass',
      email: 'w@example.test',
      action: 'signup',
    });
    const sent = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: form.toString(),
    });
    expect(sent.status).toBe(200);

    const { code, out } = await login.finished;
    expect(code, out).toBe(0);
    expect(readFileSync(join(home, '.npmrc'), 'utf8')).toMatch(/:_authToken=npm_/);
    const { stdout } = await exec('npm', ['whoami', '--registry', live.registry.url], {
      cwd: home,
      env: isolatedEnv(home),
    });
    expect(stdout.trim()).toBe('webby');
  });
});
