// This registry's signing key (the SIGNING_KEY secret: a PKCS#8 ECDSA P-256 private key, base64), which
// signs `<name>@<version>:<integrity>` of every version published here, as the public npm registry does
// for its own: `dist.signatures` holds the signature, and GET /-/npm/v1/keys the public key, so
// `npm audit signatures` verifies local packages too. Pure WebCrypto.
import { fromBase64, toBase64 } from '../codec';

export interface PublicKey {
  expires: null;
  keyid: string;
  keytype: 'ecdsa-sha2-nistp256';
  scheme: 'ecdsa-sha2-nistp256';
  /** SPKI DER, base64 */
  key: string;
}

export interface SigningKey {
  keyid: string;
  publicKey: PublicKey;
  sign(message: string): Promise<string>;
}

export class SigningKeyError extends Error {}

const ALGO = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const keys = new Map<string, Promise<SigningKey>>();

/** The key of a SIGNING_KEY value (imported once per isolate). */
export function signingKey(pkcs8Base64: string): Promise<SigningKey> {
  let k = keys.get(pkcs8Base64);
  if (!k) {
    k = importKey(pkcs8Base64);
    keys.set(pkcs8Base64, k);
  }
  return k;
}

async function importKey(pkcs8Base64: string): Promise<SigningKey> {
  let priv: CryptoKey;
  try {
    priv = await crypto.subtle.importKey('pkcs8', fromBase64(pkcs8Base64.trim()), ALGO, true, ['sign']);
  } catch {
    throw new SigningKeyError('SIGNING_KEY must be a base64 PKCS#8 ECDSA P-256 private key');
  }
  // The public half, from the private key's JWK (x and y are in it).
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', priv)) as JsonWebKey;
  const pub = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, ALGO, true, ['verify']);
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pub)) as ArrayBuffer);
  // npm's key ids: `SHA256:` and the unpadded base64 of the SPKI's SHA-256.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', spki));
  const keyid = `SHA256:${toBase64(digest).replace(/=+$/, '')}`;
  const publicKey: PublicKey = {
    expires: null,
    keyid,
    keytype: 'ecdsa-sha2-nistp256',
    scheme: 'ecdsa-sha2-nistp256',
    key: toBase64(spki),
  };
  return {
    keyid,
    publicKey,
    async sign(message) {
      const data = new TextEncoder().encode(message);
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, data));
      return toBase64(derSignature(raw));
    },
  };
}

/** The message a registry signature covers. */
export function signedMessage(name: string, version: string, integrity: string): string {
  return `${name}@${version}:${integrity}`;
}

/** WebCrypto's ECDSA signature (r ‖ s, 32 bytes each) as the DER SEQUENCE npm's verifier reads. */
export function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array): Uint8Array => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return v[0] & 0x80 ? Uint8Array.of(0x02, v.length + 1, 0, ...v) : Uint8Array.of(0x02, v.length, ...v);
  };
  const r = int(raw.subarray(0, 32));
  const s = int(raw.subarray(32, 64));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** The inverse, for verifying with WebCrypto. */
export function rawSignature(der: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  let at = 2;
  for (let part = 0; part < 2; part++) {
    const len = der[at + 1];
    const v = der.subarray(at + 2, at + 2 + len);
    const trimmed = v.length > 32 ? v.subarray(v.length - 32) : v;
    out.set(trimmed, part * 32 + (32 - trimmed.length));
    at += 2 + len;
  }
  return out;
}
