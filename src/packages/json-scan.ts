// Byte-level JSON scanning over a UTF-8 buffer. Packuments can be 40 MB; walking
// their structure without materialising it keeps one copy of the document in memory.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export class JsonScanError extends Error {}

const decoder = new TextDecoder();

export function skipWs(b: Uint8Array, i: number): number {
  let c = b[i];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
  return i;
}

/** `i` is at an opening quote; returns the index just past the closing quote. Validates escapes. */
export function skipString(b: Uint8Array, i: number): number {
  let j = i + 1;
  const n = b.length;
  for (;;) {
    let c = b[j];
    while (c > 0x1f && c !== QUOTE && c !== BACKSLASH) c = b[++j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      const e = b[j + 1];
      if (e === 0x75 /* u */) {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(b[k])) throw new JsonScanError(`bad \\u escape at ${j}`);
        j += 6;
      } else if (ESCAPES[e] === 1) {
        j += 2;
      } else {
        throw new JsonScanError(`bad escape at ${j}`);
      }
      continue;
    }
    throw new JsonScanError(j >= n ? 'unterminated string' : `control character in string at ${j}`);
  }
}

const ESCAPES = new Uint8Array(256);
for (const ch of '"\\/bfnrt') ESCAPES[ch.charCodeAt(0)] = 1;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** `i` is at the first byte of a value; returns the index just past it, validating its grammar. */
/** Deeper nesting than any real document: bounds the scanner's recursion (and the stack it needs). */
export const MAX_SCAN_DEPTH = 1000;

export function skipValue(b: Uint8Array, i: number, depth = 0): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if ((c === LBRACE || c === LBRACKET) && depth >= MAX_SCAN_DEPTH)
    throw new JsonScanError(`nested deeper than ${MAX_SCAN_DEPTH} at ${i}`);
  if (c === LBRACE) {
    let j = skipWs(b, i + 1);
    if (b[j] === RBRACE) return j + 1;
    for (;;) {
      if (b[j] !== QUOTE) throw new JsonScanError(`expected key at ${j}`);
      j = skipWs(b, skipString(b, j));
      if (b[j] !== COLON) throw new JsonScanError(`expected ':' at ${j}`);
      j = skipWs(b, skipValue(b, skipWs(b, j + 1), depth + 1));
      if (b[j] === COMMA) j = skipWs(b, j + 1);
      else if (b[j] === RBRACE) return j + 1;
      else throw new JsonScanError(`expected ',' or '}' at ${j}`);
    }
  }
  if (c === LBRACKET) {
    let j = skipWs(b, i + 1);
    if (b[j] === RBRACKET) return j + 1;
    for (;;) {
      j = skipWs(b, skipValue(b, j, depth + 1));
      if (b[j] === COMMA) j = skipWs(b, j + 1);
      else if (b[j] === RBRACKET) return j + 1;
      else throw new JsonScanError(`expected ',' or ']' at ${j}`);
    }
  }
  const j = literalEnd(b, i);
  if (j < 0) throw new JsonScanError(`unexpected value at ${i}`);
  return j;
}

/** The end of the `true`, `false`, `null` or number at `i`, or -1. Byte by byte: no strings made. */
function literalEnd(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 0x74 /* t */) return word(b, i, TRUE);
  if (c === 0x66 /* f */) return word(b, i, FALSE);
  if (c === 0x6e /* n */) return word(b, i, NULL);
  let j = i;
  if (b[j] === 0x2d /* - */) j++;
  if (b[j] === 0x30 /* 0 */) j++;
  else if (isDigit(b[j])) while (isDigit(b[j])) j++;
  else return -1;
  if (b[j] === 0x2e /* . */) {
    if (!isDigit(b[++j])) return -1;
    while (isDigit(b[j])) j++;
  }
  if (b[j] === 0x65 || b[j] === 0x45 /* e E */) {
    j++;
    if (b[j] === 0x2b || b[j] === 0x2d /* + - */) j++;
    if (!isDigit(b[j])) return -1;
    while (isDigit(b[j])) j++;
  }
  return endsToken(b[j]) ? j : -1;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function word(b: Uint8Array, i: number, w: number[]): number {
  for (let k = 0; k < w.length; k++) if (b[i + k] !== w[k]) return -1;
  return endsToken(b[i + w.length]) ? i + w.length : -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** What may follow a literal: the end of input, a separator or whitespace. */
function endsToken(c: number | undefined): boolean {
  return (
    c === undefined ||
    c === COMMA ||
    c === RBRACE ||
    c === RBRACKET ||
    c === 0x20 ||
    c === 0x0a ||
    c === 0x0d ||
    c === 0x09
  );
}

/** Decodes the JSON string whose quotes span [s, e). */
export function stringAt(b: Uint8Array, s: number, e: number): string {
  const n = e - s - 2;
  if (n > 1024) return decodeString(b, s, e);
  let h = n;
  for (let k = s + 1; k < e - 1; k++) {
    const c = b[k];
    if (c === BACKSLASH || c >= 0x80) return decodeString(b, s, e);
    h = (Math.imul(h, 31) + c) | 0;
  }
  // Without escapes the bytes between the quotes are the string: decode them, no JSON.parse.
  if (n > 32) return decoder.decode(b.subarray(s + 1, e - 1));
  // Keys repeat across thousands of versions: intern short strings instead of rebuilding them.
  const hit = interned.get(h);
  if (hit !== undefined && hit.length === n && sameAscii(hit, b, s + 1)) return hit;
  const str = String.fromCharCode.apply(null, b.subarray(s + 1, e - 1) as unknown as number[]);
  if (interned.size < 4096) interned.set(h, str);
  return str;
}

const interned = new Map<number, string>();

function sameAscii(str: string, b: Uint8Array, at: number): boolean {
  for (let k = 0; k < str.length; k++) if (str.charCodeAt(k) !== b[at + k]) return false;
  return true;
}

function decodeString(b: Uint8Array, s: number, e: number): string {
  return JSON.parse(decoder.decode(b.subarray(s, e))) as string;
}

export function parseAt<T = unknown>(b: Uint8Array, s: number, e: number): T {
  return JSON.parse(decoder.decode(b.subarray(s, e))) as T;
}

export interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
}

/**
 * Walks the members of the object starting at `i`, calling `visit` for each.
 * `visit` may return a number to say where the value ends (when it scanned it already).
 * The Member passed is reused for the next member (a packument has millions): copy what you keep.
 * Returns the index just past the closing brace.
 */
export function forEachMember(
  b: Uint8Array,
  i: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: visitors that scan nothing return nothing
  visit: (m: Member) => number | void,
): number {
  if (b[i] !== LBRACE) throw new JsonScanError(`expected object at ${i}`);
  let j = skipWs(b, i + 1);
  if (b[j] === RBRACE) return j + 1;
  const member: Member = { key: '', keyStart: 0, valueStart: 0 };
  for (;;) {
    if (b[j] !== QUOTE) throw new JsonScanError(`expected key at ${j}`);
    const keyStart = j;
    const keyEnd = skipString(b, j);
    member.key = stringAt(b, keyStart, keyEnd);
    member.keyStart = keyStart;
    j = skipWs(b, keyEnd);
    if (b[j] !== COLON) throw new JsonScanError(`expected ':' at ${j}`);
    const valueStart = skipWs(b, j + 1);
    member.valueStart = valueStart;
    const end = visit(member);
    j = skipWs(b, typeof end === 'number' ? end : skipValue(b, valueStart));
    if (b[j] === COMMA) {
      j = skipWs(b, j + 1);
      continue;
    }
    if (b[j] === RBRACE) return j + 1;
    throw new JsonScanError(`expected ',' or '}' at ${j}`);
  }
}

/** True for the raw values `false`, `null`, `""`, `{}` and `[]` (whitespace allowed inside). */
export function isEmptyValue(b: Uint8Array, s: number, e: number): boolean {
  const c = b[s];
  if (c === 0x66 /* f */ || c === 0x6e /* n */) return true;
  if (c === QUOTE) return e - s === 2;
  if (c === LBRACE || c === LBRACKET) return skipWs(b, s + 1) === e - 1;
  return false;
}

/** Finds the value span of `key` in the object at `i`, or undefined. */
export function findMember(b: Uint8Array, i: number, key: string): [number, number] | undefined {
  let found: [number, number] | undefined;
  forEachMember(b, i, (m) => {
    if (found || m.key !== key) return;
    const end = skipValue(b, m.valueStart);
    found = [m.valueStart, end];
    return end;
  });
  return found;
}
