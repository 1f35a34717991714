// The sign-in form, shared by npm's web login (/-/login/<id>) and the people's sign-in (/-/web/login):
// user name and password, the one-time code for accounts with two-factor on, sign-up where allowed.
import { esc } from './html';

export interface LoginForm {
  action: string;
  csrf: string;
  error?: string;
  allowSignup: boolean;
  /** where to go after signing in (people's sign-in only) */
  next?: string;
  intro?: string;
}

export function loginForm(f: LoginForm): string {
  const signup = f.allowSignup
    ? '<label for="email">Email (only to sign up)</label>' +
      '<input id="email" name="email" type="email" autocomplete="email">'
    : '';
  const buttons = `<button type="submit" name="action" value="login">Sign in</button>${
    f.allowSignup ? ' <button type="submit" name="action" value="signup">Sign up</button>' : ''
  }`;
  return `${f.intro ? `<p class="note">${esc(f.intro)}</p>` : ''}${
    f.error ? `<p class="error" role="alert">${esc(f.error)}</p>` : ''
  }<form class="stack" method="post" action="${esc(f.action)}">
<input type="hidden" name="csrf" value="${esc(f.csrf)}">${
    f.next ? `<input type="hidden" name="next" value="${esc(f.next)}">` : ''
  }
<label for="name">User name</label><input id="name" name="name" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">Two-factor code (if you turned it on)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
${signup}${buttons}</form>`;
}

/** The message for a two-factor account whose code was missing or wrong. */
export const NEEDS_CODE =
  'This account has two-factor authentication on: enter the code from your authenticator app, or a recovery code.';
