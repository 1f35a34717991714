// Web login (issue 13, part 3): the CLI begins, the browser's form signs in (CSRF value and cookie), the
// CLI's poll gets the token once; sessions expire; a wrong password, a stale form and sign-up rules.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { fetchWorker, uniqueName } from './helpers';

async function begin(): Promise<{ loginUrl: string; doneUrl: string }> {
  const r = await fetchWorker('/-/v1/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(r.status).toBe(200);
  return r.json();
}

const path = (url: string) => new URL(url).pathname;

/** The login page: its CSRF value (hidden field) and the cookie it sets. */
async function openPage(loginUrl: string, vars?: Record<string, string>) {
  const r = await fetchWorker(path(loginUrl), {}, vars);
  const html = await r.text();
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(html)?.[1];
  const cookie = r.headers.get('set-cookie')?.split(';')[0];
  return { r, html, csrf, cookie };
}

function submit(loginUrl: string, fields: Record<string, string>, cookie?: string, vars?: Record<string, string>) {
  return fetchWorker(
    path(loginUrl),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    },
    vars,
  );
}

async function signUpUser(name: string, password: string) {
  const r = await fetchWorker(`/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password, email: `${name}@example.test` }),
  });
  expect(r.status).toBe(201);
}

describe('web login', () => {
  it('begin, sign in through the form, then the poll gets a working token once', async () => {
    const name = uniqueName('web');
    await signUpUser(name, 'pw-web-1');
    const { loginUrl, doneUrl } = await begin();
    expect(loginUrl).toMatch(/^http:\/\/reg\.test\/-\/login\/[0-9a-f]{32}$/);
    expect(doneUrl).toMatch(/^http:\/\/reg\.test\/-\/v1\/done\/[0-9a-f]{64}$/);

    const pending = await fetchWorker(path(doneUrl));
    expect(pending.status).toBe(202);
    expect(pending.headers.get('retry-after')).toBe('1');

    const { r, html, csrf, cookie } = await openPage(loginUrl);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toContain('<label for="password">');
    // One script only, the site's own, allowed by its hash.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(cookie).toBe(`login_csrf=${csrf}`);

    const wrong = await submit(loginUrl, { csrf: csrf!, name, password: 'nope', action: 'login' }, cookie);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong user name or password');
    expect((await fetchWorker(path(doneUrl))).status).toBe(202);

    const ok = await submit(loginUrl, { csrf: csrf!, name, password: 'pw-web-1', action: 'login' }, cookie);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`Signed in as ${name}`);

    const got = await fetchWorker(path(doneUrl));
    expect(got.status).toBe(200);
    const { token } = await got.json<{ token: string }>();
    const who = await fetchWorker('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
    expect(await who.json()).toEqual({ username: name });
    // Single use: the session is gone, and its page says so.
    expect((await fetchWorker(path(doneUrl))).status).toBe(404);
    expect((await fetchWorker(path(loginUrl))).status).toBe(404);
  });

  it('refuses a form without the matching CSRF value or cookie', async () => {
    const name = uniqueName('web-csrf');
    await signUpUser(name, 'pw');
    const { loginUrl, doneUrl } = await begin();
    const { csrf, cookie } = await openPage(loginUrl);
    const fields = { name, password: 'pw', action: 'login' };
    expect((await submit(loginUrl, { ...fields, csrf: csrf! })).status).toBe(403); // no cookie
    expect((await submit(loginUrl, { ...fields, csrf: '0'.repeat(32) }, cookie)).status).toBe(403);
    expect((await submit(loginUrl, { ...fields }, cookie)).status).toBe(403);
    expect((await fetchWorker(path(doneUrl))).status).toBe(202);
  });

  it('expires sessions after five minutes, and knows no made-up ids', async () => {
    const { loginUrl, doneUrl } = await begin();
    const id = path(loginUrl).split('/').pop();
    await env.DB.prepare('UPDATE login_sessions SET created = created - 301000 WHERE login_id = ?').bind(id).run();
    expect((await fetchWorker(path(loginUrl))).status).toBe(404);
    expect((await fetchWorker(path(doneUrl))).status).toBe(404);
    expect((await fetchWorker(`/-/v1/done/${'a'.repeat(64)}`)).status).toBe(404);
    expect((await fetchWorker('/-/v1/done/not-hex')).status).toBe(404);
    expect((await fetchWorker('/-/login/zz')).status).toBe(404);
  });

  it('signs up through the form where ALLOW_SIGNUP allows, and not where it does not', async () => {
    const name = uniqueName('web-new');
    for (const [vars, status] of [
      [{ ALLOW_SIGNUP: 'false' }, 403],
      [{ ALLOW_SIGNUP: 'true' }, 200],
    ] as const) {
      const { loginUrl, doneUrl } = await begin();
      const { html, csrf, cookie } = await openPage(loginUrl, vars);
      expect(html.includes('value="signup"')).toBe(vars.ALLOW_SIGNUP === 'true');
      const fields = { csrf: csrf!, name, password: 'pw-new', email: `${name}@example.test`, action: 'signup' };
      expect((await submit(loginUrl, fields, cookie, vars)).status).toBe(status);
      expect((await fetchWorker(path(doneUrl))).status).toBe(status === 200 ? 200 : 202);
    }
  });
});
