// The encodings tests build requests with: bearer headers, base64, a tarball's npm digests; and chunks joined.

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function b64(bytes: Uint8Array): string {
  let s = '';
  for (const x of bytes) s += String.fromCharCode(x);
  return btoa(s);
}

/** `dist.integrity` (sha512 SRI) and `dist.shasum` (sha1 hex) of a tarball. */
export async function digests(bytes: Uint8Array): Promise<{ integrity: string; shasum: string }> {
  const sha512 = b64(new Uint8Array(await crypto.subtle.digest('SHA-512', bytes)));
  const sha1 = [...new Uint8Array(await crypto.subtle.digest('SHA-1', bytes))]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('');
  return { integrity: `sha512-${sha512}`, shasum: sha1 };
}

/** Chunks (a derived full document) as one array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
