// The pages in a real browser (headless Chromium, Debian's package, driven by playwright-core on the system
// binary) against npm start: page contents and the chart checked against the API, the readme's XSS corpus
// inert in the DOM, `npm login` finished by the browser filling the form, two-factor enrolment and a publish
// with the code, the private mode, and accessibility basics (axe-core). Screenshots go to screenshots/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { Secret, TOTP } from 'otpauth';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, exec, isolatedEnv, npmLogin, putAggregate, startRegistry, tempDir, useRegistry } from './support.mjs';

const live = useRegistry();
const SHOTS = join(ROOT, 'screenshots');
const BROWSER = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SUFFIX = Date.now().toString(36);

let browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: BROWSER, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh browser context (its own cookies) and page; every dialog (an alert from XSS) is recorded. */
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { context, page, dialogs };
}

const url = (path, base = live.registry.url) => new URL(path, base).href;

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core's WCAG 2 A and AA rules (labels, headings, landmarks, contrast…) on the open page; violations. */
async function axeViolations(page) {
  await page.evaluate(axe.source);
  const result = await page.evaluate(() =>
    // A readme is its publisher's markup, not the page's: it is left out.
    window.axe.run({ exclude: [['.readme']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function signUp(name, base = live.registry.url) {
  const res = await fetch(url(`-/user/org.couchdb.user:${name}`, base), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `pw of ${name}`, email: `${name}@example.test` }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).token;
}

/** A HOME whose .npmrc holds the token, and a package folder with a readme. */
function npmHome(token, base = live.registry.url) {
  const home = tempDir('home');
  writeFileSync(join(home, '.npmrc'), `//${new URL(base).host}/:_authToken=${token}\n`);
  return home;
}

function packageDir(name, version, readme) {
  const dir = tempDir('pkg');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version,
      description: `the ${name} package`,
      license: 'ISC',
      repository: { type: 'git', url: `git+https://github.com/example/${name}.git` },
      dependencies: { abbrev: '^1.1.0' },
    }),
  );
  writeFileSync(join(dir, 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(dir, 'README.md'), readme);
  return dir;
}

function npm(home, args, cwd = home) {
  return exec('npm', [...args, '--registry', live.registry.url, '--cache', join(home, '.npm-cache')], {
    cwd,
    env: isolatedEnv(home),
  });
}

const putObject = (key, text) => putAggregate(live.registry.stateDir, key, text);

const day = (n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** Signs in through the people's sign-in page. */
async function signIn(page, name, otp = '', base = live.registry.url) {
  await page.goto(url('-/web/login', base));
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(`pw of ${name}`);
  if (otp) await page.getByLabel(/Two-factor code/).fill(otp);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/-/web/login'));
}

const XSS = [
  '# Safe heading',
  'safe text and a [link](https://example.com/ok)',
  '<script>alert("script")</script>',
  '<img src=x onerror=alert("onerror")>',
  '<a href="jav&#x61;script:alert(\'entity\')">entity</a>',
  '[md](javascript:alert("md"))',
  '<a href="data:text/html,<script>alert(1)</script>">data</a>',
  '<svg onload=alert("svg")></svg>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<details open ontoggle=alert("toggle")>x</details>',
  '<div style="width:expression(alert(1))" onmouseover="alert(1)">hover</div>',
  '<noscript><p title="</noscript><img src=x onerror=alert(\'noscript\')>"></noscript>',
  '<form action="javascript:alert(1)"><button>go</button></form>',
].join('\n\n');

describe('pages in headless Chromium through npm start', () => {
  it('a local and a mirrored package page say what the API says; the chart draws the downloads API', async () => {
    const owner = `pageowner${SUFFIX}`;
    const home = npmHome(await signUp(owner));
    const name = `page-pkg-${SUFFIX}`;
    await npm(home, ['publish'], packageDir(name, '1.0.0', XSS));
    await npm(home, ['publish'], packageDir(name, '1.1.0', XSS));
    await npm(home, ['deprecate', `${name}@1.0.0`, 'old, use 1.1.0']);
    // Aggregates for the last days, for the local package and a mirrored one, imported by the cron.
    for (const [i, n] of [
      [3, 5],
      [2, 11],
      [1, 7],
    ]) {
      await putObject(`${day(i)}/1/part-00000`, `${name} ${n}\nabbrev ${n * 100}\n`);
      await putObject(`${day(i)}/1/_SUCCESS`, '');
    }
    expect((await fetch(url('__scheduled'))).status).toBe(200);

    const { page, dialogs, context } = await newPage();
    for (const pkg of [name, 'abbrev']) {
      const doc = await (await fetch(url(pkg), { headers: { accept: 'application/json' } })).json();
      const range = await (await fetch(url(`downloads/range/last-year/${pkg}`))).json();
      const res = await page.goto(url(`package/${pkg}`));
      expect(res.status()).toBe(200);
      expect(await page.locator('h1').first().textContent()).toBe(pkg);
      expect(await page.locator('#install-cmd').textContent()).toBe(`npm install ${pkg}`);
      // The script ran: the copy button shows.
      await expect.poll(() => page.locator('button[data-copy]').isVisible()).toBe(true);
      const latest = doc['dist-tags'].latest;
      const m = doc.versions[latest];
      if (m.license) expect(await page.locator('dl.facts').textContent()).toContain(m.license);
      const rows = await page.locator('section[aria-labelledby="versions-h"] tbody tr').count();
      expect(rows).toBe(Math.min(50, Object.keys(doc.versions).length));
      // The daily view: one bar per day of the API's range, each titled with its count.
      const bars = await page
        .locator('.view-day rect title')
        .evaluateAll((ts) => ts.map((t) => t.textContent.split(': ')));
      expect(bars.map(([d, n]) => ({ downloads: Number(n), day: d }))).toEqual(range.downloads);
      expect(range.downloads.some((d) => d.downloads > 0)).toBe(true);
      // Switching views works (a radio button and CSS).
      expect(await page.locator('.view-week').isVisible()).toBe(false);
      await page.getByText('Weekly', { exact: true }).click();
      expect(await page.locator('.view-week').isVisible()).toBe(true);
      expect(await page.locator('.view-day').isVisible()).toBe(false);
      await shot(page, `package-${pkg}`);
      expect(await axeViolations(page)).toEqual([]);
    }

    // The local package's readme: the corpus is inert in the DOM.
    await page.goto(url(`package/${name}`));
    expect(dialogs).toEqual([]);
    const readme = page.locator('.readme');
    expect(await readme.locator('h1').textContent()).toBe('Safe heading');
    expect(await readme.locator('a[href="https://example.com/ok"]').count()).toBe(1);
    const unsafe = await readme.evaluate((root) => {
      const bad = [];
      for (const el of root.querySelectorAll('*')) {
        if (['SCRIPT', 'IFRAME', 'SVG', 'FORM', 'OBJECT', 'EMBED', 'STYLE'].includes(el.tagName.toUpperCase()))
          bad.push(el.tagName);
        for (const a of el.attributes) {
          if (/^on/i.test(a.name) || a.name === 'style' || a.name === 'srcdoc') bad.push(`${el.tagName}[${a.name}]`);
          if (/^(href|src|action)$/.test(a.name) && !/^(https?:|mailto:|\/|[^:]*$)/i.test(a.value))
            bad.push(`${el.tagName}[${a.name}=${a.value}]`);
        }
      }
      return bad;
    });
    expect(unsafe).toEqual([]);
    await readme
      .locator('details')
      .click()
      .catch(() => {});
    await page
      .locator('.readme div')
      .hover()
      .catch(() => {});
    expect(dialogs).toEqual([]);

    // A version page shows its deprecation.
    await page.goto(url(`package/${name}/v/1.0.0`));
    expect(await page.locator('.deprecated').first().textContent()).toContain('old, use 1.1.0');
    // The home page lists it and counts.
    await page.goto(url(''));
    expect(await page.locator(`a[href="/package/${name}"]`).count()).toBe(1);
    await shot(page, 'home');
    expect(await axeViolations(page)).toEqual([]);
    // Search finds it, local first.
    await page.getByLabel('Find a package, published here or upstream').fill(name);
    await page.getByLabel('Find a package, published here or upstream').press('Enter');
    await page.waitForURL(/\/search\?q=/);
    expect(await page.locator('ul.hits a').first().textContent()).toBe(name);
    await shot(page, 'search');
    await context.close();
  });

  it('npm login: the browser fills the form npm opened, npm gets the token', async () => {
    const home = tempDir('login');
    const login = npmLogin(home, live.registry.url);
    const loginUrl = await login.url;
    const { page, context } = await newPage();
    await page.goto(loginUrl);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('User name').fill(`browser${SUFFIX}`);
    await page.getByLabel('Password').fill(`pw of browser${SUFFIX}`);
    await page.getByLabel(/Email/).fill('b@example.test');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('You can go back to your terminal').waitFor();
    await shot(page, 'npm-login-done');
    const { code, out } = await login.finished;
    expect(code, out).toBe(0);
    const { stdout } = await npm(home, ['whoami']);
    expect(stdout.trim()).toBe(`browser${SUFFIX}`);
    await context.close();
  });

  it('two-factor: enrol in the browser, then npm publish needs the code', async () => {
    const name = `tfa${SUFFIX}`;
    const home = npmHome(await signUp(name));
    const { page, context } = await newPage();
    await signIn(page, name);
    expect(new URL(page.url()).pathname).toBe(`/~${name}`);
    await shot(page, 'user');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Turn two-factor on' }).click();
    await page.locator('.qr svg').waitFor();
    const secret = (await page.locator('#totp-secret').textContent()).trim();
    const code = () => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() });
    await page.getByLabel('Code from the app').fill(code());
    await page.getByRole('button', { name: 'Turn two-factor on' }).click();
    await page.locator('#recovery-codes').waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);

    const dir = packageDir(`tfa-pkg-${SUFFIX}`, '1.0.0', '# tfa');
    const refused = await npm(home, ['publish'], dir).then(
      () => 'published',
      (e) => e.message,
    );
    expect(refused).toMatch(/EOTP|one-time password/);
    await npm(home, ['publish', '--otp', code()], dir);
    const { stdout } = await npm(home, ['view', `tfa-pkg-${SUFFIX}`, 'version']);
    expect(stdout.trim()).toBe('1.0.0');
    // Signing in again asks for the code.
    const second = await newPage();
    await second.page.goto(url('-/web/login'));
    await second.page.getByLabel('User name').fill(name);
    await second.page.getByLabel('Password').fill(`pw of ${name}`);
    await second.page.getByRole('button', { name: 'Sign in' }).click();
    await second.page.getByRole('alert').waitFor();
    expect(await second.page.getByRole('alert').textContent()).toMatch(/two-factor/);
    await signIn(second.page, name, code());
    expect(new URL(second.page.url()).pathname).toBe(`/~${name}`);
    await second.context.close();
    await context.close();
  });

  it('private mode: pages need a session, then show', async () => {
    const priv = await startRegistry({ upstreamUrl: live.upstream.url, env: { READ_ACCESS: 'users' } });
    try {
      const name = `priv${SUFFIX}`;
      await signUp(name, priv.url);
      const { page, context } = await newPage();
      await page.goto(url('package/abbrev', priv.url));
      expect(new URL(page.url()).pathname).toBe('/-/web/login');
      await shot(page, 'private-login');
      await page.getByLabel('User name').fill(name);
      await page.getByLabel('Password').fill(`pw of ${name}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/package/abbrev');
      expect(await page.locator('h1').first().textContent()).toBe('abbrev');
      // The page's tarball link works with the session, as a browser would follow it.
      const res = await page.request.get(url('abbrev/-/abbrev-1.1.1.tgz', priv.url));
      expect(res.status()).toBe(200);
      await context.close();
    } finally {
      await priv.stop();
    }
  });
});
