// Local packages in D1 (one row per package, the whole document) and their tarballs in R2.
// Every write is a compare-and-set on `rev`, retried on conflict, so concurrent writers never lose data.
import { Refusal } from '../refusal';
import { MAX_ROW_BYTES, utf8Length } from '../limits';
import { randomHex } from '../users/crypto';
import type { Packument } from './packument';
import { searchSummary } from './search';

export interface StoredFile {
  key: string;
  version: string;
  /** bytes, and the SHA-1 in hex: a HEAD is answered from these */
  size: number;
  sha1: string;
}

/** A local tarball's ETag, in R2's metadata and answered from the row alike. */
export function tarballEtag(sha1: string): string {
  return `"${sha1}"`;
}

export interface LocalPackage {
  name: string;
  rev: number;
  doc: Packument;
  files: Record<string, StoredFile>;
  unpublished: boolean;
}

export interface Change {
  doc: Packument;
  files: Record<string, StoredFile>;
  unpublished: boolean;
}

/** Each attempt is two D1 queries; with the request's others this stays within 50 per invocation (the free plan's). */
const MAX_ATTEMPTS = 20;

interface Row {
  name: string;
  rev: number;
  doc: string;
  files: string;
  unpublished: number;
}

/** What a read needs: the document stays JSON text (it is derived from, never edited). */
export interface LocalEntry {
  name: string;
  rev: number;
  unpublished: boolean;
  files: Record<string, StoredFile>;
  /** absent when the read did not ask for it (tarballs) */
  docText?: string;
}

/** The GET paths' lookup: one primary-key read; the document only when `withDoc`. */
export async function lookupLocal(db: D1Database, name: string, withDoc: boolean): Promise<LocalEntry | null> {
  const r = await db
    .prepare(`SELECT rev, files, unpublished${withDoc ? ', doc' : ''} FROM local_packages WHERE name = ?`)
    .bind(name)
    .first<Omit<Row, 'name' | 'doc'> & { doc?: string }>();
  return r && { name, rev: r.rev, unpublished: r.unpublished === 1, files: JSON.parse(r.files), docText: r.doc };
}

export async function findLocal(db: D1Database, name: string): Promise<LocalPackage | null> {
  const r = await db
    .prepare('SELECT name, rev, doc, files, unpublished FROM local_packages WHERE name = ?')
    .bind(name)
    .first<Row>();
  return (
    r && {
      name: r.name,
      rev: r.rev,
      doc: JSON.parse(r.doc),
      files: JSON.parse(r.files),
      unpublished: r.unpublished === 1,
    }
  );
}

/**
 * Reads the package, asks `edit` for the change (null: nothing to write) and stores it only if no
 * one wrote in between; otherwise reads again and retries. `edit` may throw a Refusal.
 */
export async function mutate(
  db: D1Database,
  name: string,
  edit: (current: LocalPackage | null) => Change | null | Promise<Change | null>,
): Promise<LocalPackage | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await findLocal(db, name);
    const change = await edit(current);
    if (!change) return current;
    const rev = (current?.rev ?? 0) + 1;
    const doc = { ...change.doc, _rev: revId(rev) };
    const text = JSON.stringify(doc);
    const files = JSON.stringify(change.files);
    const unpublished = change.unpublished ? 1 : 0;
    const summary = change.unpublished ? null : searchSummary(doc);
    // The whole row counts (the summary repeats the description), in bytes, not characters.
    const bytes = utf8Length(text) + utf8Length(files) + (summary === null ? 0 : utf8Length(summary));
    if (bytes > MAX_ROW_BYTES)
      throw new Refusal(
        'too-large',
        `the document of ${name} would exceed ${MAX_ROW_BYTES} bytes; unpublish old versions first`,
      );
    const stmt = current
      ? db
          .prepare(
            'UPDATE local_packages SET rev = ?, doc = ?, files = ?, unpublished = ?, summary = ?, updated = ?' +
              ' WHERE name = ? AND rev = ?',
          )
          .bind(rev, text, files, unpublished, summary, Date.now(), name, current.rev)
      : db
          .prepare(
            'INSERT INTO local_packages (name, rev, doc, files, unpublished, summary, updated)' +
              ' VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
          )
          .bind(name, rev, text, files, unpublished, summary, Date.now());
    const r = await stmt.run();
    if (r.meta.changes === 1) return { name, rev, doc, files: change.files, unpublished: change.unpublished };
    // Someone else wrote first: back off a little (more each time) and redo the edit on their result.
    await new Promise((res) => setTimeout(res, Math.random() * 10 * (attempt + 1)));
  }
  throw new Refusal('busy', `too many concurrent writes to ${name}; try again`, 1);
}

/** The `N-<hex>` shape CouchDB gave npm's clients; the counter alone decides conflicts. */
export function revId(rev: number): string {
  return `${rev}-${randomHex(8)}`;
}

/** Tarballs get a key of their own per publish attempt, so a losing racer never touches the winner's bytes. */
export function tarballKey(name: string, version: string): string {
  return `local/${name}/${version}/${crypto.randomUUID()}.tgz`;
}
