// Pages for people (issue 13): HTML only for browsers, package pages against the API (facts and the
// downloads chart), the readme sanitized, validators, private mode, browser sessions, the user's page
// with tokens, and two-factor on every write and sign-in.
import { env } from 'cloudflare:test';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { fetchWorker, putUpstreamDoc, putUpstreamPackage, uniqueName, upstream } from './helpers';
import { publish, readForWrite, send, signup } from './local-helpers';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

function html(path: string, headers: Record<string, string> = {}, vars?: Record<string, string>) {
  return fetchWorker(path, { headers: { ...HTML, ...headers } }, vars);
}

function form(path: string, fields: Record<string, string>, cookie = '', vars?: Record<string, string>) {
  return fetchWorker(
    path,
    {
      method: 'POST',
      redirect: 'manual',
      headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams(fields).toString(),
    },
    vars,
  );
}

/** Signs in through the people's form; returns the session cookie. */
async function signIn(name: string, password: string, otp = '', vars?: Record<string, string>): Promise<string> {
  const r = await html('/-/web/login', {}, vars);
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await r.text())![1];
  const cookie = r.headers.get('set-cookie')!.split(';')[0];
  const done = await form('/-/web/login', { csrf, name, password, otp, next: `/~${name}` }, cookie, vars);
  expect(done.status).toBe(303);
  const set = done.headers.getSetCookie().find((c) => c.startsWith('session='))!;
  expect(set).toMatch(/HttpOnly/);
  expect(set).toMatch(/SameSite=Lax/);
  expect(set).not.toMatch(/Secure/); // plain HTTP here
  return set.split(';')[0];
}

async function csrfOf(name: string, cookie: string): Promise<string> {
  const r = await html(`/~${name}`, { cookie });
  expect(r.status).toBe(200);
  return /name="csrf" value="([0-9a-f]+)"/.exec(await r.text())![1];
}

describe('pages: negotiation and headers', () => {
  it('HTML only for browsers; clients keep their JSON on the same paths', async () => {
    const home = await html('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = home.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await home.text();
    expect(body).toMatch(/<form role="search"/);
    expect(body).toMatch(/id="count-users"/);

    const api = await fetchWorker('/', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/application\/json/);
    const star = await fetchWorker('/', { headers: { accept: '*/*' } });
    expect(star.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('a page has an ETag and answers 304; Cache-Control is public', async () => {
    const a = await html('/');
    const etag = a.headers.get('etag')!;
    expect(etag).toMatch(/^"p-[0-9a-f]{32}"$/);
    expect(a.headers.get('cache-control')).toMatch(/^public/);
    const b = await html('/', { 'if-none-match': etag });
    expect(b.status).toBe(304);
  });
});

describe('package pages', () => {
  it('a mirrored package: facts as the API has them, the readme sanitized, versions, install command', async () => {
    const name = uniqueName('page-mirror');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0', '2.0.0-beta.1'], (v) => ({
      license: 'MIT',
      repository: { type: 'git', url: `git+https://github.com/acme/${name}.git` },
      homepage: 'https://acme.example/',
      bugs: { url: 'https://github.com/acme/issues' },
      dependencies: { 'left-pad': '^1.0.0' },
      dist: undefined,
      ...(v === '1.0.0' ? { deprecated: 'use 1.1' } : {}),
    }));
    const api = (await (await fetchWorker(`/${name}`)).json()) as Record<string, any>;
    const r = await html(`/package/${name}`);
    expect(r.status).toBe(200);
    const page = await r.text();
    expect(page).toContain(`npm install ${name}</code>`);
    expect(page).toContain('<dt>License</dt><dd>MIT</dd>');
    expect(page).toContain(`href="https://github.com/acme/${name}"`);
    expect(page).toContain('href="https://acme.example/"');
    expect(page).toContain('/package/left-pad');
    expect(page).toContain('deprecated: use 1.1');
    for (const v of Object.keys(api.versions)) expect(page).toContain(`/package/${name}/v/${v}`);
    expect(page).toContain(`<span class="tag">latest</span> <a href="/package/${name}/v/${api['dist-tags'].latest}"`);
    expect(page).toContain('mirrored from upstream');
    expect(page).toContain(`<h1>${name}</h1>`); // from the readme "# name"

    const v = await html(`/package/${name}/v/1.0.0`);
    const vp = await v.text();
    expect(vp).toContain(`npm install ${name}@1.0.0`);
    expect(vp).toMatch(/<strong>Deprecated:<\/strong> use 1.1/);
    expect((await html(`/package/${name}/v/9.9.9`)).status).toBe(404);
    expect((await html('/package/no-such-package-here-xyz')).status).toBe(404);

    // A client asking /package/<name> keeps the API's answer (a manifest of the package named "package").
    const client = await fetchWorker(`/package/${name}`, { headers: { accept: 'application/json' } });
    expect(client.headers.get('content-type')).toMatch(/application\/json/);
  });

  it("a readme's relative links and images point into its repository, at the version's commit", async () => {
    const name = uniqueName('page-relative');
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const readme = [
      '![logo](./logo.png) [docs](docs/api.md) [license](/LICENSE) [up](../other/README.md) [usage](#usage)',
      '<p><img src="img/a.png" alt="a"> <a href="https://example.com/abs">abs</a></p>',
    ].join('\n\n');
    await putUpstreamPackage(name, ['1.0.0'], () => ({
      readme,
      gitHead: sha,
      repository: { type: 'git', url: 'git+https://github.com/acme/mono.git', directory: 'packages/thing' },
    }));
    const page = await (await html(`/package/${name}`)).text();
    const raw = `https://raw.githubusercontent.com/acme/mono/${sha}/`;
    const blob = `https://github.com/acme/mono/blob/${sha}/`;
    expect(page).toContain(`src="${raw}packages/thing/logo.png"`);
    expect(page).toContain(`href="${blob}packages/thing/docs/api.md"`);
    expect(page).toContain(`href="${blob}LICENSE"`);
    expect(page).toContain(`href="${blob}packages/other/README.md"`);
    expect(page).toContain('href="#usage"');
    expect(page).toContain(`src="${raw}packages/thing/img/a.png"`);
    expect(page).toContain('href="https://example.com/abs"');

    // No repository it can point into: a relative link keeps its text, an image its alt text; nothing
    // points into this registry.
    const bare = uniqueName('page-relative-bare');
    await putUpstreamPackage(bare, ['1.0.0'], () => ({ readme, repository: 'https://git.example/acme/mono' }));
    const plain = await (await html(`/package/${bare}`)).text();
    const readmeHtml = plain.slice(plain.indexOf('<div class="readme">'), plain.indexOf('</section>'));
    expect(readmeHtml).not.toMatch(/(href|src)="(?!#|https:\/\/example\.com)/);
    expect(readmeHtml).toContain('docs');
    expect(readmeHtml).toContain('logo');
    expect(readmeHtml).toContain('href="#usage"');
  });

  it('the readme: no script, handler, javascript: or data: URL gets through', async () => {
    const name = uniqueName('page-xss');
    const readme = XSS.join('\n\n');
    await putUpstreamPackage(name, ['1.0.0'], () => ({ readme }));
    const page = await (await html(`/package/${name}`)).text();
    const readmeHtml = page.slice(page.indexOf('<div class="readme">'), page.indexOf('</section>'));
    expect(readmeHtml).not.toMatch(/<script/i);
    expect(readmeHtml).not.toMatch(/<(iframe|object|embed|svg|math|form|style|base|meta|link)\b/i);
    // Every tag's attributes, with the quoted values blanked (text in a value is not an attribute).
    const tags = (readmeHtml.match(/<[^>]*>/g) ?? []).map((t) => t.replace(/"[^"]*"|'[^']*'/g, '""'));
    for (const t of tags) expect(t).not.toMatch(/[\s/]on[a-z]+\s*=/i);
    expect(readmeHtml).not.toMatch(/(href|src)="\s*(javascript|data|vbscript):/i);
    expect(readmeHtml).not.toMatch(/style=/i);
    // What is safe stays: text, links, images over https.
    expect(readmeHtml).toContain('<a href="https://example.com/ok"');
    expect(readmeHtml).toContain('src="https://img.example/badge.svg"');
    expect(readmeHtml).toContain('safe text');
  });

  it('a local package with downloads: the chart draws exactly what the downloads API answers', async () => {
    const token = await signup(uniqueName('pg-owner'));
    const name = uniqueName('page-local');
    expect((await publish(name, '1.0.0', token)).status).toBe(201);
    expect((await publish(name, '1.1.0', token)).status).toBe(201);
    // Counts on the last days the API reports (the last landed day, whatever other tests imported).
    const last = ((await (await fetchWorker('/downloads/point/last-day')).json()) as { end: string }).end;
    const month = Number(last.slice(0, 7).replace('-', ''));
    const day = Number(last.slice(8, 10));
    await env.DB.prepare('INSERT INTO dl_packages (name) VALUES (?)').bind(name).run();
    const { id } = (await env.DB.prepare('SELECT id FROM dl_packages WHERE name = ?')
      .bind(name)
      .first<{ id: number }>())!;
    const col = `d${String(day).padStart(2, '0')}`;
    await env.DB.prepare(`INSERT INTO dl_months (package_id, month, source, ${col}, d01) VALUES (?, ?, 1, 41, 7)`)
      .bind(id, month)
      .run();

    const api = (await (await fetchWorker(`/downloads/range/last-year/${name}`)).json()) as {
      downloads: { day: string; downloads: number }[];
    };
    const page = await (await html(`/package/${name}`)).text();
    expect(page).toContain('published to this registry');
    const daily = page.slice(page.indexOf('class="view view-day">'), page.indexOf('class="view view-week">'));
    const bars = [...daily.matchAll(/<title>(\d{4}-\d{2}-\d{2}): (\d+)<\/title>/g)].map((m) => ({
      day: m[1],
      downloads: Number(m[2]),
    }));
    expect(bars).toEqual(api.downloads);
    expect(bars.some((b) => b.downloads === 41)).toBe(true);
    const monthly = page.slice(page.indexOf('class="view view-month">'));
    const total = [...monthly.matchAll(/<title>\d{4}-\d{2}: (\d+)<\/title>/g)].reduce((s, m) => s + Number(m[1]), 0);
    expect(total).toBe(api.downloads.reduce((s, d) => s + d.downloads, 0));
    // Local documents change with every write: revalidate every time.
    const again = await html(`/package/${name}`);
    expect(again.headers.get('cache-control')).toBe('public, max-age=0');
  });

  it('a page under 100 KB before the readme, for a package with 3,000 versions', async () => {
    const name = uniqueName('page-big');
    const doc: Record<string, any> = { _id: name, name, 'dist-tags': {}, versions: {}, time: {}, readme: '# big' };
    for (let i = 0; i < 3000; i++) {
      const v = `1.${Math.floor(i / 100)}.${i % 100}`;
      doc.versions[v] = {
        name,
        version: v,
        license: 'MIT',
        dependencies: { a: '^1.0.0', b: '^2.0.0' },
        dist: {
          tarball: `${upstream}${name}/-/${name}-${v}.tgz`,
          shasum: '0'.repeat(40),
          integrity: `sha512-${'A'.repeat(86)}==`,
        },
      };
      doc.time[v] = new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString();
      doc['dist-tags'].latest = v;
    }
    await putUpstreamDoc(name, doc);
    const r = await html(`/package/${name}`);
    const page = await r.text();
    const readme = page.slice(page.indexOf('<div class="readme">'), page.indexOf('</section>'));
    expect(page.length - readme.length).toBeLessThan(100 * 1024);
    // The versions list, a page at a time, each under 100 KB too; the last page holds the oldest.
    const first = await (await html(`/package/${name}/versions`)).text();
    expect(first.length).toBeLessThan(100 * 1024);
    expect(first).toContain(`/package/${name}/v/1.29.99"`);
    const last = await (await html(`/package/${name}/versions?page=9`)).text();
    expect(last).toContain(`/package/${name}/v/1.0.0"`);
    expect(last).not.toContain('>Older<');
  });
});

describe('the readme sanitizer, fragment by fragment', () => {
  it('a fragment left open cannot swallow what follows; raw-text elements do not hide later HTML', async () => {
    const { renderReadme } = await import('../../src/pages/markdown');
    const open = await renderReadme('<div title="x\n\nafter **bold** <b onclick="y">b</b>');
    // The div's tag is closed where its fragment ends; the paragraph after it is real markup.
    expect(open).toMatch(/^<div title="x[^"]*">/);
    expect(open).toContain('<p>after <strong>bold</strong> <b>b</b></p>');
    const raw = await renderReadme(
      '<textarea>t</textarea>\n\n<b>still bold</b> <script>x()</script> <i>and italic</i>',
    );
    expect(raw).toContain('<b>still bold</b>');
    expect(raw).toContain('<i>and italic</i>');
    expect(raw).not.toMatch(/<(script|textarea)/);
    // Only marked's own tags and cleaned raw ones: an unknown element (a guessed separator) goes.
    expect(await renderReadme('a <x-frag-00000000000000000000000000000000> b')).toBe('<p>a  b</p>\n');
  });
});

describe('search page', () => {
  it('local hits first, paged, with the total', async () => {
    const token = await signup(uniqueName('srch'));
    const word = `zq${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i++) expect((await publish(`${word}-${i}`, '1.0.0', token)).status).toBe(201);
    const r = await html(`/search?q=${word}`);
    expect(r.status).toBe(200);
    const page = await r.text();
    for (let i = 0; i < 3; i++) expect(page).toContain(`/package/${word}-${i}`);
    expect(page).toMatch(/id="search-total">\d+ packages found/);
    expect((await html(`/search?q=${'x'.repeat(300)}`)).status).toBe(400);
  });
});

describe('browser sessions, the user page and private mode', () => {
  it('sign in, see only your own page, create a read-only token and revoke it', async () => {
    const name = uniqueName('pg-user');
    await signup(name);
    const other = uniqueName('pg-other');
    await signup(other);
    // Without a session: the sign-in page.
    const anon = await fetchWorker(`/~${name}`, { headers: HTML, redirect: 'manual' });
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe(`/-/web/login?next=${encodeURIComponent(`/~${name}`)}`);

    const cookie = await signIn(name, `pw-${name}`);
    expect((await html(`/~${other}`, { cookie })).status).toBe(403);
    const csrf = await csrfOf(name, cookie);
    // A form without the session's CSRF value does nothing.
    expect((await form(`/~${name}/tokens`, { csrf: '0'.repeat(32) }, cookie)).status).toBe(403);
    const made = await form(`/~${name}/tokens`, { csrf }, cookie);
    expect(made.status).toBe(201);
    const token = /id="new-token">([^<]+)</.exec(await made.text())![1];
    const who = await fetchWorker('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
    expect(await who.json()).toEqual({ username: name });
    const write = await fetchWorker(`/${uniqueName('ro')}`, send('PUT', {}, token));
    expect(write.status).toBe(403);

    const list = await (await html(`/~${name}`, { cookie })).text();
    const key = [...list.matchAll(/name="key" value="([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(key.length).toBe(2); // the sign-up's and the new one
    const listed = (await (
      await fetchWorker('/-/npm/v1/tokens', { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { objects: { key: string; readonly: boolean }[] };
    const ro = listed.objects.find((t) => t.readonly)!;
    expect((await form(`/~${name}/tokens/revoke`, { csrf, key: ro.key }, cookie)).status).toBe(303);
    expect((await fetchWorker('/-/whoami', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    // Signing out ends the session.
    expect((await form('/-/web/logout', { csrf }, cookie)).status).toBe(303);
    expect((await fetchWorker(`/~${name}`, { headers: { ...HTML, cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('a wrong password or a stale form signs nobody in', async () => {
    const name = uniqueName('pg-wrong');
    await signup(name);
    const r = await html('/-/web/login');
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await r.text())![1];
    const cookie = r.headers.get('set-cookie')!.split(';')[0];
    const wrong = await form('/-/web/login', { csrf, name, password: 'nope-nope' }, cookie);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(false);
    const stale = await form('/-/web/login', { csrf, name, password: `pw-${name}` }, 'web_csrf=00');
    expect(stale.status).toBe(403);
    // Only paths of this site are followed after signing in.
    const away = await form('/-/web/login', { csrf, name, password: `pw-${name}`, next: '//evil.example/' }, cookie);
    expect(away.headers.get('location')).toBe('/~');
  });

  it('READ_ACCESS=users: every page but sign-in needs a session; the pages are private', async () => {
    const vars = { READ_ACCESS: 'users' };
    const name = uniqueName('pg-priv');
    await signup(name);
    const home = await fetchWorker('/', { headers: HTML, redirect: 'manual' }, vars);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/-/web/login?next=%2F');
    expect((await fetchWorker('/package/abc', { headers: HTML, redirect: 'manual' }, vars)).status).toBe(303);
    expect((await html('/-/web/login', {}, vars)).status).toBe(200);
    const cookie = await signIn(name, `pw-${name}`, '', vars);
    const ok = await html('/', { cookie }, vars);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, no-cache');
    // The session reads the API in the browser too (a tarball link), but never writes.
    expect((await fetchWorker('/-/v1/search?text=x', { headers: { cookie } }, vars)).status).not.toBe(401);
    expect((await fetchWorker('/-/v1/search?text=x', {}, vars)).status).toBe(401);
  });
});

describe('two-factor', () => {
  it('enrol on the user page; then writes, npm login and sign-in need a code; recovery codes work once', async () => {
    const name = uniqueName('tfa');
    const token = await signup(name);
    const cookie = await signIn(name, `pw-${name}`);
    const csrf = await csrfOf(name, cookie);
    const begun = await form(`/~${name}/two-factor`, { csrf, action: 'begin' }, cookie);
    const enrol = await begun.text();
    expect(enrol).toMatch(/<svg/);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(enrol)![1];
    const code = (t = Date.now()) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: t });
    expect((await form(`/~${name}/two-factor`, { csrf, action: 'confirm', code: '000000' }, cookie)).status).toBe(400);
    const on = await form(`/~${name}/two-factor`, { csrf, action: 'confirm', code: code() }, cookie);
    expect(on.status).toBe(200);
    const recovery = [...(await on.text()).matchAll(/<li><code>([0-9a-f-]{23})<\/code><\/li>/g)].map((m) => m[1]);
    expect(recovery).toHaveLength(10);

    // A publish: 401 with WWW-Authenticate: OTP, then with the code it lands.
    const pkg = uniqueName('tfa-pkg');
    const bare = await publish(pkg, '1.0.0', token);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('OTP');
    const { publishBody } = await import('./local-helpers');
    const body = JSON.stringify(await publishBody(pkg, '1.0.0'));
    const withCode = await fetchWorker(`/${pkg}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-otp': code() },
    });
    expect(withCode.status).toBeLessThan(300);
    // dist-tags and token creation too.
    const tag = await fetchWorker(`/-/package/${pkg}/dist-tags/next`, send('PUT', '"1.0.0"', token));
    expect(tag.status).toBe(401);
    const tokenCreate = await fetchWorker('/-/npm/v1/tokens', send('POST', { password: `pw-${name}` }, token));
    expect(tokenCreate.status).toBe(401);
    // A recovery code stands for a code, once.
    const rc = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-otp': recovery[0] };
    const tag1 = await fetchWorker(`/-/package/${pkg}/dist-tags/next`, { method: 'PUT', body: '"1.0.0"', headers: rc });
    expect(tag1.status).toBeLessThan(300);
    const tag2 = await fetchWorker(`/-/package/${pkg}/dist-tags/beta`, { method: 'PUT', body: '"1.0.0"', headers: rc });
    expect(tag2.status).toBe(401);
    expect((await readForWrite(pkg))['dist-tags']).toEqual({ latest: '1.0.0', next: '1.0.0' });

    // npm login (couch): 401 OTP without a code, a token with one.
    const login = (otp?: string) =>
      fetchWorker(`/-/user/org.couchdb.user:${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(otp ? { 'npm-otp': otp } : {}) },
        body: JSON.stringify({ name, password: `pw-${name}` }),
      });
    const noCode = await login();
    expect(noCode.status).toBe(401);
    expect(noCode.headers.get('www-authenticate')).toBe('OTP');
    expect((await login(code())).status).toBe(201);
    // The browser's sign-in asks for it too.
    const r = await html('/-/web/login');
    const c2 = /name="csrf" value="([0-9a-f]+)"/.exec(await r.text())![1];
    const ck = r.headers.get('set-cookie')!.split(';')[0];
    expect((await form('/-/web/login', { csrf: c2, name, password: `pw-${name}` }, ck)).status).toBe(401);
    await signIn(name, `pw-${name}`, code());
    // Recovery codes are stored hashed.
    const rows = await env.DB.prepare('SELECT code_hash FROM recovery_codes WHERE user_name = ?').bind(name).all();
    expect(rows.results).toHaveLength(9);
    for (const row of rows.results) expect(recovery).not.toContain(row.code_hash);

    // Turning it off needs a code.
    expect((await form(`/~${name}/two-factor`, { csrf, action: 'disable', code: '123' }, cookie)).status).toBe(400);
    expect((await form(`/~${name}/two-factor`, { csrf, action: 'disable', code: code() }, cookie)).status).toBe(303);
    expect((await publish(pkg, '1.0.1', token)).status).toBeLessThan(300);
  });
});

describe('two-factor guessing', () => {
  it('wrong codes count against the login rate limit: 429 before a million guesses', async () => {
    const name = uniqueName('tfa-guess');
    const token = await signup(name);
    await env.DB.prepare("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE name = ?").bind(name).run();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await fetchWorker('/-/npm/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-otp': '000000' },
        body: JSON.stringify({ password: `pw-${name}` }),
      });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toBe('60');
        expect(((await r.json()) as { error: string }).error).toMatch(/too many one-time password attempts/);
      }
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});

/** Readme XSS corpus: markdown and raw HTML, each trying another way to run script; safe content first. */
const XSS = [
  '<a href="https://example.com/ok" onmouseover="alert(1)">ok link</a>',
  '<img src="https://img.example/badge.svg" alt="badge">',
  'safe text',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="javascript:alert(1)">',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<a href="jav&#x61;script:alert(1)">entity</a>',
  '<a href="javascript&colon;alert(1)">named entity</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">decimal</a>',
  '<a href=" javascript:alert(1)">space</a>',
  '<a href="java\tscript:alert(1)">tab</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
  '[md link](javascript:alert(1))',
  '[md data](data:text/html,<script>alert(1)</script>)',
  '![md img](javascript:alert(1))',
  '<svg onload=alert(1)><script>alert(1)</script></svg>',
  '<iframe src="https://evil.example/"></iframe>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<form action="https://evil.example/"><input name=a><button>go</button></form>',
  '<div style="background:url(javascript:alert(1))" onclick="alert(1)">styled</div>',
  '<details open ontoggle=alert(1)>x</details>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel=stylesheet href="https://evil.example/x.css">',
  '<style>body{background:red}</style>',
  '<p <img src=x onerror=alert(1)>>broken</p>',
  '<!-- <img src=x onerror=alert(1)> -->',
  '<textarea><img src=x onerror=alert(1)></textarea>',
  '<template><img src=x onerror=alert(1)></template>',
  // Unclosed: everything after it goes with it, so it comes last.
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];
