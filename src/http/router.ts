// Turns the route table (src/routes/table.ts) into the Worker's fetch handler: one request context per
// request, the body limit and the access gate each row declares, then its handler; package paths are
// parsed once and dispatched on their kind; every thrown error becomes its JSON answer here.
import { Hono, type Context } from 'hono';
import { ConfigError, readConfig } from '../config';
import type { Env } from '../env';
import { MAX_AUDIT_BODY, MAX_DOCUMENT_BODY, MAX_SMALL_BODY, publishBodyLimit } from '../limits';
import { type PackagePath, parsePackagePath } from '../packages/names';
import { Refusal } from '../refusal';
import { HOP_HEADER } from '../upstream/client';
import { sameSecret } from '../users/crypto';
import { RequestContext } from './context';
import { HttpError, jsonError, notAllowed, refusalResponse } from './errors';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/**
 * Who may call a route. `reader`: anyone, or with READ_ACCESS=users any user; `user`: a token;
 * `writer`: a token that is not read-only; `maintainer`: a writer, who the handler checks maintains
 * the package; `admin`: the ADMIN_TOKEN secret; `anyone`: open even on a private registry.
 */
export type Access = 'anyone' | 'reader' | 'user' | 'writer' | 'maintainer' | 'admin';

/** The largest body a route reads: a small JSON value, a whole document, a publish, an audit's lockfile. */
export type BodySize = 'small' | 'document' | 'publish' | 'audit';

interface Guard {
  access: Access;
  /** what a refused writer or admin caller cannot do, for the message */
  what?: string;
  body?: BodySize;
}

export type Params = Record<string, string>;
type Answer = Response | Promise<Response>;

export interface PathRoute extends Guard {
  methods: readonly Method[];
  /** a Hono path pattern */
  path: string;
  /** The handler bound to what the path says; undefined: not this route's after all (it falls through). */
  bind(ctx: RequestContext, params: Params): (() => Answer) | undefined;
}

export type PackageKind = PackagePath['kind'];
export type Target<K extends PackageKind> = Extract<PackagePath, { kind: K }>;

export interface PackageRoute extends Guard {
  methods: readonly Method[];
  target: PackageKind;
  run(ctx: RequestContext, target: PackagePath): Answer;
}

export type Route = PathRoute | PackageRoute;

/** A route at a fixed path; with `parse`, only paths it accepts, and the handler gets what it parsed. */
export function at<M = Params>(
  methods: readonly Method[],
  path: string,
  guard: Guard,
  handle: (ctx: RequestContext, match: M) => Answer,
  parse?: (ctx: RequestContext, params: Params) => M | undefined,
): PathRoute {
  return {
    ...guard,
    methods,
    path,
    bind(ctx, params) {
      const m = parse ? parse(ctx, params) : (params as M);
      return m === undefined ? undefined : () => handle(ctx, m);
    },
  };
}

/** A route for one kind of package path (the grammar of src/packages/names.ts). */
export function under<K extends PackageKind>(
  methods: readonly Method[],
  target: K,
  guard: Guard,
  handle: (ctx: RequestContext, target: Target<K>) => Answer,
): PackageRoute {
  // The router calls `run` only with a target of this kind, which the types cannot tie to K.
  return { ...guard, methods, target, run: (ctx, t) => handle(ctx, t as Target<K>) };
}

type App = { Bindings: Env; Variables: { ctx: RequestContext } };

export function buildRouter(routes: readonly Route[]): Hono<App> {
  const app = new Hono<App>();
  app.use('*', async (c, next) => {
    // A request we sent ourselves means UPSTREAM_URL points back at this Worker.
    if (c.req.header(HOP_HEADER)) return jsonError(508, 'loop detected: UPSTREAM_URL points at this registry');
    const ctx = new RequestContext(c.req.raw, c.env, readConfig(c.env), c.executionCtx);
    c.set('ctx', ctx);
    await next();
    drainRefused(ctx);
  });

  const byKind = new Map<PackageKind, PackageRoute[]>();
  for (const r of routes) {
    if ('target' in r) byKind.set(r.target, [...(byKind.get(r.target) ?? []), r]);
    else
      app.on([...r.methods], r.path, async (c, next) => {
        const bound = r.bind(c.get('ctx'), c.req.param());
        return bound ? guarded(c, r, bound) : next();
      });
  }

  app.all('*', async (c) => {
    const ctx = c.get('ctx');
    const target = parsePackagePath(ctx.url.pathname, ctx.cfg.legacyNames);
    const rows = target && byKind.get(target.kind);
    if (!target || !rows) return guarded(c, { access: 'reader' }, () => jsonError(404, 'Not found'));
    const row = rows.find((r) => r.methods.includes(ctx.req.method as Method));
    if (!row) {
      const allow = rows.flatMap((r) => r.methods).join(', ');
      return guarded(c, { access: 'reader' }, () => notAllowed(ctx.req.method, allow));
    }
    return guarded(c, row, () => row.run(ctx, target));
  });

  app.notFound(() => jsonError(404, 'Not found'));
  app.onError((err) => errorResponse(err));
  return app;
}

/**
 * Runs an answer behind its route's guard: the body limit, then the access gate, then the answer
 * (a function, so nothing of it runs before the gate). A private registry's answers are never public.
 */
async function guarded(c: Context<App>, guard: Guard, answer: () => Answer): Promise<Response> {
  const ctx = c.get('ctx');
  ctx.limitBody(bodyLimit(ctx, guard.body ?? 'small'));
  await gate(ctx, guard);
  const res = await answer();
  if (ctx.cfg.readAccess !== 'users' || guard.access === 'anyone') return res;
  const cc = res.headers.get('cache-control');
  if (!cc?.includes('public')) return res;
  const copy = new Response(res.body, res); // a copy, in case the headers were immutable
  copy.headers.set('cache-control', cc.replace('public', 'private'));
  return copy;
}

async function gate(ctx: RequestContext, { access, what }: Guard): Promise<void> {
  switch (access) {
    case 'anyone':
      return;
    case 'reader':
      // A private registry's reads need a user: a token, or in a browser (GET and HEAD only) a session.
      if (ctx.cfg.readAccess === 'users' && !(await ctx.caller()) && !(await browserReader(ctx))) await ctx.user();
      return;
    case 'user':
      await ctx.user();
      return;
    case 'writer':
    case 'maintainer': {
      const caller = await ctx.writer(what);
      await ctx.requireSecondFactor(caller.user);
      return;
    }
    case 'admin': {
      const token = ctx.cfg.adminToken;
      if (!token) throw new HttpError(403, `${what ?? 'administration'} is off: set the ADMIN_TOKEN secret`);
      const m = /^Bearer (.+)$/.exec(ctx.req.headers.get('authorization') ?? '');
      if (!m || !(await sameSecret(m[1], token))) throw new HttpError(401, 'a valid admin token is required');
    }
  }
}

async function browserReader(ctx: RequestContext): Promise<boolean> {
  return (ctx.req.method === 'GET' || ctx.req.method === 'HEAD') && (await ctx.session()) !== undefined;
}

function bodyLimit(ctx: RequestContext, size: BodySize): number {
  switch (size) {
    case 'small':
      return MAX_SMALL_BODY;
    case 'document':
      return MAX_DOCUMENT_BODY;
    case 'audit':
      return MAX_AUDIT_BODY;
    case 'publish':
      return publishBodyLimit(ctx.cfg.maxTarballBytes);
  }
}

/**
 * A refused write is answered without reading its body; left unread, the runtime drops the kept-alive
 * connection under the client's next request. A small body is read to its end after the answer (work
 * bounded by the small-body limit, done once the refusal is decided); a larger one loses its connection.
 */
function drainRefused(ctx: RequestContext): void {
  const req = ctx.req;
  if (!req.body || req.bodyUsed) return;
  const declared = req.headers.get('content-length'); // a chunked body is not read: it loses its connection
  if (declared !== null && Number(declared) <= MAX_SMALL_BODY)
    ctx.waitUntil(req.body.pipeTo(new WritableStream()).catch(() => {}));
}

/** The one place an error becomes an answer: domain refusals by kind, HTTP errors as they are, else 500. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) return jsonError(err.status, err.message, err.headers);
  if (err instanceof Refusal) return refusalResponse(err);
  if (err instanceof ConfigError) return jsonError(500, `misconfigured: ${err.message}`);
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return jsonError(500, 'internal error');
}
