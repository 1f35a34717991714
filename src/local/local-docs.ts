// Serves a local package's documents: derived from D1 on every read, so a write is seen at once.
import type { Doc, DocSource, Lookup } from '../cache/packument-cache';
import type { Representation } from '../http/negotiate';
import { chunkStream } from '../cache/packument-cache';
import { derivePackument } from '../packages/derive';
import type { LocalEntry } from './store';

const encoder = new TextEncoder();

export class LocalDocs implements DocSource {
  constructor(
    private entry: LocalEntry,
    private origin: string,
  ) {}

  async get(name: string, rep: Representation): Promise<Lookup> {
    if (this.entry.unpublished || this.entry.docText === undefined) return { kind: 'not-found' };
    const d = derivePackument(encoder.encode(this.entry.docText), name, this.origin);
    // Every write bumps the row's counter, so it identifies the document's version.
    const etag = `"r${this.entry.rev}-${rep === 'full' ? 'f' : 'a'}"`;
    const doc: Doc =
      rep === 'full'
        ? { kind: 'doc', body: chunkStream(d.full), length: d.fullLength, etag, modified: d.modified, revalidate: true }
        : {
            kind: 'doc',
            body: d.abbreviated,
            length: d.abbreviated.length,
            etag,
            modified: d.modified,
            revalidate: true,
          };
    return doc;
  }
}
