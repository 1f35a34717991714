// Byte encodings, in one place: hex, base64 and base64url, and their decoders. Pure: no I/O, no digests.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes per String.fromCharCode call: spreading a whole tarball as arguments would overflow the stack. */
const CHUNK = 0x2000;

function bytesOf(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Lower-case hex, two digits a byte. */
export function toHex(data: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const x of bytesOf(data)) s += HEX[x];
  return s;
}

/** The bytes of a hex string (either case); throws when it is not whole bytes of hex. */
export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error('not a hex string of whole bytes');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Standard base64, padded (what SRI digests and npm's publish attachments use). */
export function toBase64(data: ArrayBuffer | Uint8Array): string {
  const bytes = bytesOf(data);
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

/** URL-safe base64 without padding (RFC 4648 section 5). */
export function toBase64Url(data: ArrayBuffer | Uint8Array): string {
  return toBase64(data).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of base64 text, as leniently as atob reads it; throws (atob's error) when it is not base64. */
export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** A short non-cryptographic digest of `s` (FNV-1a, base 36): tells versions of a value apart, guards nothing. */
export function shortDigest(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
