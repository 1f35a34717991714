// Tarballs in R2: immutable once verified, so installs keep working while the upstream is down.
import type { Env } from '../env';

export interface StoredTarball {
  body: ReadableStream | null;
  size: number;
  etag: string;
  version?: string;
}

function key(name: string, file: string): string {
  return `tarballs/${name}/${file}`;
}

export async function readTarball(env: Env, name: string, file: string, withBody: boolean): Promise<StoredTarball | undefined> {
  const o = withBody ? await env.TARBALLS.get(key(name, file)) : await env.TARBALLS.head(key(name, file));
  if (!o) return undefined;
  const body = 'body' in o ? (o as R2ObjectBody).body : null;
  return { body, size: o.size, etag: o.customMetadata?.etag ?? o.httpEtag, version: o.customMetadata?.version };
}

export async function writeTarball(env: Env, name: string, file: string, bytes: Uint8Array, etag: string, version: string, integrity?: string): Promise<void> {
  await env.TARBALLS.put(key(name, file), bytes, {
    httpMetadata: { contentType: 'application/octet-stream' },
    customMetadata: { etag, version, ...(integrity ? { integrity } : {}) },
  });
}
