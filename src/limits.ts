// Every bound a client's input can meet, in one place (the README's "Limits" lists them with their
// errors). Each keeps a client string or count well inside a platform limit — KV keys 512 bytes, R2
// keys 1024, D1's 100 bound parameters and 50 queries per invocation (free plan), 128 MB per isolate —
// and is checked before the call it protects.

/** Package names (validate-npm-package-name allows 214; LEGACY_NAMES serves a little longer). */
export const MAX_NAME_LENGTH = 214;
export const MAX_LEGACY_NAME_LENGTH = 256;
/** A tarball file name or a version spec in a path (semver's own bound is 256). */
export const MAX_FILE_LENGTH = 256;
export const MAX_SPEC_LENGTH = 256;
/** A request's origin, which names cache entries (`PUBLIC_URL`, else the Host it was sent to). */
export const MAX_ORIGIN_LENGTH = 200;
/** dist-tag names, and how many tags one body may set. */
export const MAX_TAG_LENGTH = 128;
export const MAX_TAGS = 1000;
/** `maintainers` in a `-rev` PUT (`npm owner add`). */
export const MAX_MAINTAINERS = 256;
/** How deeply a JSON body may nest (real manifests stay under 10). */
export const MAX_JSON_DEPTH = 64;
/** Bodies other than publishes and whole-document PUTs: logins, tokens, dist-tags, admin. */
export const MAX_SMALL_BODY = 64 * 1024;
/** Audit requests (a lockfile's packages, forwarded to the upstream). */
export const MAX_AUDIT_BODY = 16 * 1024 * 1024;
/** The largest publish body: the tarball in base64, plus room for metadata, readme and provenance. */
export function publishBodyLimit(maxTarballBytes: number): number {
  return Math.ceil(maxTarballBytes / 3) * 4 + 2 * 1024 * 1024;
}
/** Whole-document PUTs (`-rev` unpublish and owners, deprecate): a stored document is at most 1.9 MB. */
export const MAX_DOCUMENT_BODY = 3 * 1024 * 1024;
/** Accounts: user names as npm allows them; passwords and emails of sane length. */
export const MAX_USER_NAME_LENGTH = 214;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_EMAIL_LENGTH = 254;
/** A bearer token longer than this is no token of ours (ours are 47 characters). */
export const MAX_TOKEN_LENGTH = 512;
/** Token keys are UUIDs (36 characters); revoke also takes a prefix. */
export const MAX_TOKEN_KEY_LENGTH = 36;
/** `npm token create --cidr`: ranges per token. */
export const MAX_CIDR_RANGES = 32;
/** Search text, its words, and paging. */
export const MAX_SEARCH_TEXT = 256;
export const MAX_SEARCH_WORDS = 20;
export const MAX_SEARCH_SIZE = 250;
export const MAX_SEARCH_FROM = 10_000;
/** Upstream answers relayed whole (search, audit): more than this is the upstream's failure. */
export const MAX_RELAYED_BYTES = 16 * 1024 * 1024;
/** A local package's D1 row (document, files, search summary): D1 rows stop at 2 MB. */
export const MAX_ROW_BYTES = 1_900_000;
/** Attachments of one publish: the tarball and a provenance bundle. */
export const MAX_ATTACHMENTS = 2;

const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** A client string for an error message, cut short. */
export function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A client value of any JSON type for an error message: quoted, never throwing, and cut short. */
export function show(v: unknown, max = 100): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  return typeof v === 'string' ? JSON.stringify(clip(v, max)) : String(v);
}
