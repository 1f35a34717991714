// One pass over an upstream full packument producing everything the edge serves from it:
// the abbreviated ("corgi") document, the full document with tarball URLs pointing here,
// and an index of the upstream tarball URLs. Untouched spans of the input are shared, not copied.
// Given a plan (src/policy/visibility.ts), a second pass leaves the hidden versions out of both documents
// and of `time`, and writes the plan's dist-tags.
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
import { SpanList } from './span-list';
import { attestationsUrl, tarballUrl } from './tarball-url';

/** Version fields kept in the abbreviated document (shared/PROTOCOL.md). */
const CORGI_FIELDS = new Set([
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'dist',
  'engines',
  '_hasShrinkwrap',
  'hasInstallScript',
  'cpu',
  'os',
  'libc',
  'funding',
  'acceptDependencies',
]);
const INSTALL_SCRIPTS = new Set(['install', 'preinstall', 'postinstall']);

export interface TarballRef {
  version: string;
  url: string;
  integrity?: string;
  shasum?: string;
  /** the upstream's `dist.attestations.url` (provenance), which the documents point here instead */
  attestations?: string;
  /** the version's `time` entry, recorded when a release-age quarantine applies */
  time?: string;
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
  /** every version the input lists, hidden ones included */
  versions: string[];
  /** the input's dist-tags */
  distTags: Record<string, string>;
  /** where the input's `time` object lies, when it has one */
  timeSpan?: [number, number];
}

/** What a second pass leaves out (src/policy/visibility.ts makes one). */
export interface HidePlan {
  hidden: Set<string>;
  distTags: Record<string, string>;
}

export class DeriveError extends Error {}

const encoder = new TextEncoder();
// Punctuation is emitted per version and field: encode it once.
const COMMA = 0x2c;
const QUOTE = 0x22;
const LBRACE = 0x7b;
const COMMA_BYTES = encoder.encode(',');
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
}

/**
 * `name` is the package asked for; a document naming another package is refused.
 * `origin` is this registry's origin (no trailing slash), used for tarball URLs.
 */
export function derivePackument(input: Uint8Array, name: string, origin: string, plan?: HidePlan): Derived {
  try {
    return derive(input, name, origin, plan?.hidden.size ? plan : undefined);
  } catch (e) {
    if (e instanceof JsonScanError || e instanceof SyntaxError) throw new DeriveError(`invalid JSON: ${e.message}`);
    throw e;
  }
}

/** The input's `time` object, parsed (empty when it has none). */
export function timesOf(input: Uint8Array, d: Pick<Derived, 'timeSpan'>): Record<string, unknown> {
  if (!d.timeSpan) return {};
  const t = parseAt<unknown>(input, d.timeSpan[0], d.timeSpan[1]);
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, unknown>) : {};
}

function derive(b: Uint8Array, name: string, origin: string, plan: HidePlan | undefined): Derived {
  const full = new Chunks();
  // No prototype: a file named `__proto__` must be a key like any other.
  const tarballs: Record<string, TarballRef> = Object.create(null);
  let cursor = 0; // start of the input not yet emitted to `full`
  let docName: string | undefined;
  let distTags: [number, number] | undefined;
  let timeSpan: [number, number] | undefined;
  let modified: string | undefined;
  const versions: string[] = [];
  const corgi = new SpanList(b); // the abbreviated document's versions
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
        if (plan) splice(top.valueStart, e, encoder.encode(JSON.stringify(plan.distTags)));
        return e;
      }
      case 'time': {
        if (b[top.valueStart] !== LBRACE) return;
        const e = skipValue(b, top.valueStart);
        timeSpan = [top.valueStart, e];
        const span = findMember(b, top.valueStart, 'modified');
        if (span) modified = parseAt<string>(b, span[0], span[1]);
        if (plan) {
          // `created`, `modified` and the shown versions' entries stay.
          const kept: Record<string, unknown> = Object.create(null);
          for (const [k, t] of Object.entries(parseAt<Record<string, unknown>>(b, top.valueStart, e)))
            if (!plan.hidden.has(k)) kept[k] = t;
          splice(top.valueStart, e, encoder.encode(JSON.stringify(kept)));
        }
        return e;
      }
      case 'versions': {
        if (b[top.valueStart] !== LBRACE) throw new DeriveError('versions is not an object');
        return forEachMember(b, top.valueStart, (v) => {
          const keyEnd = skipValue(b, v.keyStart);
          const version = stringAt(b, v.keyStart, keyEnd);
          versions.push(version);
          if (plan?.hidden.has(version)) return hideVersion(version, v.keyStart, v.valueStart);
          return deriveVersion(v.keyStart, keyEnd, version, v.valueStart);
        });
      }
    }
  });
  if (skipWs(b, end) !== b.length) throw new DeriveError('trailing bytes after document');
  if (docName !== name) throw new DeriveError(`document names ${JSON.stringify(docName)}, not ${JSON.stringify(name)}`);
  full.push(b.subarray(cursor));

  const tail = modified === undefined ? '}}' : `},"modified":${JSON.stringify(modified)}}`;
  const tags = distTags ? parseAt<Record<string, string>>(b, distTags[0], distTags[1]) : {};
  const abbreviated = join([
    encoder.encode(`{"name":${JSON.stringify(name)},"dist-tags":`),
    plan
      ? encoder.encode(JSON.stringify(plan.distTags))
      : distTags
        ? b.subarray(distTags[0], distTags[1])
        : encoder.encode('{}'),
    encoder.encode(',"versions":{'),
    corgi,
    encoder.encode(tail),
  ]);

  return {
    name,
    modified,
    abbreviated,
    full: full.parts,
    fullLength: full.length,
    tarballs,
    versions,
    distTags: tags && typeof tags === 'object' && !Array.isArray(tags) ? tags : {},
    timeSpan,
  };

  /** Writes `bytes` into `full` in place of the input's [s, e). */
  function splice(s: number, e: number, bytes: Uint8Array): void {
    full.push(b.subarray(cursor, s));
    full.push(bytes);
    cursor = e;
  }

  /**
   * Leaves a hidden version out of `full` with one of the commas around it (the one before it when a
   * version was kept before it, else the one after), and out of the abbreviated document. Its tarball
   * stays indexed, so that it is refused by name rather than not found.
   */
  function hideVersion(version: string, keyStart: number, valueStart: number): number {
    const vEnd = skipValue(b, valueStart);
    const dist = b[valueStart] === LBRACE ? findMember(b, valueStart, 'dist') : undefined;
    if (dist && b[dist[0]] === LBRACE) indexTarball(version, dist[0]);
    if (!firstVersion) {
      let comma = keyStart - 1;
      while (b[comma] !== COMMA) comma--;
      full.push(b.subarray(cursor, comma));
      cursor = vEnd;
    } else {
      full.push(b.subarray(cursor, keyStart));
      const next = skipWs(b, vEnd);
      cursor = b[next] === COMMA ? next + 1 : vEnd;
    }
    return vEnd;
  }

  /** Appends the member [s, e) of an object, joining the previous range when only a comma lies between. */
  function member(s: number, e: number, first: boolean): void {
    if (first) corgi.take(s, e);
    else if (corgi.inputEnd === s - 1 && b[s - 1] === COMMA) corgi.take(s - 1, e);
    else {
      corgi.add(COMMA_BYTES);
      corgi.take(s, e);
    }
  }

  function deriveVersion(keyStart: number, versionKeyEnd: number, version: string, valueStart: number): number {
    if (b[valueStart] !== LBRACE) throw new DeriveError('a version is not an object');
    // `"1.0.0":{` as one range when the input has no whitespace there
    if (valueStart === versionKeyEnd + 1) member(keyStart, valueStart + 1, firstVersion);
    else {
      member(keyStart, versionKeyEnd, firstVersion);
      corgi.add(OPEN_VERSION);
    }
    firstVersion = false;
    let firstField = true;
    let installScript = false;
    let hasInstallFlag = false;
    const vEnd = forEachMember(b, valueStart, (f) => {
      const fEnd = skipValue(b, f.valueStart);
      if (f.key === 'scripts' && b[f.valueStart] === LBRACE) {
        forEachMember(b, f.valueStart, (s) => {
          if (INSTALL_SCRIPTS.has(s.key)) installScript = true;
        });
      }
      if (!CORGI_FIELDS.has(f.key) || isEmptyValue(b, f.valueStart, fEnd)) return fEnd;
      if (f.key === 'hasInstallScript') hasInstallFlag = true;
      const urls = f.key === 'dist' && b[f.valueStart] === LBRACE ? rewriteDist(version, f.valueStart) : [];
      if (urls.length > 0) {
        member(f.keyStart, urls[0].start, firstField);
        urls.forEach((u, i) => {
          if (i > 0) corgi.take(urls[i - 1].end, u.start);
          corgi.add(u.ours);
        });
        corgi.take(urls[urls.length - 1].end, fEnd);
      } else {
        member(f.keyStart, fEnd, firstField);
      }
      firstField = false;
      return fEnd;
    });
    if (installScript && !hasInstallFlag) {
      if (!firstField) corgi.add(COMMA_BYTES);
      corgi.add(INSTALL_FLAG);
    }
    if (corgi.inputEnd === vEnd - 1) corgi.take(vEnd - 1, vEnd);
    else corgi.add(CLOSE);
    return vEnd;
  }

  /**
   * Reads `dist` at `s`: indexes its tarball and splices our URLs for it and for its attestations
   * (provenance) into `full`. Returns, in input order, where each upstream URL's string lies and our
   * URL's bytes; none when there is no tarball URL.
   */
  function rewriteDist(version: string, s: number): { start: number; end: number; ours: Uint8Array }[] {
    const found = indexTarball(version, s);
    if (!found) return [];
    const { span, file, attest } = found;
    const out = [
      { start: span[0], end: span[1], ours: encoder.encode(JSON.stringify(tarballUrl(origin, name, file))) },
    ];
    if (attest)
      out.push({
        start: attest.span[0],
        end: attest.span[1],
        ours: encoder.encode(JSON.stringify(attestationsUrl(origin, name, version))),
      });
    out.sort((x, y) => x.start - y.start);
    for (const r of out) {
      full.push(b.subarray(cursor, r.start));
      full.push(r.ours);
      cursor = r.end;
    }
    return out;
  }

  /** Reads `dist` at `s` and indexes its tarball; where its URLs lie, or undefined without a tarball URL. */
  function indexTarball(
    version: string,
    s: number,
  ): { span: [number, number]; file: string; attest?: { span: [number, number]; url: string } } | undefined {
    let span: [number, number] | undefined;
    let url: unknown;
    let integrity: string | undefined;
    let shasum: string | undefined;
    let attest: { span: [number, number]; url: string } | undefined;
    forEachMember(b, s, (m) => {
      if (m.key === 'attestations' && b[m.valueStart] === LBRACE) {
        const at = findMember(b, m.valueStart, 'url');
        if (at && b[at[0]] === QUOTE) attest = { span: at, url: stringAt(b, at[0], at[1]) };
        return;
      }
      if (m.key !== 'tarball' && m.key !== 'integrity' && m.key !== 'shasum') return;
      const end = skipValue(b, m.valueStart);
      const value = b[m.valueStart] === QUOTE ? stringAt(b, m.valueStart, end) : undefined;
      if (m.key === 'tarball') {
        span = [m.valueStart, end];
        url = value;
      } else if (m.key === 'integrity') integrity = value;
      else shasum = value;
      return end;
    });
    if (!span || typeof url !== 'string') return undefined;
    const file = tarballFile(url);
    tarballs[file] = { version, url, integrity, shasum, ...(attest ? { attestations: attest.url } : {}) };
    return { span, file, attest };
  }
}

/** Concatenates byte arrays and span lists into one buffer of exactly their size. */
function join(parts: (Uint8Array | SpanList)[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    if (p instanceof SpanList) o = p.writeTo(out, o);
    else {
      out.set(p, o);
      o += p.length;
    }
  }
  return out;
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
