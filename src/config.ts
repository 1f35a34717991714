// Reads and validates the Worker's vars once per isolate.
import type { Env } from './env';

export interface Config {
  upstream: URL;
  /** This registry's origin for tarball URLs; the request origin when unset. */
  publicUrl?: string;
  freshTtlMs: number;
  maxStaleMs: number;
  notFoundTtlMs: number;
  upstreamTimeoutMs: number;
  clientMaxAge: number;
  legacyNames: boolean;
  importBudgetMs: number;
}

export class ConfigError extends Error {}

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
  try {
    upstream = new URL(env.UPSTREAM_URL);
  } catch {
    throw new ConfigError('UPSTREAM_URL must be an absolute http(s) URL');
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new ConfigError('UPSTREAM_URL must be an absolute http(s) URL');
  }
  if (!upstream.pathname.endsWith('/')) upstream.pathname += '/';
  return {
    upstream,
    publicUrl: env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, '') : undefined,
    freshTtlMs: seconds(env.CACHE_TTL, 300, 'CACHE_TTL') * 1000,
    maxStaleMs: seconds(env.MAX_STALE, 30 * 86400, 'MAX_STALE') * 1000,
    notFoundTtlMs: seconds(env.NOT_FOUND_TTL, 60, 'NOT_FOUND_TTL') * 1000,
    upstreamTimeoutMs: seconds(env.UPSTREAM_TIMEOUT, 20, 'UPSTREAM_TIMEOUT') * 1000,
    clientMaxAge: seconds(env.CLIENT_MAX_AGE, 300, 'CLIENT_MAX_AGE'),
    legacyNames: env.LEGACY_NAMES === 'true',
    importBudgetMs: seconds(env.IMPORT_BUDGET, 25, 'IMPORT_BUDGET') * 1000,
  };
}

function seconds(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number of seconds`);
  return n;
}
