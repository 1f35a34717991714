import { describe, expect, it } from 'vitest';
import { verifyIntegrity } from '../../src/tarballs/integrity';

const bytes = new TextEncoder().encode('hello tarball');
const b64 = async (algo: string) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest(algo, bytes))));
const hex = async (algo: string) =>
  [...new Uint8Array(await crypto.subtle.digest(algo, bytes))].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('verifyIntegrity', () => {
  it('matches sha512, sha384, sha256 and sha1 SRI strings', async () => {
    for (const [sri, algo] of [
      ['sha512', 'SHA-512'],
      ['sha384', 'SHA-384'],
      ['sha256', 'SHA-256'],
      ['sha1', 'SHA-1'],
    ]) {
      expect(await verifyIntegrity(bytes, `${sri}-${await b64(algo)}`)).toBe('match');
    }
  });

  it('uses the strongest hash of a multi-hash string', async () => {
    const good512 = `sha512-${await b64('SHA-512')}`;
    expect(await verifyIntegrity(bytes, `sha1-AAAA ${good512}`)).toBe('match');
    expect(await verifyIntegrity(bytes, `sha1-${await b64('SHA-1')} sha512-AAAA`)).toBe('mismatch');
  });

  it('falls back to shasum, and says when nothing can be checked', async () => {
    expect(await verifyIntegrity(bytes, undefined, await hex('SHA-1'))).toBe('match');
    expect(await verifyIntegrity(bytes, undefined, (await hex('SHA-1')).toUpperCase())).toBe('match');
    expect(await verifyIntegrity(bytes, undefined, '0'.repeat(40))).toBe('mismatch');
    expect(await verifyIntegrity(bytes, 'md5-xyz', 'not-hex')).toBe('unverifiable');
    expect(await verifyIntegrity(bytes)).toBe('unverifiable');
  });

  it('detects a single changed byte', async () => {
    const sri = `sha512-${await b64('SHA-512')}`;
    const tampered = bytes.slice();
    tampered[0] ^= 1;
    expect(await verifyIntegrity(tampered, sri)).toBe('mismatch');
    expect(await verifyIntegrity(bytes.subarray(0, 5), sri)).toBe('mismatch');
  });
});
