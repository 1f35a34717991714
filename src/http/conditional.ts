// Validators: strong ETags and If-None-Match.
import { toHex } from '../codec';
import { memoize } from '../memo';

/** True when `ifNoneMatch` lists `etag` (weak comparison, as RFC 9110 asks for If-None-Match). */
export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

export function httpDate(iso: string | undefined): string | undefined {
  return iso ? toHttpDate(iso) : undefined;
}

/** Every hit of a document sends its `modified` again. */
const toHttpDate = memoize((iso: string): string | undefined => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toUTCString();
});

export async function sha256Hex(data: BufferSource): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', data));
}
