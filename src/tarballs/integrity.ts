// Checks tarball bytes against a version's `dist.integrity` (SRI) or `dist.shasum`.
// Small on purpose: SRI libraries for npm (ssri) lean on Node streams and crypto; WebCrypto does this here.
import { toBase64, toHex } from '../codec';

const ALGOS: Record<string, string> = { sha512: 'SHA-512', sha384: 'SHA-384', sha256: 'SHA-256', sha1: 'SHA-1' };
const STRENGTH = ['sha512', 'sha384', 'sha256', 'sha1'];

export type Verdict = 'match' | 'mismatch' | 'unverifiable';

export async function verifyIntegrity(bytes: Uint8Array, integrity?: string, shasum?: string): Promise<Verdict> {
  const sri = strongest(integrity);
  if (sri) {
    const got = toBase64(await digest(ALGOS[sri.algo], bytes));
    return got === sri.digest ? 'match' : 'mismatch';
  }
  if (shasum && /^[0-9a-f]{40}$/i.test(shasum)) {
    return toHex(await digest('SHA-1', bytes)) === shasum.toLowerCase() ? 'match' : 'mismatch';
  }
  return 'unverifiable';
}

function strongest(integrity?: string): { algo: string; digest: string } | undefined {
  if (!integrity) return undefined;
  const entries = integrity
    .trim()
    .split(/\s+/)
    .map((e) => /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/=]+)(\?.*)?$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ algo: m[1], digest: m[2] }));
  entries.sort((a, b) => STRENGTH.indexOf(a.algo) - STRENGTH.indexOf(b.algo));
  return entries[0];
}

async function digest(algo: string, bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algo, bytes));
}
