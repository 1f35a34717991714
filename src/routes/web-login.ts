// Web login, as npm 9+ does it by default: `POST /-/v1/login` begins a session and answers its `loginUrl`
// (a page with a username/password form, and sign-up where ALLOW_SIGNUP allows) and its `doneUrl`, which
// npm polls: 202 with Retry-After until the browser signed in, then 200 {token} once. Sessions live five
// minutes; the form carries a CSRF value that must match the session and a cookie set with the page; every
// password check counts against the login rate limit. The couch login stays for --auth-type=legacy.
import { readForm } from '../http/body';
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import type { Params } from '../http/router';
import { esc, page } from '../pages/html';
import { NEEDS_CODE, loginForm } from '../pages/login-form';
import { Refusal } from '../refusal';
import { checkAccount } from '../users/account-fields';
import { checkPassword, createUser, issueToken } from '../users/accounts';
import { allowPasswordCheck } from '../users/throttle';
import { checkSecondFactor } from '../users/two-factor';
import { cookieValue } from '../users/web-sessions';
import { beginLogin, completeLogin, csrfMatches, findSession, pollLogin, type Session } from '../users/web-login';

const ID = /^[0-9a-f]{32}$/;
const DONE_ID = /^[0-9a-f]{64}$/;
const COOKIE = 'login_csrf';

/** POST /-/v1/login */
export async function beginWebLogin(ctx: RequestContext): Promise<Response> {
  const limiter = ctx.env.LOGIN_LIMITER;
  if (limiter) {
    const { success } = await limiter.limit({ key: `web-login:${ctx.req.headers.get('cf-connecting-ip') ?? ''}` });
    if (!success) throw new Refusal('too-many', 'too many logins begun from here; try again in a minute', 60);
  }
  const { loginId, doneId } = await beginLogin(ctx.env.DB);
  return Response.json({ loginUrl: `${ctx.origin}/-/login/${loginId}`, doneUrl: `${ctx.origin}/-/v1/done/${doneId}` });
}

/** GET /-/v1/done/:id */
export async function pollWebLogin(ctx: RequestContext, { id }: Params): Promise<Response> {
  if (!DONE_ID.test(id)) return jsonError(404, 'no such login');
  const r = await pollLogin(ctx.env.DB, id);
  if (r.kind === 'unknown') return jsonError(404, 'no such login, or it expired: run npm login again');
  if (r.kind === 'pending')
    return Response.json({}, { status: 202, headers: { 'retry-after': '1', 'cache-control': 'no-store' } });
  return Response.json({ token: r.token }, { headers: { 'cache-control': 'no-store' } });
}

/** GET /-/login/:id: the form. */
export async function loginPage(ctx: RequestContext, { id }: Params): Promise<Response> {
  const s = ID.test(id) ? await findSession(ctx.env.DB, id) : undefined;
  if (!s) return expired();
  if (s.signedIn) return done();
  const secure = ctx.url.protocol === 'https:' ? '; Secure' : '';
  return form(ctx, s, 200, '', {
    'set-cookie': `${COOKIE}=${s.csrf}; Path=/-/login/${id}; HttpOnly; SameSite=Strict; Max-Age=300${secure}`,
  });
}

/** POST /-/login/:id: the form sent. */
export async function loginSubmit(ctx: RequestContext, { id }: Params): Promise<Response> {
  const s = ID.test(id) ? await findSession(ctx.env.DB, id) : undefined;
  if (!s) return expired();
  if (s.signedIn) return done();
  if (!(ctx.req.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
    return page(415, 'Sign in', '<p class="error">The form must be sent as a form.</p>');
  const f = await readForm(ctx.req);
  const csrf = f.get('csrf') ?? undefined;
  if (!csrfMatches(s, csrf) || !csrfMatches(s, cookieValue(ctx.req, COOKIE)))
    return page(403, 'Sign in', '<p class="error">This form is out of date. Open the link npm printed again.</p>');
  const signup = f.get('action') === 'signup';
  let account: ReturnType<typeof checkAccount>;
  try {
    account = checkAccount({ password: f.get('password') ?? '', email: f.get('email') || undefined }, f.get('name'));
  } catch (e) {
    if (e instanceof Refusal) return form(ctx, s, 400, e.message);
    throw e;
  }
  const { env } = ctx;
  await allowPasswordCheck(env.LOGIN_LIMITER, account.name);
  let ok = await checkPassword(env.DB, account.name, account.password);
  if (!ok && signup) {
    if (!ctx.cfg.allowSignup) return form(ctx, s, 403, 'Sign-up is off on this registry.');
    if (!account.email) return form(ctx, s, 400, 'An email address is needed to sign up.');
    ok = await createUser(env.DB, account.name, account.password, account.email);
    if (!ok) return form(ctx, s, 409, `The name ${account.name} is taken.`);
  }
  if (!ok) return form(ctx, s, 401, 'Wrong user name or password.');
  if (!(await checkSecondFactor(env.DB, account.name, f.get('otp') || null, env.LOGIN_LIMITER)))
    return form(ctx, s, 401, NEEDS_CODE);
  const { token } = await issueToken(env.DB, account.name);
  if (!(await completeLogin(env.DB, id, account.name, token))) return expired();
  return done(account.name);
}

function form(
  ctx: RequestContext,
  s: Session,
  status: number,
  error: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const html = loginForm({
    action: `/-/login/${s.loginId}`,
    csrf: s.csrf,
    error,
    allowSignup: ctx.cfg.allowSignup,
    intro: 'npm is waiting for you to sign in to this registry.',
  });
  return page(status, 'Sign in', html, { headers });
}

function done(user?: string): Promise<Response> {
  return page(200, 'Signed in', `<p>${user ? `Signed in as ${esc(user)}. ` : ''}You can go back to your terminal.</p>`);
}

function expired(): Promise<Response> {
  return page(404, 'Sign in', '<p class="error">This login link is unknown or has expired. Run npm login again.</p>');
}
