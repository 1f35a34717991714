import type { Config } from '../config';
import { MAX_ORIGIN_LENGTH } from '../limits';
import { HttpError } from './errors';

/**
 * The origin tarball URLs are written with: PUBLIC_URL, else the request's own (which also names cache entries, so it
 * is bounded).
 */
export function registryOrigin(cfg: Config, url: URL): string {
  if (cfg.publicUrl) return cfg.publicUrl;
  const origin = url.origin;
  if (origin.length > MAX_ORIGIN_LENGTH)
    throw new HttpError(400, `host names are limited to ${MAX_ORIGIN_LENGTH} characters`);
  return origin;
}
