// The Worker: requests through the route table (src/routes/table.ts), the hourly import, the queue
// that counts this registry's own downloads.
import { readConfig } from './config';
import { importAggregates } from './downloads/import';
import { shardDatabases } from './downloads/shards';
import { countDownloads, flushOwnTraffic } from './downloads/traffic';
import type { Env } from './env';
import { buildRouter } from './http/router';
import { routes } from './routes/table';

const app = buildRouter(routes);

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
    const cfg = readConfig(env);
    await flushOwnTraffic(env.DB, env.AGGREGATES);
    const shards = shardDatabases(env, cfg.downloadShards);
    await importAggregates(env.AGGREGATES, env.DB, shards, { budgetMs: cfg.importBudgetMs });
  },
  queue: countDownloads,
} satisfies ExportedHandler<Env, unknown>;
