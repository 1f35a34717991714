// Tarballs in R2, mirrored (verified, immutable, so installs keep working while the upstream is down)
// and local (published here) alike; each with its ETag and version in the object's metadata.

export interface StoredTarball {
  body: ReadableStream | null;
  size: number;
  etag: string;
  version?: string;
}

/** Where a mirrored tarball is kept; local ones get a key per publish (src/local/store.ts). */
export function mirrorKey(name: string, file: string): string {
  return `tarballs/${name}/${file}`;
}

export async function readTarball(
  bucket: R2Bucket,
  key: string,
  withBody: boolean,
): Promise<StoredTarball | undefined> {
  const o = withBody ? await bucket.get(key) : await bucket.head(key);
  if (!o) return undefined;
  const body = 'body' in o ? (o as R2ObjectBody).body : null;
  return { body, size: o.size, etag: o.customMetadata?.etag ?? o.httpEtag, version: o.customMetadata?.version };
}

export async function writeTarball(
  bucket: R2Bucket,
  key: string,
  bytes: Uint8Array,
  meta: { etag: string; version: string },
): Promise<void> {
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: 'application/octet-stream' },
    customMetadata: { etag: meta.etag, version: meta.version },
  });
}

export async function deleteTarballs(bucket: R2Bucket, keys: string[]): Promise<void> {
  if (keys.length > 0) await bucket.delete(keys);
}

/** Removes every mirrored tarball (and kept provenance) of `name` (a local package now has that name). */
export async function deleteMirrored(bucket: R2Bucket, name: string): Promise<void> {
  for (const prefix of [`tarballs/${name}/`, `attestations/${name}/`]) await deletePrefix(bucket, prefix);
}

async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    await deleteTarballs(
      bucket,
      page.objects.map((o) => o.key),
    );
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
