import type { Config } from '../config';

/** The origin tarball URLs are written with: PUBLIC_URL, else the request's own. */
export function registryOrigin(cfg: Config, req: Request): string {
  return cfg.publicUrl ?? new URL(req.url).origin;
}
