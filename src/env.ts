// The Worker's bindings and vars: what `wrangler types` generates from wrangler.toml
// (worker-configuration.d.ts, which `npm test` checks is up to date), plus what it cannot know:
// the secret, and the type of the download queue's messages.

/** `[name, version, day, downloads]` */
export type Count = [string, string, string, number];

/** A message on DOWNLOAD_EVENTS: the downloads an isolate counted, many per message. */
export interface DownloadCounts {
  counts: Count[];
}

export interface Env extends Cloudflare.Env {
  /** Secret guarding the admin endpoints (`wrangler secret put ADMIN_TOKEN`); unset, they are off. */
  ADMIN_TOKEN?: string;
  /** Secret: JSON scope → token for the upstreams that need one (`*` for UPSTREAM_URL). */
  UPSTREAM_TOKENS?: string;
  /** Secret: this registry's ECDSA P-256 signing key, PKCS#8 base64 (`npm start` makes a throwaway one). */
  SIGNING_KEY?: string;
  DOWNLOAD_EVENTS: Queue<DownloadCounts>;
}
