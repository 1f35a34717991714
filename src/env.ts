import type { DownloadEvent } from './downloads/traffic';

// Bindings and vars, as declared in wrangler.toml.
export interface Env {
  METADATA: KVNamespace;
  TARBALLS: R2Bucket;
  AGGREGATES: R2Bucket;
  DB: D1Database;
  UPSTREAM_URL: string;
  PUBLIC_URL?: string;
  CACHE_TTL?: string;
  MAX_STALE?: string;
  NOT_FOUND_TTL?: string;
  UPSTREAM_TIMEOUT?: string;
  CLIENT_MAX_AGE?: string;
  LEGACY_NAMES?: string;
  IMPORT_BUDGET?: string;
  /** Secret guarding the admin endpoints (backfill). */
  ADMIN_TOKEN?: string;
  /** `true` lets anyone create an account with `npm adduser`. */
  ALLOW_SIGNUP?: string;
  /** Comma-separated scopes that are only ever local, e.g. `@acme,@internal`. */
  LOCAL_SCOPES?: string;
  /** Largest tarball `npm publish` may send, in bytes. */
  MAX_TARBALL_BYTES?: string;
  /** `public` (default) or `users`: whether reads need a user's token too. */
  READ_ACCESS?: string;
  DOWNLOAD_EVENTS?: Queue<DownloadEvent>;
  /** Limits password checks per account; absent, they are not limited. */
  LOGIN_LIMITER?: RateLimit;
}
