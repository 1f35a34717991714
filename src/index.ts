// The Worker: the registry routes on one Hono app.
import { Hono } from 'hono';
import { ConfigError, readConfig, type Config } from './config';
import type { Env } from './env';
import { countDownloads, flushOwnTraffic, type DownloadEvent } from './downloads/traffic';
import { importAggregates } from './downloads/import';
import { bodyLimitFor, limitBody } from './http/body-limit';
import { MAX_SMALL_BODY } from './limits';
import { HttpError, jsonError, refusalResponse } from './http/errors';
import { Refusal } from './refusal';
import { registryOrigin } from './http/origin';
import { readAccess } from './http/read-access';
import { NameError } from './packages/names';
import { adminCreateUser, backfill } from './routes/admin';
import { serveDownloads, serveVersionDownloads } from './routes/downloads';
import { serveDistTags } from './routes/dist-tags';
import { servePackagePath } from './routes/packages';
import { serveSearch } from './routes/search';
import { userRoutes } from './routes/users';
import { HOP_HEADER, forward } from './upstream/client';
import { publishBodyLimit } from './local/publish-request';

type App = { Bindings: Env; Variables: { cfg: Config } };

const app = new Hono<App>();

app.use('*', async (c, next) => {
  // A request we sent ourselves means UPSTREAM_URL points back at this Worker.
  if (c.req.header(HOP_HEADER)) return jsonError(508, 'loop detected: UPSTREAM_URL points at this registry');
  const cfg = readConfig(c.env);
  c.set('cfg', cfg);
  // Replaced once, here, so every later layer sees the same Request (the caller is looked up once per Request).
  const path = new URL(c.req.url).pathname;
  c.req.raw = limitBody(c.req.raw, bodyLimitFor(c.req.method, path, publishBodyLimit(cfg.maxTarballBytes)));
  await next();
  drainRefused(c.req.raw, (p) => c.executionCtx.waitUntil(p));
});

/**
 * A refused write is answered without reading its body; left unread, the runtime drops the kept-alive
 * connection under the client's next request. A small body is read to its end after the answer (work
 * bounded by the small-body limit, done once the refusal is decided); a larger one loses its connection.
 */
function drainRefused(req: Request, waitUntil: (p: Promise<unknown>) => void): void {
  if (!req.body || req.bodyUsed) return;
  const declared = req.headers.get('content-length'); // a chunked body is not read: it loses its connection
  if (declared !== null && Number(declared) <= MAX_SMALL_BODY)
    waitUntil(req.body.pipeTo(new WritableStream()).catch(() => {}));
}

app.use('*', readAccess());

app.get('/-/ping', (c) => c.json({}));

userRoutes(app);

app.get('/-/v1/search', (c) => serveSearch(c.req.raw, c.env.DB, c.var.cfg));
app.post('/-/npm/v1/security/advisories/bulk', (c) =>
  forward(c.var.cfg, c.req.raw, '/-/npm/v1/security/advisories/bulk'),
);
app.post('/-/npm/v1/security/audits/quick', (c) => forward(c.var.cfg, c.req.raw, '/-/npm/v1/security/audits/quick'));

// `downloads` and `versions` are also package names: only the API's own shapes are routed here.
app.get('/downloads/*', (c, next) => {
  const path = new URL(c.req.url).pathname;
  return /^\/downloads\/(point|range)\/[^/]+/.test(path) ? serveDownloads(c.req.raw, c.env.DB, path) : next();
});
app.get('/versions/*', (c, next) => {
  const path = new URL(c.req.url).pathname;
  return /^\/versions\/.+\/last-week$/.test(path) ? serveVersionDownloads(c.req.raw, c.env.DB, path) : next();
});

app.post('/-/admin/users', (c) => adminCreateUser(c.req.raw, c.env.DB, c.var.cfg.adminToken));
app.post('/-/admin/downloads/backfill', (c) =>
  backfill(c.req.raw, c.env.AGGREGATES, c.env.DB, c.var.cfg.adminToken, c.var.cfg.importBudgetMs),
);

app.on(['GET', 'PUT', 'DELETE', 'POST'], '/-/package/*', (c) =>
  serveDistTags({ req: c.req.raw, env: c.env, cfg: c.var.cfg, origin: registryOrigin(c.var.cfg, c.req.raw) }),
);

app.all('*', (c) => servePackagePath(c.req.raw, c.env, c.var.cfg, (p) => c.executionCtx.waitUntil(p)));

app.notFound(() => jsonError(404, 'Not found'));

app.onError((err) => {
  if (err instanceof NameError) return jsonError(400, err.message);
  if (err instanceof HttpError) return jsonError(err.status, err.message, err.headers);
  if (err instanceof Refusal) return refusalResponse(err);
  if (err instanceof ConfigError) return jsonError(500, `misconfigured: ${err.message}`);
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return jsonError(500, 'internal error');
});

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
    const cfg = readConfig(env);
    await flushOwnTraffic(env.DB, env.AGGREGATES);
    await importAggregates(env.AGGREGATES, env.DB, { budgetMs: cfg.importBudgetMs });
  },
  queue: countDownloads,
} satisfies ExportedHandler<Env, DownloadEvent>;
