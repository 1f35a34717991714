// One pass over an upstream full packument producing everything the edge serves from it:
// the abbreviated ("corgi") document, the full document with tarball URLs pointing here,
// and an index of the upstream tarball URLs. Untouched spans of the input are shared, not copied.
import {
  JsonScanError,
  findMember,
  forEachMember,
  isEmptyValue,
  parseAt,
  skipValue,
  skipWs,
  stringAt,
} from './json-scan';
import { tarballUrl } from './tarball-url';

/** Version fields kept in the abbreviated document (shared/PROTOCOL.md). */
const CORGI_FIELDS = new Set([
  'name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories', 'dist',
  'engines', '_hasShrinkwrap', 'hasInstallScript', 'cpu', 'os', 'libc', 'funding', 'acceptDependencies',
]);
const INSTALL_SCRIPTS = new Set(['install', 'preinstall', 'postinstall']);

export interface TarballRef {
  version: string;
  url: string;
  integrity?: string;
  shasum?: string;
}

export interface Derived {
  name: string;
  modified?: string;
  abbreviated: Uint8Array;
  /** The full document as consecutive chunks (mostly views into the input). */
  full: Uint8Array[];
  fullLength: number;
  /** Keyed by tarball file name, as it appears in our tarball URLs. */
  tarballs: Record<string, TarballRef>;
}

export class DeriveError extends Error {}

const encoder = new TextEncoder();
// Punctuation is emitted per version and field: encode it once.
const COMMA = encoder.encode(',');
const OPEN_VERSION = encoder.encode(':{');
const CLOSE = encoder.encode('}');
const INSTALL_FLAG = encoder.encode('"hasInstallScript":true');

class Chunks {
  parts: Uint8Array[] = [];
  length = 0;
  push(p: Uint8Array): void {
    if (p.length === 0) return;
    this.parts.push(p);
    this.length += p.length;
  }
  text(s: string): void {
    this.push(encoder.encode(s));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/**
 * `name` is the package asked for; a document naming another package is refused.
 * `origin` is this registry's origin (no trailing slash), used for tarball URLs.
 */
export function derivePackument(input: Uint8Array, name: string, origin: string): Derived {
  try {
    return derive(input, name, origin);
  } catch (e) {
    if (e instanceof JsonScanError || e instanceof SyntaxError) throw new DeriveError(`invalid JSON: ${e.message}`);
    throw e;
  }
}

function derive(b: Uint8Array, name: string, origin: string): Derived {
  const full = new Chunks();
  const corgi = new Chunks();
  const tarballs: Record<string, TarballRef> = {};
  let cursor = 0; // start of the input not yet emitted to `full`
  let docName: string | undefined;
  let distTags: [number, number] | undefined;
  let modified: string | undefined;
  const versionParts = new Chunks();
  let firstVersion = true;

  const start = skipWs(b, 0);
  const end = forEachMember(b, start, (top) => {
    switch (top.key) {
      case 'name': {
        const e = skipValue(b, top.valueStart);
        docName = parseAt<string>(b, top.valueStart, e);
        return e;
      }
      case 'dist-tags': {
        const e = skipValue(b, top.valueStart);
        distTags = [top.valueStart, e];
        return e;
      }
      case 'time': {
        if (b[top.valueStart] !== 0x7b) return;
        const span = findMember(b, top.valueStart, 'modified');
        if (span) modified = parseAt<string>(b, span[0], span[1]);
        return;
      }
      case 'versions': {
        if (b[top.valueStart] !== 0x7b) throw new DeriveError('versions is not an object');
        return forEachMember(b, top.valueStart, (v) => deriveVersion(v.keyStart, v.valueStart));
      }
    }
  });
  if (skipWs(b, end) !== b.length) throw new DeriveError('trailing bytes after document');
  if (docName !== name) throw new DeriveError(`document names ${JSON.stringify(docName)}, not ${JSON.stringify(name)}`);
  full.push(b.subarray(cursor));

  corgi.text(`{"name":${JSON.stringify(name)},"dist-tags":`);
  if (distTags) corgi.push(b.subarray(distTags[0], distTags[1]));
  else corgi.text('{}');
  corgi.text(',"versions":{');
  for (const p of versionParts.parts) corgi.push(p);
  corgi.text('}');
  if (modified !== undefined) corgi.text(`,"modified":${JSON.stringify(modified)}`);
  corgi.text('}');

  return { name, modified, abbreviated: corgi.concat(), full: full.parts, fullLength: full.length, tarballs };

  function deriveVersion(keyStart: number, valueStart: number): number {
    if (b[valueStart] !== 0x7b) throw new DeriveError('a version is not an object');
    const versionKeyEnd = skipValue(b, keyStart);
    const version = stringAt(b, keyStart, versionKeyEnd);
    if (!firstVersion) versionParts.push(COMMA);
    firstVersion = false;
    versionParts.push(b.subarray(keyStart, versionKeyEnd));
    versionParts.push(OPEN_VERSION);
    let firstField = true;
    let installScript = false;
    let hasInstallFlag = false;
    const field = (parts: Uint8Array[]) => {
      if (!firstField) versionParts.push(COMMA);
      firstField = false;
      for (const p of parts) versionParts.push(p);
    };
    const vEnd = forEachMember(b, valueStart, (f) => {
      const fEnd = skipValue(b, f.valueStart);
      if (f.key === 'scripts' && b[f.valueStart] === 0x7b) {
        forEachMember(b, f.valueStart, (s) => {
          if (INSTALL_SCRIPTS.has(s.key)) installScript = true;
        });
      }
      if (!CORGI_FIELDS.has(f.key) || isEmptyValue(b, f.valueStart, fEnd)) return fEnd;
      if (f.key === 'hasInstallScript') hasInstallFlag = true;
      if (f.key === 'dist' && b[f.valueStart] === 0x7b) {
        field(rewriteDist(version, f.keyStart, f.valueStart, fEnd));
      } else {
        field([b.subarray(f.keyStart, fEnd)]);
      }
      return fEnd;
    });
    if (installScript && !hasInstallFlag) field([INSTALL_FLAG]);
    versionParts.push(CLOSE);
    return vEnd;
  }

  /** Returns the corgi bytes of `"dist":{...}` and splices the new tarball URL into `full`. */
  function rewriteDist(version: string, keyStart: number, s: number, e: number): Uint8Array[] {
    let span: [number, number] | undefined;
    let url: unknown;
    let integrity: string | undefined;
    let shasum: string | undefined;
    forEachMember(b, s, (m) => {
      if (m.key !== 'tarball' && m.key !== 'integrity' && m.key !== 'shasum') return;
      const end = skipValue(b, m.valueStart);
      const value = b[m.valueStart] === 0x22 ? stringAt(b, m.valueStart, end) : undefined;
      if (m.key === 'tarball') {
        span = [m.valueStart, end];
        url = value;
      } else if (m.key === 'integrity') integrity = value;
      else shasum = value;
      return end;
    });
    if (!span || typeof url !== 'string') return [b.subarray(keyStart, e)];
    const file = tarballFile(url);
    const ours = encoder.encode(JSON.stringify(tarballUrl(origin, name, file)));
    tarballs[file] = { version, url, integrity, shasum };
    full.push(b.subarray(cursor, span[0]));
    full.push(ours);
    cursor = span[1];
    return [b.subarray(keyStart, span[0]), ours, b.subarray(span[1], e)];
  }
}

/** The last path segment of a tarball URL, e.g. `core-7.0.0.tgz`. */
export function tarballFile(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // a relative or odd URL: fall back to its text
  }
  const seg = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}
