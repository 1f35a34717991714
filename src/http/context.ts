// One request's context, built once by the router and handed to every handler: the request and its
// URL, the bindings and config, this registry's origin, `waitUntil`, and the caller once asked for.
import type { Config } from '../config';
import type { Env } from '../env';
import { callerOf, type Caller } from '../users/accounts';
import { ipInRanges } from '../users/cidr';
import { checkSecondFactor } from '../users/two-factor';
import { SESSION_COOKIE, cookieValue, findWebSession, type WebSession } from '../users/web-sessions';
import { shardDatabases } from '../downloads/shards';
import { limitBody } from './body-limit';
import { HttpError } from './errors';
import { registryOrigin } from './origin';

export class RequestContext {
  readonly url: URL;
  private req_: Request;
  private origin_?: string;
  private caller_?: Promise<Caller | undefined>;
  private session_?: Promise<WebSession | undefined>;
  private secondFactor_?: Promise<boolean>;
  private shards_?: D1Database[];

  constructor(
    req: Request,
    readonly env: Env,
    readonly cfg: Config,
    private exec: Pick<ExecutionContext, 'waitUntil'>,
  ) {
    this.req_ = req;
    this.url = new URL(req.url);
  }

  get req(): Request {
    return this.req_;
  }

  /** Limits the body to `max` bytes (the route's), before anything reads it. */
  limitBody(max: number): void {
    this.req_ = limitBody(this.req_, max);
  }

  /** The origin tarball URLs and cache keys use; only package routes need it, so it is read on first use. */
  get origin(): string {
    this.origin_ ??= registryOrigin(this.cfg, this.url);
    return this.origin_;
  }

  /** Work that may finish after the answer (cache writes, counting). */
  readonly waitUntil = (p: Promise<unknown>): void => this.exec.waitUntil(p);

  /** The caller, or undefined without a (known) token; one token lookup however many layers ask. */
  async caller(): Promise<Caller | undefined> {
    this.caller_ ??= callerOf(this.env.DB, this.req.headers.get('authorization'));
    const caller = await this.caller_;
    if (caller?.cidr) {
      const ip = this.req.headers.get('cf-connecting-ip');
      if (!ipInRanges(ip, caller.cidr))
        throw new HttpError(
          403,
          `this token cannot be used from ${ip ?? 'an unknown address'}; it is limited to ${caller.cidr.join(', ')}`,
        );
    }
    return caller;
  }

  /** The caller; 401 without a token. */
  async user(): Promise<Caller> {
    const caller = await this.caller();
    if (!caller)
      throw new HttpError(401, 'authentication required: log in with npm login or use a token', {
        'www-authenticate': 'Bearer realm="registry"',
      });
    return caller;
  }

  /** The databases holding the download counts, shard by shard (src/downloads/shards.ts). */
  get downloadShards(): D1Database[] {
    this.shards_ ??= shardDatabases(this.env, this.cfg.downloadShards);
    return this.shards_;
  }

  /** The browser session the request's cookie names, or undefined; pages use it, the API does not. */
  session(): Promise<WebSession | undefined> {
    this.session_ ??= findWebSession(this.env.DB, cookieValue(this.req, SESSION_COOKIE));
    return this.session_;
  }

  /**
   * A write of a user with two-factor on needs a valid one-time password in `npm-otp` (a TOTP code or a
   * recovery code); without one, 401 with `WWW-Authenticate: OTP`, on which npm asks for the code.
   * Checked once per request, so a recovery code is used up once.
   */
  async requireSecondFactor(user: string): Promise<void> {
    this.secondFactor_ ??= checkSecondFactor(
      this.env.DB,
      user,
      this.req.headers.get('npm-otp'),
      this.env.LOGIN_LIMITER,
    );
    if (!(await this.secondFactor_))
      throw new HttpError(401, 'this operation requires a one-time password from your authenticator app', {
        'www-authenticate': 'OTP',
      });
  }

  /** The caller, who may write; 403 for a read-only token. */
  async writer(what = 'publish or change packages'): Promise<Caller> {
    const caller = await this.user();
    if (caller.readonly) throw new HttpError(403, `this token is read-only and cannot ${what}`);
    return caller;
  }
}
