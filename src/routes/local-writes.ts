// npm's write requests on local packages: publish, deprecate, unpublish, owners and dist-tags. They run
// behind the route table's `maintainer` gate (a token that may write); maintainership is checked here.
// Each: authenticate → authorize (owner, revision) before the body is read → bounded validation →
// one compare-and-set write in D1, which checks ownership again under the write. A publish puts its tarball in R2
// first and removes it if the write does not land; an unpublish removes tarballs after it lands.
import type { Config } from '../config';
import type { RequestContext } from '../http/context';
import type { Target } from '../http/router';
import { readJson, readJsonObject } from '../http/body';
import { HttpError } from '../http/errors';
import { clip } from '../limits';
import { checkName, inScopes } from '../packages/names';
import { attestationsUrl, tarballUrl } from '../packages/tarball-url';
import { attestationsKey, writeAttestations } from '../tarballs/attestations-store';
import {
  addVersion,
  applyDeprecations,
  applyRevision,
  everPublished,
  isMaintainer,
  parseMaintainers,
  removeDistTag,
  setDistTag,
  unpublishAll,
  type Maintainer,
  type Packument,
} from '../local/packument';
import { isPublish, parsePublish } from '../local/publish-request';
import { findLocal, mutate, tarballEtag, tarballKey, type LocalPackage, type StoredFile } from '../local/store';
import { MirrorSource } from '../mirror/mirror-source';
import { signedMessage, signingKey } from '../signing/registry-key';
import { deleteTarballs, writeTarball } from '../tarballs/tarball-store';
import { packumentExists } from '../upstream/client';
import { publicUser, publicUsers, type Caller } from '../users/accounts';

const now = () => new Date().toISOString();

/** PUT /<name>: a publish when it carries an attachment, otherwise `npm deprecate`'s whole-document PUT. */
export async function putPackage(w: RequestContext, { name }: Target<'packument'>): Promise<Response> {
  const caller = await w.writer();
  // Who may write is settled before the body is read: only owners write an existing package; a new one
  // needs a name by today's rules that the upstream does not have (or one in a local scope).
  const existing = await findLocal(w.env.DB, name);
  if (existing) checkOwner(existing, caller, name);
  else {
    checkName(name); // LEGACY_NAMES serves old mixed-case names; new ones follow today's rules
    if (!inScopes(name, w.cfg.localScopes)) await refuseUpstreamName(w.cfg, name);
  }
  const body = await readJsonObject(w.req);
  return isPublish(body) ? publish(w, caller, name, body, existing) : deprecate(w, caller, name, body);
}

async function publish(
  w: RequestContext,
  caller: Caller,
  name: string,
  body: Record<string, unknown>,
  existing: LocalPackage | null,
): Promise<Response> {
  const p = await parsePublish(body, name, w.cfg.maxTarballBytes);
  // Refused here already (addVersion refuses it again under the lock) so no bytes go to R2 for it.
  if (existing && everPublished(existing.doc, p.version))
    throw new HttpError(403, `You cannot publish over the previously published versions: ${p.version}.`);
  // A new name outside the local scopes: copies the mirror kept of it (the upstream had it once) must
  // stop answering before it becomes local; if they cannot be removed, nothing is written (503, retry).
  if (!existing && !inScopes(name, w.cfg.localScopes)) await forgetMirror(w, name);
  const key = tarballKey(name, p.version);
  const stored: StoredFile = { key, version: p.version, size: p.tarball.length, sha1: p.sha1 };
  const dist = p.manifest.dist as { integrity: string } & Record<string, unknown>;
  const manifest = {
    ...p.manifest,
    dist: {
      ...dist,
      tarball: tarballUrl(w.origin, name, p.file),
      ...(await signatures(w, name, p.version, dist.integrity)),
      ...(p.provenance === undefined
        ? {}
        : {
            attestations: { url: attestationsUrl(w.origin, name, p.version), provenance: { predicateType: SLSA_V1 } },
          }),
    },
  };
  const user = (await publicUser(w.env.DB, caller.user)) ?? { name: caller.user, email: '' };
  await writeTarball(w.env.TARBALLS, key, p.tarball, { etag: tarballEtag(p.sha1), version: p.version });
  if (p.provenance !== undefined) {
    const answer = { attestations: [{ predicateType: SLSA_V1, bundle: JSON.parse(p.provenance) }] };
    await writeAttestations(w.env.TARBALLS, name, p.version, JSON.stringify(answer));
  }
  let saved: LocalPackage | null;
  try {
    saved = await mutate(w.env.DB, name, (cur) => {
      if (cur) checkOwner(cur, caller, name);
      const doc = addVersion(cur?.doc ?? null, { ...p, manifest }, user, now());
      return { doc, files: { ...(cur?.files ?? {}), [p.file]: stored }, unpublished: false };
    });
  } catch (e) {
    // Nothing of this version may remain, so a retried publish is not refused as a duplicate; but a
    // write that landed although D1's answer was lost keeps its bytes.
    const after = await findLocal(w.env.DB, name).catch(() => undefined);
    if (after !== undefined && after?.files[p.file]?.key !== key) {
      await deleteTarballs(w.env.TARBALLS, [key]);
      if (p.provenance !== undefined) await deleteTarballs(w.env.TARBALLS, [attestationsKey(name, p.version)]);
    }
    throw e;
  }
  return ok(name, saved!, 201);
}

async function deprecate(
  w: RequestContext,
  caller: Caller,
  name: string,
  body: Record<string, unknown>,
): Promise<Response> {
  if (body.name !== undefined && body.name !== name)
    throw new HttpError(400, `the body's name does not match the URL (${name})`);
  const saved = await mutate(w.env.DB, name, (cur) => {
    const pkg = writable(cur, caller, name, w.cfg);
    const doc = applyDeprecations(pkg.doc, body, now());
    return doc && { doc, files: pkg.files, unpublished: false };
  });
  return ok(name, saved!);
}

/** PUT /<name>/-rev/<rev>: unpublish of one version (npm sends the document without it) or `npm owner`. */
export async function putRevision(w: RequestContext, { name, rev }: Target<'revision'>): Promise<Response> {
  const caller = await w.writer();
  // Owner and revision first: a stranger's body, however large, is never read.
  checkRev(writable(await findLocal(w.env.DB, name), caller, name, w.cfg), rev);
  const body = await readJsonObject(w.req);
  if (body.maintainers !== undefined) body.maintainers = await knownUsers(w.env.DB, parseMaintainers(body.maintainers));
  let doomed: string[] = [];
  const saved = await mutate(w.env.DB, name, (cur) => {
    const pkg = writable(cur, caller, name, w.cfg);
    checkRev(pkg, rev);
    const { doc, removed } = applyRevision(pkg.doc, body, now());
    const { files, gone } = dropFiles(pkg.files, removed);
    doomed = gone;
    return { doc, files, unpublished: Object.keys(doc.versions).length === 0 };
  });
  await removeUnpublished(w, name, doomed);
  return ok(name, saved!);
}

/** DELETE /<name>/-rev/<rev>: the whole package. Its versions stay listed in `time`, never reusable. */
export async function deletePackage(w: RequestContext, { name, rev }: Target<'revision'>): Promise<Response> {
  const caller = await w.writer();
  let doomed: string[] = [];
  const saved = await mutate(w.env.DB, name, (cur) => {
    const pkg = writable(cur, caller, name, w.cfg);
    checkRev(pkg, rev);
    const { doc } = unpublishAll(pkg.doc, now());
    doomed = Object.values(pkg.files).map((f) => f.key);
    return { doc, files: {}, unpublished: true };
  });
  await removeUnpublished(w, name, doomed);
  return ok(name, saved!);
}

/**
 * DELETE /<name>/-/<file>/-rev/<rev>: the last step of npm's version unpublish. The PUT before it
 * already removed the bytes, so this confirms; a file of a still-published version is refused.
 */
export async function deleteTarball(w: RequestContext, { name, file }: Target<'tarball-revision'>): Promise<Response> {
  const caller = await w.writer();
  const pkg = writable(await findLocal(w.env.DB, name), caller, name, w.cfg, true);
  if (Object.hasOwn(pkg.files, file)) {
    throw new HttpError(
      400,
      `${file} belongs to ${name}@${pkg.files[file].version}, which is still published; unpublish that version`,
    );
  }
  const base = name.split('/').pop()!;
  const was = Object.keys(pkg.doc.time).some((v) => `${base}-${v}.tgz` === file);
  if (!was) throw new HttpError(404, `tarball not found: ${name}/-/${file}`);
  return Response.json({ ok: true });
}

/** PUT /-/package/<name>/dist-tags/<tag> with a JSON string body. */
export async function putDistTag(w: RequestContext, { name, tag }: Target<'dist-tag'>): Promise<Response> {
  const caller = await w.writer();
  writable(await findLocal(w.env.DB, name), caller, name, w.cfg);
  const wanted = 'the body must be a JSON string naming a version, e.g. "1.2.3"';
  const version = await readJson(w.req, wanted);
  if (typeof version !== 'string') throw new HttpError(400, wanted);
  const saved = await mutate(w.env.DB, name, (cur) => {
    const pkg = writable(cur, caller, name, w.cfg);
    if (pkg.doc['dist-tags'][tag] === version) return null;
    return { doc: setDistTag(pkg.doc, tag, version, now()), files: pkg.files, unpublished: false };
  });
  return ok(name, saved!, 201);
}

export async function deleteDistTag(w: RequestContext, { name, tag }: Target<'dist-tag'>): Promise<Response> {
  const caller = await w.writer();
  const saved = await mutate(w.env.DB, name, (cur) => {
    const pkg = writable(cur, caller, name, w.cfg);
    return { doc: removeDistTag(pkg.doc, tag, now()), files: pkg.files, unpublished: false };
  });
  return ok(name, saved!);
}

/** The local package `caller` may change; a clear refusal otherwise. */
function writable(
  cur: LocalPackage | null,
  caller: Caller,
  name: string,
  cfg: Config,
  allowUnpublished = false,
): LocalPackage {
  if (!cur) {
    // A 404 would tell npm's unpublish that all is done; a mirrored package is refused instead.
    if (!inScopes(name, cfg.localScopes))
      throw new HttpError(
        403,
        `${name} is not published on this registry; ` +
          'packages mirrored from the upstream registry cannot be changed here',
      );
    throw new HttpError(404, `${name} is not published on this registry`);
  }
  checkOwner(cur, caller, name);
  if (cur.unpublished && !allowUnpublished) throw new HttpError(404, `${name} has been unpublished`);
  return cur;
}

/**
 * The unpublish has landed and nothing serves these keys any more: a failure to delete them must not
 * fail the request (npm would retry with a revision that is gone), so it is logged.
 */
async function removeUnpublished(w: RequestContext, name: string, keys: string[]): Promise<void> {
  try {
    await deleteTarballs(w.env.TARBALLS, keys);
  } catch (e) {
    console.error(
      `unpublished ${name}, but removing ${keys.length} tarball(s) from R2 failed: ` +
        `${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

async function forgetMirror(w: RequestContext, name: string): Promise<void> {
  try {
    await new MirrorSource(w).forget(name);
  } catch (e) {
    console.error(
      `publish of ${name}: removing its mirror copies failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    throw new HttpError(503, `cannot publish ${name} now; try again`, { 'retry-after': '1' });
  }
}

/** What `npm publish --provenance` attests (its bundle's predicate). */
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/** `dist.signatures` of a version published here, when the registry has a SIGNING_KEY. */
async function signatures(
  w: RequestContext,
  name: string,
  version: string,
  integrity: string,
): Promise<{ signatures?: { keyid: string; sig: string }[] }> {
  if (!w.env.SIGNING_KEY) return {};
  const key = await signingKey(w.env.SIGNING_KEY);
  return { signatures: [{ keyid: key.keyid, sig: await key.sign(signedMessage(name, version, integrity)) }] };
}

function checkOwner(pkg: LocalPackage, caller: Caller, name: string): void {
  if (!isMaintainer(pkg.doc, caller.user)) throw new HttpError(403, `${caller.user} is not a maintainer of ${name}`);
}

function checkRev(pkg: LocalPackage, rev: string): void {
  if (pkg.doc._rev !== rev)
    throw new HttpError(
      409,
      `Document update conflict: ${pkg.name} is at revision ${pkg.doc._rev}, not ${clip(rev)}; read it again`,
    );
}

function dropFiles(
  files: Record<string, StoredFile>,
  removed: string[],
): { files: Record<string, StoredFile>; gone: string[] } {
  const out: Record<string, StoredFile> = {};
  const gone: string[] = [];
  for (const [file, f] of Object.entries(files)) {
    if (removed.includes(f.version)) gone.push(f.key);
    else out[file] = f;
  }
  return { files: out, gone };
}

/** `npm owner add` sends names; each must be a user here, and their email comes from our records. */
async function knownUsers(db: D1Database, list: Maintainer[]): Promise<Maintainer[]> {
  const found = await publicUsers(
    db,
    list.map((m) => m.name),
  ); // one query, however many names
  return list.map((m) => {
    const u = found.get(m.name);
    if (!u) throw new HttpError(404, `no such user: ${clip(m.name)}`);
    return u;
  });
}

async function refuseUpstreamName(cfg: Config, name: string): Promise<void> {
  const r = await packumentExists(cfg, name);
  if (r.kind === 'yes') {
    const hint = cfg.localScopes.length > 0 ? ` (or under a local scope: ${cfg.localScopes.join(', ')})` : '';
    throw new HttpError(
      403,
      `${name} exists on the upstream registry, so it cannot be published here; choose another name${hint}`,
    );
  }
  if (r.kind === 'failed')
    throw new HttpError(r.status, `cannot check that ${name} is free on the upstream registry: ${r.message}`);
}

function ok(name: string, saved: LocalPackage, status = 200): Response {
  return Response.json({ ok: true, id: name, rev: (saved.doc as Packument)._rev }, { status });
}
