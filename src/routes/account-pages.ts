// Pages of accounts: sign-in and sign-out for browsers (an HttpOnly, SameSite=Lax session cookie, Secure
// under HTTPS), and /~<name>, the signed-in user's own page: their packages, their tokens (list, revoke,
// create a read-only one) and two-factor enrolment. Every form carries the session's CSRF value.
import { readForm } from '../http/body';
import type { RequestContext } from '../http/context';
import type { Params } from '../http/router';
import { count, esc, page, seeOther } from '../pages/html';
import { NEEDS_CODE, loginForm } from '../pages/login-form';
import { packagePath } from '../pages/package-page';
import { packagesOf } from '../pages/site-store';
import { Refusal } from '../refusal';
import { checkAccount } from '../users/account-fields';
import { checkPassword, createUser, issueToken, listTokens, revokeToken } from '../users/accounts';
import { randomHex, sameHex } from '../users/crypto';
import { allowPasswordCheck } from '../users/throttle';
import {
  beginEnrolment,
  checkSecondFactor,
  confirmEnrolment,
  disableTwoFactor,
  pendingEnrolment,
  recoveryCodesLeft,
  totpSecret,
  type Enrolment,
} from '../users/two-factor';
import {
  SESSION_COOKIE,
  closeSession,
  cookieValue,
  csrfOk,
  openSession,
  sessionCookie,
  type WebSession,
} from '../users/web-sessions';

const LOGIN_CSRF = 'web_csrf';

/** Where to go after signing in: a path of this site only. */
function nextPath(v: string | null | undefined): string {
  return v && v.length <= 2000 && /^\/(?![/\\])/.test(v) ? v : '/~';
}

function secure(ctx: RequestContext): boolean {
  return ctx.url.protocol === 'https:';
}

async function formBody(ctx: RequestContext): Promise<URLSearchParams | undefined> {
  if (!(ctx.req.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  return readForm(ctx.req);
}

/** GET /-/web/login */
export async function webLoginPage(ctx: RequestContext): Promise<Response> {
  const next = nextPath(ctx.url.searchParams.get('next'));
  if (await ctx.session()) return seeOther(next);
  return signInForm(ctx, 200, '', next);
}

async function signInForm(ctx: RequestContext, status: number, error: string, next: string): Promise<Response> {
  const csrf = randomHex(16);
  const html = loginForm({ action: '/-/web/login', csrf, error, allowSignup: ctx.cfg.allowSignup, next });
  return page(status, 'Sign in', html, {
    headers: {
      'set-cookie': `${LOGIN_CSRF}=${csrf}; Path=/-/web/login; HttpOnly; SameSite=Strict; Max-Age=3600${
        secure(ctx) ? '; Secure' : ''
      }`,
    },
  });
}

/** POST /-/web/login */
export async function webLoginSubmit(ctx: RequestContext): Promise<Response> {
  const f = await formBody(ctx);
  if (!f) return page(415, 'Sign in', '<p class="error">The form must be sent as a form.</p>');
  const next = nextPath(f.get('next'));
  const csrf = f.get('csrf') ?? '';
  const cookie = cookieValue(ctx.req, LOGIN_CSRF) ?? '';
  if (!/^[0-9a-f]{32}$/.test(csrf) || !sameHex(csrf, cookie))
    return signInForm(ctx, 403, 'This form was out of date; please sign in again.', next);
  const { env } = ctx;
  try {
    const account = checkAccount(
      { password: f.get('password') ?? '', email: f.get('email') || undefined },
      f.get('name'),
    );
    await allowPasswordCheck(env.LOGIN_LIMITER, account.name);
    let ok = await checkPassword(env.DB, account.name, account.password);
    if (!ok && f.get('action') === 'signup') {
      if (!ctx.cfg.allowSignup) return signInForm(ctx, 403, 'Sign-up is off on this registry.', next);
      if (!account.email) return signInForm(ctx, 400, 'An email address is needed to sign up.', next);
      ok = await createUser(env.DB, account.name, account.password, account.email);
      if (!ok) return signInForm(ctx, 409, `The name ${account.name} is taken.`, next);
    }
    if (!ok) return signInForm(ctx, 401, 'Wrong user name or password.', next);
    if (!(await checkSecondFactor(env.DB, account.name, f.get('otp') || null, env.LOGIN_LIMITER)))
      return signInForm(ctx, 401, NEEDS_CODE, next);
    const id = await openSession(env.DB, account.name);
    const headers = new Headers({ location: next, 'cache-control': 'no-store' });
    headers.append('set-cookie', sessionCookie(id, secure(ctx)));
    headers.append('set-cookie', `${LOGIN_CSRF}=; Path=/-/web/login; Max-Age=0`);
    return new Response(null, { status: 303, headers });
  } catch (e) {
    if (e instanceof Refusal) return signInForm(ctx, e.kind === 'too-many' ? 429 : 400, e.message, next);
    throw e;
  }
}

/** POST /-/web/logout */
export async function webLogout(ctx: RequestContext): Promise<Response> {
  const s = await ctx.session();
  const f = await formBody(ctx);
  if (s && f && csrfOk(s, f.get('csrf'))) await closeSession(ctx.env.DB, cookieValue(ctx.req, SESSION_COOKIE));
  else if (s) return page(403, 'Sign out', '<p class="error">This form was out of date. Sign out from your page.</p>');
  return seeOther('/', { 'set-cookie': sessionCookie('', secure(ctx)) });
}

/** GET /~ : your own page, or sign in first. */
export async function myPage(ctx: RequestContext): Promise<Response> {
  const s = await ctx.session();
  return seeOther(s ? `/~${encodeURIComponent(s.user)}` : '/-/web/login?next=/~');
}

/** The session of the page's own user, or the answer for anyone else. */
async function owner(ctx: RequestContext, user: string): Promise<WebSession | Response> {
  const name = decodeName(user);
  const s = await ctx.session();
  if (!s) return seeOther(`/-/web/login?next=${encodeURIComponent(ctx.url.pathname)}`);
  if (name !== s.user)
    return page(
      403,
      'Not your page',
      `<p>You are signed in as ${esc(s.user)}; this page is only for its own user.</p>`,
    );
  return s;
}

function decodeName(user: string): string | undefined {
  try {
    return decodeURIComponent(user.replace(/^~/, ''));
  } catch {
    return undefined;
  }
}

/** GET /~<name> */
export async function userPage(ctx: RequestContext, { user }: Params): Promise<Response> {
  const s = await owner(ctx, user);
  if (s instanceof Response) return s;
  return page(200, s.user, await userMain(ctx, s));
}

async function userMain(ctx: RequestContext, s: WebSession, notice = ''): Promise<string> {
  const db = ctx.env.DB;
  const [packages, tokens, secret, left] = await Promise.all([
    packagesOf(db, s.user),
    listTokens(db, s.user),
    totpSecret(db, s.user),
    recoveryCodesLeft(db, s.user),
  ]);
  const csrf = `<input type="hidden" name="csrf" value="${esc(s.csrf)}">`;
  const base = `/~${encodeURIComponent(s.user)}`;
  const pkgs = packages.length
    ? `<ul class="hits">${packages
        .map(
          (p) =>
            `<li><a href="${esc(packagePath(p.name))}">${esc(p.name)}</a> ` +
            `<span class="muted">${esc(p.version ?? '')}</span></li>`,
        )
        .join('')}</ul>`
    : '<p class="muted">You maintain no package published here.</p>';
  const rows = tokens.objects
    .map(
      (t) => `<tr><td><code>${esc(t.token)}…</code></td><td>${t.readonly ? 'read-only' : 'publish'}</td><td>${esc(
        t.created.slice(0, 10),
      )}</td><td>${esc(t.cidr_whitelist?.join(', ') ?? 'anywhere')}</td><td>
<form method="post" action="${base}/tokens/revoke">
${csrf}<input type="hidden" name="key" value="${esc(t.key)}"><button type="submit" aria-label="Revoke token ${esc(
        t.token,
      )}">Revoke</button></form></td></tr>`,
    )
    .join('');
  const more =
    tokens.total > tokens.objects.length
      ? `<p class="muted">${count(tokens.total)} tokens in all; npm token list shows every one.</p>`
      : '';
  const twoFactor = secret
    ? `<p>Two-factor authentication is <strong>on</strong>. ${left} recovery codes are left.</p>
<form class="stack" method="post" action="${base}/two-factor">${csrf}<input type="hidden" name="action" value="disable">
<label for="off-code">Code to turn it off</label>
<input id="off-code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Turn two-factor off</button></form>`
    : `<p>Two-factor authentication is <strong>off</strong>. With it on, every publish, unpublish, deprecation,
dist-tag, owner or token change and every sign-in asks for a code from an authenticator app.</p>
<form method="post" action="${base}/two-factor">${csrf}<input type="hidden" name="action" value="begin">
<button type="submit">Turn two-factor on</button></form>`;
  return `${notice}<section aria-labelledby="pk-h"><h2 id="pk-h">Your packages</h2>${pkgs}</section>
<section aria-labelledby="tk-h"><h2 id="tk-h">Your tokens</h2><table><thead><tr><th scope="col">Token</th>
<th scope="col">Kind</th><th scope="col">Created</th><th scope="col">Usable from</th><th scope="col">Action</th>
</tr></thead>
<tbody>${rows}</tbody></table>${more}
<form method="post" action="${base}/tokens">${csrf}<button type="submit">Create a read-only token</button></form>
</section>
<section aria-labelledby="tf-h"><h2 id="tf-h">Two-factor authentication</h2>${twoFactor}</section>
<section aria-labelledby="so-h"><h2 id="so-h">Session</h2><form method="post" action="/-/web/logout">${csrf}
<button type="submit">Sign out</button></form></section>`;
}

/** A form post of the page's own user, CSRF checked: the session and the form, or the answer. */
async function ownForm(ctx: RequestContext, user: string): Promise<{ s: WebSession; f: URLSearchParams } | Response> {
  const s = await owner(ctx, user);
  if (s instanceof Response) return s;
  const f = await formBody(ctx);
  if (!f) return page(415, s.user, '<p class="error">The form must be sent as a form.</p>');
  if (!csrfOk(s, f.get('csrf')))
    return page(403, s.user, '<p class="error">This form was out of date; reload your page.</p>');
  return { s, f };
}

/** POST /~<name>/tokens: a new read-only token, shown once. */
export async function createTokenForm(ctx: RequestContext, { user }: Params): Promise<Response> {
  const own = await ownForm(ctx, user);
  if (own instanceof Response) return own;
  const { token } = await issueToken(ctx.env.DB, own.s.user, true);
  const notice = `<div role="status"><p>Your new read-only token (copy it now: it is not shown again):</p>
<div class="install"><code id="new-token">${esc(token)}</code>
<button type="button" data-copy="new-token" hidden>Copy</button></div></div>`;
  return page(201, own.s.user, await userMain(ctx, own.s, notice));
}

/** POST /~<name>/tokens/revoke */
export async function revokeTokenForm(ctx: RequestContext, { user }: Params): Promise<Response> {
  const own = await ownForm(ctx, user);
  if (own instanceof Response) return own;
  const key = own.f.get('key') ?? '';
  if (key.length !== 36 || !(await revokeToken(ctx.env.DB, own.s.user, key)))
    return page(404, own.s.user, '<p class="error">No such token.</p>');
  return seeOther(`/~${encodeURIComponent(own.s.user)}`);
}

/** POST /~<name>/two-factor: begin, confirm or disable. */
export async function twoFactorForm(ctx: RequestContext, { user }: Params): Promise<Response> {
  const own = await ownForm(ctx, user);
  if (own instanceof Response) return own;
  const { s, f } = own;
  const db = ctx.env.DB;
  const issuer = ctx.url.host;
  const action = f.get('action');
  if (action === 'begin') return enrolPage(s, await beginEnrolment(db, s.user, issuer), 200, '');
  if (action === 'confirm') {
    const codes = await confirmEnrolment(db, s.user, f.get('code') ?? '');
    if (!codes) {
      const pending = await pendingEnrolment(db, s.user, issuer);
      if (!pending) return seeOther(`/~${encodeURIComponent(s.user)}`);
      return enrolPage(s, pending, 400, 'That code is not right; try the current one.');
    }
    const list = codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('');
    const notice = `<div role="status"><p><strong>Two-factor authentication is on.</strong> Keep these recovery
codes somewhere safe: each works once in place of a code, and they are not shown again.</p>
<ul id="recovery-codes">${list}</ul></div>`;
    return page(200, s.user, await userMain(ctx, s, notice));
  }
  if (action === 'disable') {
    const on = await totpSecret(db, s.user);
    if (!on || !(await checkSecondFactor(db, s.user, f.get('code') || null, ctx.env.LOGIN_LIMITER)))
      return page(400, s.user, await userMain(ctx, s, `<p class="error" role="alert">${esc(NEEDS_CODE)}</p>`));
    await disableTwoFactor(db, s.user);
    return seeOther(`/~${encodeURIComponent(s.user)}`);
  }
  return page(400, s.user, '<p class="error">Unknown action.</p>');
}

function enrolPage(s: WebSession, e: Enrolment, status: number, error: string): Promise<Response> {
  const main = `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<p>Scan this code with your authenticator app, or type the secret into it, then enter the code it shows.</p>
<div class="qr" role="img" aria-label="QR code of the two-factor secret">${e.qr}</div>
<p>Secret: <span class="secret" id="totp-secret">${esc(e.secret)}</span></p>
<form class="stack" method="post" action="/~${encodeURIComponent(s.user)}/two-factor">
<input type="hidden" name="csrf" value="${esc(s.csrf)}"><input type="hidden" name="action" value="confirm">
<label for="code">Code from the app</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Turn two-factor on</button></form>`;
  return page(status, 'Turn on two-factor authentication', main);
}
