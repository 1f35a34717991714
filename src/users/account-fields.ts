// The fields of a sign-up or login body (`npm adduser`, the admin command), checked and bounded.
import { Refusal } from '../refusal';
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, MAX_USER_NAME_LENGTH } from '../limits';

/** npm user names: URL-safe words, as the public registry allows them. */
const USER_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_USER_NAME_LENGTH - 1}}$`);

export interface AccountFields {
  name: string;
  password: string;
  email?: string;
}

export function isUserName(v: unknown): v is string {
  return typeof v === 'string' && USER_NAME.test(v);
}

export function checkAccount(body: Record<string, unknown>, name: unknown = body.name): AccountFields {
  const { password, email } = body;
  if (!isUserName(name))
    throw new Refusal('invalid', `invalid user name: at most ${MAX_USER_NAME_LENGTH} letters, digits, '.', '_' or '-'`);
  if (typeof password !== 'string' || password === '') throw new Refusal('invalid', 'a password is required');
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new Refusal('invalid', `passwords are limited to ${MAX_PASSWORD_LENGTH} characters`);
  if (email !== undefined && email !== null && typeof email !== 'string')
    throw new Refusal('invalid', 'email must be a string');
  if (typeof email === 'string' && email.length > MAX_EMAIL_LENGTH)
    throw new Refusal('invalid', `email addresses are limited to ${MAX_EMAIL_LENGTH} characters`);
  return { name, password, email: typeof email === 'string' ? email : undefined };
}
