// The local store as a document source: documents derived from the package's D1 row on every read,
// so a write is seen at once; tarballs listed in that row (unpublished ones are not), bytes in R2.
import type { DocumentSource, Lookup, Representation, TarballLookup } from '../docs/source';
import { derivePackument } from '../packages/derive';
import { chunkStream } from '../streams';
import { readTarball } from '../tarballs/tarball-store';
import { tarballEtag, type LocalEntry } from './store';

const encoder = new TextEncoder();

export class LocalSource implements DocumentSource {
  /** Every write changes the documents: clients revalidate each time. */
  readonly revalidate = true;

  constructor(
    private entry: LocalEntry,
    private ctx: { origin: string; env: { TARBALLS: R2Bucket } },
  ) {}

  async packument(name: string, rep: Representation): Promise<Lookup> {
    if (this.entry.unpublished || this.entry.docText === undefined) return { kind: 'not-found' };
    const d = derivePackument(encoder.encode(this.entry.docText), name, this.ctx.origin);
    // Every write bumps the row's counter, so it identifies the document's version.
    const etag = `"r${this.entry.rev}-${rep === 'full' ? 'f' : 'a'}"`;
    return rep === 'full'
      ? { kind: 'doc', body: chunkStream(d.full), length: d.fullLength, etag, modified: d.modified }
      : { kind: 'doc', body: d.abbreviated, length: d.abbreviated.length, etag, modified: d.modified };
  }

  async tarball(_name: string, file: string, withBody: boolean): Promise<TarballLookup> {
    const f = Object.hasOwn(this.entry.files, file) ? this.entry.files[file] : undefined;
    if (!f) return { kind: 'not-found' };
    // The row knows the size and the digest its ETag is made of: a HEAD needs no R2 read.
    if (!withBody) return { kind: 'tarball', body: null, size: f.size, etag: tarballEtag(f.sha1), version: f.version };
    const stored = await readTarball(this.ctx.env.TARBALLS, f.key, true);
    if (!stored) return { kind: 'not-found' };
    return { kind: 'tarball', ...stored, version: f.version };
  }
}
