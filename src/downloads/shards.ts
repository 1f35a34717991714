// Which D1 database holds a package's download counts. Counts are sharded by package name across
// DOWNLOAD_SHARDS databases: shard 0 is the registry's own `DB`, shard i > 0 the binding `DOWNLOADS_<i>`.
// Everything else about downloads (import progress, day totals, own traffic by version) stays in `DB`.
// `shardOf` is the routing, pure; `shardDatabases` the one adapter that turns a count into bindings.
import { ConfigError } from '../config-error';

/** FNV-1a over the name's UTF-16 code units: stable across runtimes, spreads names evenly. */
export function shardOf(name: string, count: number): number {
  if (count <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/** Names grouped by shard: [shard, names] for each shard with at least one. */
export function byShard(names: string[], count: number): [number, string[]][] {
  const groups = new Map<number, string[]>();
  for (const n of names) {
    const s = shardOf(n, count);
    groups.set(s, [...(groups.get(s) ?? []), n]);
  }
  return [...groups].sort((a, b) => a[0] - b[0]);
}

/** The shard databases for `count` shards: `DB`, then `DOWNLOADS_1`…; a missing binding is an error. */
export function shardDatabases(env: { DB: D1Database }, count: number): D1Database[] {
  const out: D1Database[] = [env.DB];
  const named = env as unknown as Record<string, unknown>; // the shards' bindings are not in the Env type
  for (let i = 1; i < count; i++) {
    const db = named[`DOWNLOADS_${i}`];
    if (!db || typeof (db as D1Database).prepare !== 'function')
      throw new ConfigError(`DOWNLOAD_SHARDS is ${count} but no D1 binding DOWNLOADS_${i} exists`);
    out.push(db as D1Database);
  }
  return out;
}
