// Pure edits of a local packument: publish, deprecate, unpublish, dist-tags and owners.
// Each takes the stored document and returns a new one (or throws a Refusal); none touches storage.
import semver from 'semver';
import { Refusal, asObject } from '../refusal';
import { MAX_MAINTAINERS, MAX_TAGS, MAX_TAG_LENGTH, clip, show } from '../limits';
import { isUserName } from '../users/account-fields';

export interface Maintainer {
  name: string;
  email?: string;
}

export type Manifest = Record<string, unknown> & { name: string; version: string };

export interface Packument {
  _id: string;
  _rev?: string;
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
  time: Record<string, unknown>;
  maintainers: Maintainer[];
  [field: string]: unknown;
}

/** Package-level fields the registry copies from the `latest` manifest. */
const HOISTED = [
  'description',
  'readme',
  'readmeFilename',
  'homepage',
  'keywords',
  'repository',
  'author',
  'bugs',
  'license',
  'contributors',
];

export interface NewVersion {
  version: string;
  manifest: Manifest;
  tags: string[];
}

/** Anyone may create a package; afterwards (even once unpublished) only its owners write. */
export function isMaintainer(doc: Packument | null, user: string): boolean {
  return !doc || doc.maintainers.some((m) => m.name === user);
}

/** True when `version` is or ever was published (unpublished versions stay in `time`). */
export function everPublished(doc: Packument | null, version: string): boolean {
  return !!doc && (Object.hasOwn(doc.versions, version) || Object.hasOwn(doc.time, version));
}

/** Adds one version. The first publish makes the publisher the owner; a first version gets `latest`. */
export function addVersion(current: Packument | null, add: NewVersion, publisher: Maintainer, now: string): Packument {
  if (everPublished(current, add.version)) {
    throw new Refusal('forbidden', `You cannot publish over the previously published versions: ${add.version}.`);
  }
  const doc: Packument = current
    ? structuredClone(current)
    : { _id: add.manifest.name, name: add.manifest.name, 'dist-tags': {}, versions: {}, time: {}, maintainers: [] };
  delete doc.time.unpublished;
  if (doc.maintainers.length === 0) doc.maintainers = [publisher];
  const { readme, readmeFilename, ...manifest } = add.manifest;
  doc.versions[add.version] = { ...manifest, maintainers: doc.maintainers, _npmUser: publisher };
  for (const tag of add.tags) doc['dist-tags'][tag] = add.version;
  if (!doc['dist-tags'].latest) doc['dist-tags'].latest = add.version;
  doc.time.created ??= now;
  doc.time[add.version] = now;
  doc.time.modified = now;
  if (doc['dist-tags'].latest === add.version) {
    hoist(doc, { ...manifest, readme, readmeFilename });
  }
  return doc;
}

/**
 * `npm deprecate`: the client sends the whole document with `deprecated` set on some versions
 * (`""` clears it). Only that field of versions named in the body changes; versions the body lacks
 * (published meanwhile) are left alone. Returns null when nothing changes.
 */
export function applyDeprecations(current: Packument, body: Record<string, unknown>, now: string): Packument | null {
  const doc = structuredClone(current);
  if (!deprecateIn(doc, asObject(body.versions, 'versions'))) return null;
  doc.time.modified = now;
  return doc;
}

/** Applies the `deprecated` fields of `versions` to `doc` in place; true when one changed. */
function deprecateIn(doc: Packument, versions: Record<string, unknown>): boolean {
  let changed = false;
  for (const [v, m] of Object.entries(versions)) {
    if (!Object.hasOwn(doc.versions, v)) continue;
    const message = m && typeof m === 'object' ? (m as Record<string, unknown>).deprecated : undefined;
    // Absent means "not touched" (another client may have deprecated it since); npm clears with "".
    if (message === undefined) continue;
    if (typeof message !== 'string') throw new Refusal('invalid', `versions[${show(v)}].deprecated must be a string`);
    const before = doc.versions[v].deprecated;
    if (message) doc.versions[v].deprecated = message;
    else delete doc.versions[v].deprecated;
    changed ||= before !== doc.versions[v].deprecated;
  }
  return changed;
}

/**
 * A PUT to `/<name>/-rev/<rev>`: the client's edited copy of the document it read at that revision.
 * Versions it left out are unpublished; `dist-tags`, `maintainers` and deprecations are taken from it.
 * Versions cannot be added or changed this way.
 */
export function applyRevision(
  current: Packument,
  body: Record<string, unknown>,
  now: string,
): { doc: Packument; removed: string[] } {
  const doc = structuredClone(current);
  const removed: string[] = [];
  if (body.versions !== undefined) {
    const versions = asObject(body.versions, 'versions');
    for (const v of Object.keys(versions)) {
      if (!Object.hasOwn(doc.versions, v))
        throw new Refusal('invalid', `version ${show(v)} is not published; publish it with npm publish`);
    }
    for (const v of Object.keys(doc.versions)) {
      if (!Object.hasOwn(versions, v)) {
        delete doc.versions[v];
        removed.push(v);
      }
    }
    deprecateIn(doc, versions);
  }
  if (body['dist-tags'] !== undefined) {
    const tags = asObject(body['dist-tags'], 'dist-tags');
    if (Object.keys(tags).length > MAX_TAGS)
      throw new Refusal('invalid', `a package may have at most ${MAX_TAGS} dist-tags`);
    doc['dist-tags'] = {};
    for (const [tag, v] of Object.entries(tags)) {
      if (typeof v !== 'string' || !Object.hasOwn(doc.versions, v))
        throw new Refusal('invalid', `dist-tag ${show(tag)} must point at a published version`);
      if (current['dist-tags'][tag] !== v) checkTagName(tag); // tags already there stay as they are
      doc['dist-tags'][tag] = v;
    }
  } else {
    for (const [tag, v] of Object.entries(doc['dist-tags']))
      if (!Object.hasOwn(doc.versions, v)) delete doc['dist-tags'][tag];
  }
  if (body.maintainers !== undefined) doc.maintainers = parseMaintainers(body.maintainers);
  if (Object.keys(doc.versions).length === 0)
    return { doc: unpublishAll(current, now).doc, removed: Object.keys(current.versions) };
  if (!doc['dist-tags'].latest) {
    doc['dist-tags'].latest = Object.keys(doc.versions).sort(semver.compareLoose).at(-1)!;
  }
  if (removed.length > 0 || doc['dist-tags'].latest !== current['dist-tags'].latest) {
    hoist(doc, doc.versions[doc['dist-tags'].latest], false);
  }
  doc.time.modified = now;
  return { doc, removed };
}

/** Removes every version; `time` keeps them (and when), so none can be published again. */
export function unpublishAll(current: Packument, now: string): { doc: Packument; removed: string[] } {
  const removed = Object.keys(current.versions);
  const doc: Packument = {
    _id: current._id,
    name: current.name,
    'dist-tags': {},
    versions: {},
    time: { ...current.time, modified: now, unpublished: { time: now, versions: removed } },
    maintainers: current.maintainers,
  };
  return { doc, removed };
}

export function setDistTag(current: Packument, tag: string, version: string, now: string): Packument {
  checkTagName(tag);
  if (!Object.hasOwn(current.versions, version))
    throw new Refusal('not-found', `version not found: ${current.name}@${clip(version)}`);
  const doc = structuredClone(current);
  doc['dist-tags'][tag] = version;
  doc.time.modified = now;
  if (tag === 'latest') hoist(doc, doc.versions[version], false);
  return doc;
}

export function removeDistTag(current: Packument, tag: string, now: string): Packument {
  if (tag === 'latest') throw new Refusal('invalid', 'the latest tag cannot be removed');
  if (!Object.hasOwn(current['dist-tags'], tag))
    throw new Refusal('not-found', `no dist-tag ${clip(tag)} on ${current.name}`);
  const doc = structuredClone(current);
  delete doc['dist-tags'][tag];
  doc.time.modified = now;
  return doc;
}

export function checkTagName(tag: string): void {
  if (tag.length > MAX_TAG_LENGTH)
    throw new Refusal('invalid', `dist-tag names are limited to ${MAX_TAG_LENGTH} characters`);
  // `__proto__` would be swallowed by the assignment that stores it.
  if (
    tag === '' ||
    tag === '__proto__' ||
    tag !== tag.trim() ||
    /[\s/%]/.test(tag) ||
    encodeURIComponent(tag) !== tag
  ) {
    throw new Refusal('invalid', `invalid dist-tag name: ${show(tag)}`);
  }
  if (semver.validRange(tag)) throw new Refusal('invalid', `Tag name must not be a valid SemVer range: ${clip(tag)}`);
}

export function parseMaintainers(v: unknown): Maintainer[] {
  if (!Array.isArray(v) || v.length === 0) throw new Refusal('invalid', 'maintainers must be a non-empty list');
  if (v.length > MAX_MAINTAINERS)
    throw new Refusal('invalid', `a package may have at most ${MAX_MAINTAINERS} maintainers`);
  const out: Maintainer[] = [];
  for (const m of v) {
    if (!m || typeof m !== 'object' || !isUserName((m as Maintainer).name))
      throw new Refusal('invalid', 'each maintainer needs the name of a user');
    const { name, email } = m as Maintainer;
    if (out.some((o) => o.name === name)) continue;
    out.push(typeof email === 'string' ? { name, email } : { name });
  }
  return out;
}

/** Copies the package-level fields from `manifest`; the readme is only replaced when one is given. */
function hoist(doc: Packument, manifest: Record<string, unknown>, withReadme = true): void {
  for (const f of HOISTED) {
    if ((f === 'readme' || f === 'readmeFilename') && !withReadme) continue;
    if (manifest[f] === undefined) delete doc[f];
    else doc[f] = manifest[f];
  }
}
