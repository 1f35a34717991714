// A document's two encodings on the wire: as stored (gzip, with `Content-Encoding`) to clients that
// accept it, else decompressed as it streams. Each encoding has its own ETag, as HTTP asks.
import type { Doc } from './source';

/** The ETag of a document's gzip encoding: the document's own with `-gz` inside the quotes. */
export function gzipEtag(etag: string): string {
  return etag.replace(/"$/, '-gz"');
}

/** Whether the answer carries the stored gzip bytes: the document has them and the client takes them. */
export function sendsGzip(doc: Doc, gzipOk: boolean): boolean {
  return doc.gzip !== undefined && gzipOk;
}

/** The ETag of what is sent for `doc`. */
export function sentEtag(doc: Doc, gzipOk: boolean): string {
  return sendsGzip(doc, gzipOk) ? gzipEtag(doc.etag) : doc.etag;
}

/** The document's bytes as the client gets them when it does not take gzip (or a manifest is cut). */
export function identityBody(doc: Doc): { body: ReadableStream | Uint8Array | null; length: number } {
  if (!doc.gzip || doc.body === null) return { body: doc.body, length: doc.length };
  const plain = toStream(doc.body).pipeThrough(new DecompressionStream('gzip'));
  // Fixed length: the client gets a Content-Length, as for every other document.
  return { body: plain.pipeThrough(new FixedLengthStream(doc.gzip.identityLength)), length: doc.gzip.identityLength };
}

function toStream(body: ReadableStream | Uint8Array): ReadableStream {
  return body instanceof Uint8Array ? new Response(body).body! : body;
}
