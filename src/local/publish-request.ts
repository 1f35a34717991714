// Validates the body `npm publish` sends: one version, its dist-tag, and the tarball attachment
// whose decoded length, sha512 integrity and sha1 shasum must all match what the manifest claims.
import semver from 'semver';
import { Refusal, asObject } from '../refusal';
import { MAX_ATTACHMENTS, MAX_TAGS, show } from '../limits';
import { fromBase64, toBase64, toHex } from '../codec';
import { checkTagName, type Manifest, type NewVersion } from './packument';

export interface PublishRequest extends NewVersion {
  tarball: Uint8Array;
  sha1: string;
  /** The file name our tarball URL ends with: `<unscoped name>-<version>.tgz`. */
  file: string;
  /** `npm publish --provenance`'s sigstore bundle (JSON text), served at the version's attestations URL */
  provenance?: string;
}

export function isPublish(body: Record<string, unknown>): boolean {
  const a = body._attachments;
  return !!a && typeof a === 'object' && Object.keys(a).length > 0;
}

export async function parsePublish(
  body: Record<string, unknown>,
  name: string,
  maxBytes: number,
): Promise<PublishRequest> {
  if (body.name !== name)
    throw new Refusal('invalid', `the body's name (${show(body.name)}) does not match the URL (${name})`);
  if (body._id !== undefined && body._id !== name)
    throw new Refusal('invalid', `the body's _id does not match the URL (${name})`);
  const versions = asObject(body.versions, 'versions');
  const keys = Object.keys(versions);
  if (keys.length !== 1)
    throw new Refusal('invalid', `exactly one version must be published at a time (got ${keys.length})`);
  const version = keys[0];
  if (semver.valid(version) !== version)
    throw new Refusal('invalid', `invalid version: ${show(version)} is not semver`);
  const manifest = asObject(versions[version], `versions[${show(version)}]`) as Manifest;
  if (manifest.name !== name) throw new Refusal('invalid', `versions["${version}"].name must be ${name}`);
  if (manifest.version !== version) throw new Refusal('invalid', `versions["${version}"].version must be ${version}`);

  const tagMap = asObject(body['dist-tags'], 'dist-tags');
  const tags = Object.keys(tagMap);
  if (tags.length > MAX_TAGS) throw new Refusal('invalid', `a package may have at most ${MAX_TAGS} dist-tags`);
  if (tags.length === 0) throw new Refusal('invalid', 'a dist-tag must point at the published version');
  for (const t of tags) {
    checkTagName(t);
    if (tagMap[t] !== version)
      throw new Refusal('invalid', `dist-tag ${show(t)} must point at the published version ${version}`);
  }

  const tarball = await attachment(body, maxBytes);
  const dist = { ...asObject(manifest.dist ?? {}, `versions["${version}"].dist`) };
  const sha512 = `sha512-${toBase64(await crypto.subtle.digest('SHA-512', tarball))}`;
  const sha1 = toHex(await crypto.subtle.digest('SHA-1', tarball));
  if (dist.integrity !== undefined && !sameIntegrity(dist.integrity, sha512)) {
    throw new Refusal('invalid', `dist.integrity does not match the attached tarball (it is ${sha512})`);
  }
  if (dist.shasum !== undefined && (typeof dist.shasum !== 'string' || dist.shasum.toLowerCase() !== sha1)) {
    throw new Refusal('invalid', `dist.shasum does not match the attached tarball (it is ${sha1})`);
  }
  const file = `${name.split('/').pop()}-${version}.tgz`;
  const { _attachments, ...clean } = manifest as Manifest & { _attachments?: unknown };
  void _attachments;
  return {
    version,
    tags,
    tarball,
    sha1,
    file,
    ...provenanceOf(body),
    manifest: { ...clean, _id: `${name}@${version}`, dist: { ...dist, integrity: sha512, shasum: sha1 } },
  };
}

/** The one `.tgz` attachment, decoded; a `.sigstore` provenance bundle may ride along. */
async function attachment(body: Record<string, unknown>, maxBytes: number): Promise<Uint8Array> {
  const all = asObject(body._attachments, '_attachments');
  if (Object.keys(all).length > MAX_ATTACHMENTS)
    throw new Refusal('invalid', `at most ${MAX_ATTACHMENTS} attachments: the .tgz and its .sigstore bundle`);
  const tgz = Object.keys(all).filter((k) => !k.endsWith('.sigstore'));
  if (tgz.length !== 1 || !tgz[0].endsWith('.tgz'))
    throw new Refusal('invalid', 'exactly one .tgz attachment is required');
  const a = asObject(all[tgz[0]], `_attachments[${show(tgz[0])}]`);
  if (typeof a.data !== 'string') throw new Refusal('invalid', 'the attachment has no base64 data');
  if (typeof a.length !== 'number' || !Number.isInteger(a.length) || a.length < 0)
    throw new Refusal('invalid', 'the attachment needs its length');
  if (a.length > maxBytes) throw tooLarge(maxBytes);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(a.data);
  } catch {
    throw new Refusal('invalid', 'the attachment data is not valid base64');
  }
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  if (bytes.length !== a.length)
    throw new Refusal('invalid', `the attachment decodes to ${bytes.length} bytes, not the declared ${a.length}`);
  if (bytes.length === 0) throw new Refusal('invalid', 'the attached tarball is empty');
  return bytes;
}

/** The `.sigstore` attachment's bundle: JSON text (npm sends it as is, not base64). */
function provenanceOf(body: Record<string, unknown>): { provenance?: string } {
  const all = asObject(body._attachments, '_attachments');
  const key = Object.keys(all).find((k) => k.endsWith('.sigstore'));
  if (key === undefined) return {};
  const a = asObject(all[key], `_attachments[${show(key)}]`);
  if (typeof a.data !== 'string') throw new Refusal('invalid', 'the .sigstore attachment has no data');
  try {
    asObject(JSON.parse(a.data), 'the .sigstore bundle');
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal('invalid', 'the .sigstore attachment is not a JSON bundle');
  }
  return { provenance: a.data };
}

export function tooLarge(maxBytes: number): Refusal {
  return new Refusal('too-large', `the package is too large: tarballs are limited to ${maxBytes} bytes here`);
}

/** Compares an SRI string's sha512 entry with ours; other algorithms in it are ignored. */
function sameIntegrity(given: unknown, sha512: string): boolean {
  if (typeof given !== 'string') return false;
  const entries = given
    .trim()
    .split(/\s+/)
    .filter((e) => e.startsWith('sha512-'));
  return entries.length > 0 && entries.every((e) => e.replace(/\?.*$/, '') === sha512);
}
