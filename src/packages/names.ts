// Package names in request paths: the three scoped encodings, percent-decoding and validation.
import validate from 'validate-npm-package-name';
import { Refusal } from '../refusal';
import { memoize } from '../memo';
import { MAX_FILE_LENGTH, MAX_LEGACY_NAME_LENGTH, MAX_SPEC_LENGTH, utf8Length } from '../limits';

export type PackagePath =
  | { kind: 'packument'; name: string }
  | { kind: 'manifest'; name: string; spec: string }
  | { kind: 'tarball'; name: string; file: string }
  /** npm's write paths: `/<name>/-rev/<rev>` and `/<name>/-/<file>/-rev/<rev>`. */
  | { kind: 'revision'; name: string; rev: string }
  | { kind: 'tarball-revision'; name: string; file: string; rev: string }
  /** `/-/package/<name>/dist-tags` and `/-/package/<name>/dist-tags/<tag>` */
  | { kind: 'dist-tags'; name: string }
  | { kind: 'dist-tag'; name: string; tag: string };

/** An invalid name or path: the client's mistake, a 400. */
export class NameError extends Refusal {
  constructor(message: string) {
    super('invalid', message);
  }
}

/**
 * Parses a raw (still percent-encoded) pathname such as `/@s%2fn/-/n-1.0.0.tgz`: the one grammar of
 * package paths. Returns undefined when the path is not a package path at all; throws NameError when
 * it is one with an invalid name.
 */
export function parsePackagePath(rawPath: string, legacyNames = false): PackagePath | undefined {
  if (rawPath.startsWith('/-/')) return parseDistTagPath(rawPath, legacyNames);
  let path = rawPath.replace(/^\//, '');
  if (path === '') return undefined;
  if (path.startsWith('@') || path.toLowerCase().startsWith('%40')) {
    // `@scope%2fname` → `@scope/name`; only the first separator belongs to the name.
    path = path.replace(/^(%40|@)([^/%]*)%2f/i, '$1$2/');
  }
  const raw = path.split('/');
  const segs = raw.map(decodeSegment);
  const scoped = segs[0].startsWith('@');
  const nameLen = scoped ? 2 : 1;
  if (segs.length < nameLen || (scoped && segs[1] === '')) throw new NameError('invalid package name');
  const name = segs.slice(0, nameLen).join('/');
  const rest = segs.slice(nameLen);
  checkName(name, legacyNames);
  // Files and specs name R2 keys and cache entries: bounded here, before any lookup.
  // In UTF-8 bytes, as R2 and KV count keys (names themselves are ASCII: validate refuses the rest).
  if (rest.length >= 2 && rest[0] === '-' && utf8Length(rest[1]) > MAX_FILE_LENGTH)
    throw new NameError(`tarball file names are limited to ${MAX_FILE_LENGTH} bytes`);
  if (rest.length === 1 && utf8Length(rest[0]) > MAX_SPEC_LENGTH)
    throw new NameError(`version specs are limited to ${MAX_SPEC_LENGTH} bytes`);
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return { kind: 'packument', name };
  if (rest.length === 1) return { kind: 'manifest', name, spec: rest[0] };
  if (rest.length === 2 && rest[0] === '-' && rest[1] !== '') return { kind: 'tarball', name, file: rest[1] };
  if (rest.length === 2 && rest[0] === '-rev' && rest[1] !== '') return { kind: 'revision', name, rev: rest[1] };
  if (rest.length === 4 && rest[0] === '-' && rest[1] !== '' && rest[2] === '-rev' && rest[3] !== '') {
    return { kind: 'tarball-revision', name, file: rest[1], rev: rest[3] };
  }
  return undefined;
}

function decodeSegment(seg: string): string {
  let out: string;
  try {
    out = decodeURIComponent(seg);
  } catch {
    throw new NameError('invalid percent-encoding in path');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(out)) throw new NameError('control characters are not allowed in paths');
  return out;
}

/**
 * Throws NameError unless `name` is a valid package name. Core module names (`assert`, `events`)
 * are real packages, so they pass; legacy mixed-case or over-long names pass only when allowed.
 */
export function checkName(name: string, legacyNames = false): void {
  (legacyNames ? validLegacy : validStrict)(name);
}

// The same names come on every request: each is validated once per isolate (a refusal is not remembered).
const validStrict = memoize((name: string) => validateName(name, false), 4096);
const validLegacy = memoize((name: string) => validateName(name, true), 4096);

function validateName(name: string, legacyNames: boolean): true {
  if (name.length > MAX_LEGACY_NAME_LENGTH)
    throw new NameError(`invalid package name: names are limited to ${MAX_LEGACY_NAME_LENGTH} characters`);
  const r = validate(name);
  const warnings = (r.warnings ?? []).filter((w) => !legacyNames && !w.endsWith('is a core module name'));
  const why = [...(r.errors ?? []), ...warnings][0];
  if (why !== undefined) throw new NameError(`invalid package name: ${why}`);
  return true;
}

/** `@acme/x` is in the local scopes `["@acme"]`; unscoped names never are. */
export function inScopes(name: string, scopes: readonly string[]): boolean {
  const slash = name.indexOf('/');
  return name.startsWith('@') && slash > 0 && scopes.includes(name.slice(0, slash));
}

/** `/-/package/<name>/dist-tags[/<tag>]`; undefined for other `/-/` paths. */
function parseDistTagPath(rawPath: string, legacyNames: boolean): PackagePath | undefined {
  const m = /^\/-\/package\/(.+?)\/dist-tags(?:\/([^/]+))?\/?$/.exec(rawPath);
  if (!m) return undefined;
  const target = parsePackagePath(`/${m[1]}`, legacyNames);
  if (target?.kind !== 'packument') return undefined;
  return m[2] === undefined
    ? { kind: 'dist-tags', name: target.name }
    : { kind: 'dist-tag', name: target.name, tag: decodeSegment(m[2]) };
}
