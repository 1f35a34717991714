// The location's Cache API (`caches.default`) in front of KV and R2: a hot document or tarball is
// answered from the data centre the request reached, with no storage read at all. Entries live at most
// CACHE_TTL (a document's only while it is fresh), which bounds how long another location may still
// answer a name that has since been published here. The Cache API does nothing on workers.dev: use a
// custom domain. Pure adapter: what is kept is decided by the mirror.

/** What an entry carries besides its body. */
export interface EdgeEntry {
  body: ReadableStream | null;
  /** the stored headers (etag, content-length and the mirror's own `x-` fields) */
  headers: Headers;
}

export class EdgeCache {
  constructor(
    /** this registry's origin: entries are keyed under it, so two hostnames never share one */
    private origin: string,
    private waitUntil: (p: Promise<unknown>) => void,
  ) {}

  key(kind: 'doc' | 'tarball' | 'page', name: string, part: string): string {
    return `${this.origin}/-/edge/${kind}/${encodeURIComponent(name)}/${encodeURIComponent(part)}`;
  }

  async get(key: string): Promise<EdgeEntry | undefined> {
    const res = await caches.default.match(key);
    return res ? { body: res.body, headers: res.headers } : undefined;
  }

  /** Keeps `body` for `ttlSeconds` (in the background); under a second is not worth an entry. */
  put(key: string, body: ReadableStream | Uint8Array, headers: Record<string, string>, ttlSeconds: number): void {
    if (ttlSeconds < 1) {
      if (body instanceof ReadableStream) void body.cancel();
      return;
    }
    const res = new Response(body, {
      headers: { ...headers, 'cache-control': `public, max-age=${Math.floor(ttlSeconds)}` },
    });
    this.waitUntil(caches.default.put(key, res).catch(logFailure(key)));
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => caches.default.delete(k)));
  }
}

function logFailure(key: string) {
  return (e: unknown) => console.error(`edge cache put ${key}: ${e instanceof Error ? e.message : String(e)}`);
}
