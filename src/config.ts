// Reads and validates the Worker's vars once per isolate.
import { ConfigError } from './config-error';
import type { Env } from './env';
import { MAX_ORIGIN_LENGTH } from './limits';
import { inScopes } from './packages/names';
import { UpstreamsError, parseUpstreams, registryUrl, type Upstream } from './upstream/upstreams';

export interface Config {
  /** UPSTREAM_URL: where every name goes that no UPSTREAMS scope claims */
  upstream: URL;
  /** the upstreams by scope, and UPSTREAM_URL's, with their credentials */
  upstreams: { byScope: Map<string, Upstream>; fallback: Upstream };
  /** This registry's origin for tarball URLs; the request origin when unset. */
  publicUrl?: string;
  freshTtlMs: number;
  maxStaleMs: number;
  notFoundTtlMs: number;
  upstreamTimeoutMs: number;
  clientMaxAge: number;
  legacyNames: boolean;
  importBudgetMs: number;
  /** databases the download counts are sharded over (src/downloads/shards.ts) */
  downloadShards: number;
  /** Scopes (`@acme`) served only from local storage, never fetched upstream. */
  localScopes: string[];
  maxTarballBytes: number;
  /** `users`: every read needs a user's token, not only writes. */
  readAccess: 'public' | 'users';
  /** Whether `npm adduser` may create accounts. */
  allowSignup: boolean;
  /** KEEP_DELETED: tarballs of versions the upstream dropped stay and are still served. */
  keepDeleted: boolean;
  /** The admin endpoints' bearer token; undefined: they are off. */
  adminToken?: string;
  /** MIN_RELEASE_AGE: mirrored versions younger than this are hidden (0: off) */
  minReleaseAgeMs: number;
  /** MIN_RELEASE_AGE_EXCLUDE: names, and scopes (`@acme`), that the quarantine leaves alone */
  releaseAgeExclude: { names: Set<string>; scopes: string[] };
}

export { ConfigError };

const cache = new WeakMap<Env, Config>();

export function readConfig(env: Env): Config {
  let c = cache.get(env);
  if (!c) {
    c = parseConfig(env);
    cache.set(env, c);
  }
  return c;
}

export function parseConfig(env: Env): Config {
  let upstream: URL;
  let upstreams: Config['upstreams'];
  try {
    upstream = registryUrl(env.UPSTREAM_URL, 'UPSTREAM_URL');
    upstreams = parseUpstreams(upstream, env.UPSTREAMS, env.UPSTREAM_TOKENS);
  } catch (e) {
    if (e instanceof UpstreamsError) throw new ConfigError(e.message);
    throw e;
  }
  const publicUrl = env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : undefined;
  // It names cache entries, whose keys KV limits to 512 bytes.
  if (publicUrl && publicUrl.length > MAX_ORIGIN_LENGTH)
    throw new ConfigError(`PUBLIC_URL must be at most ${MAX_ORIGIN_LENGTH} characters`);
  return {
    upstream,
    upstreams,
    publicUrl,
    freshTtlMs: nonNegative(env.CACHE_TTL, 300, 'CACHE_TTL') * 1000,
    maxStaleMs: nonNegative(env.MAX_STALE, 30 * 86400, 'MAX_STALE') * 1000,
    notFoundTtlMs: nonNegative(env.NOT_FOUND_TTL, 60, 'NOT_FOUND_TTL') * 1000,
    upstreamTimeoutMs: nonNegative(env.UPSTREAM_TIMEOUT, 20, 'UPSTREAM_TIMEOUT') * 1000,
    clientMaxAge: nonNegative(env.CLIENT_MAX_AGE, 300, 'CLIENT_MAX_AGE'),
    legacyNames: env.LEGACY_NAMES === 'true',
    importBudgetMs: nonNegative(env.IMPORT_BUDGET, 600, 'IMPORT_BUDGET') * 1000,
    downloadShards: shardCount(env.DOWNLOAD_SHARDS),
    localScopes: scopes(env.LOCAL_SCOPES),
    maxTarballBytes: nonNegative(env.MAX_TARBALL_BYTES, 10 * 1024 * 1024, 'MAX_TARBALL_BYTES', 'bytes'),
    readAccess: readAccess(env.READ_ACCESS),
    allowSignup: env.ALLOW_SIGNUP === 'true',
    keepDeleted: env.KEEP_DELETED === 'true',
    adminToken: env.ADMIN_TOKEN || undefined,
    minReleaseAgeMs: nonNegative(env.MIN_RELEASE_AGE, 0, 'MIN_RELEASE_AGE') * 1000,
    releaseAgeExclude: exclusions(env.MIN_RELEASE_AGE_EXCLUDE),
  };
}

/** The quarantine for a mirrored `name`, in ms (0: none). */
export function releaseAgeFor(cfg: Config, name: string): number {
  if (cfg.minReleaseAgeMs === 0 || cfg.releaseAgeExclude.names.has(name)) return 0;
  return inScopes(name, cfg.releaseAgeExclude.scopes) ? 0 : cfg.minReleaseAgeMs;
}

/** `left-pad, @acme, @corp/*`: names, and scopes with or without `/*`. */
function exclusions(v: string | undefined): Config['releaseAgeExclude'] {
  const out: Config['releaseAgeExclude'] = { names: new Set(), scopes: [] };
  for (const item of (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const scope = /^(@[a-z0-9][a-z0-9._~-]*)(\/\*)?$/.exec(item);
    if (scope) out.scopes.push(scope[1]);
    else if (/^(@[^/\s]+\/)?[^/\s@][^/\s]*$/.test(item) && item.length <= 214) out.names.add(item);
    else
      throw new ConfigError(
        `MIN_RELEASE_AGE_EXCLUDE: ${JSON.stringify(item)} is not a package name or a scope such as @acme`,
      );
  }
  return out;
}

function shardCount(v: string | undefined): number {
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new ConfigError('DOWNLOAD_SHARDS must be a whole number from 1 to 64');
  return n;
}

function readAccess(v: string | undefined): Config['readAccess'] {
  if (v === undefined || v === '' || v === 'public') return 'public';
  if (v === 'users') return 'users';
  throw new ConfigError(`READ_ACCESS must be public or users, not ${JSON.stringify(v)}`);
}

function scopes(v: string | undefined): string[] {
  const list = (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) {
    if (!/^@[a-z0-9][a-z0-9._~-]*$/.test(s))
      throw new ConfigError(`LOCAL_SCOPES: ${JSON.stringify(s)} is not a scope such as @acme`);
  }
  return list;
}

/** A non-negative number (seconds, or bytes for the size limits). */
function nonNegative(v: string | undefined, dflt: number, name: string, unit = 'seconds'): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number of ${unit}`);
  return n;
}
