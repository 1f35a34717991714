// What a read of a package is answered from: a document source. Two implement it, the upstream
// mirror (src/mirror/mirror-source.ts) and the local store (src/local/local-source.ts); the routes
// answer from either alike. Manifests are cut from the full packument, so a source serves them too.
import type { Failure } from '../failure';

/** The two documents of a package: npm's full one and the abbreviated ("corgi") one installs ask for. */
export type Representation = 'abbreviated' | 'full';

export interface Doc {
  kind: 'doc';
  /** null only when the request's If-None-Match named this ETag: a 304 needs no document */
  body: ReadableStream | Uint8Array | null;
  /** bytes of `body` */
  length: number;
  /** the document's ETag; its gzip encoding has its own (src/docs/encoding.ts) */
  etag: string;
  modified?: string;
  /** set when `body` is the document gzip-compressed */
  gzip?: { identityLength: number };
}

export interface NotFound {
  kind: 'not-found';
}

export type Lookup = Doc | NotFound | Failure;

export interface Tarball {
  kind: 'tarball';
  /** null for HEAD */
  body: ReadableStream | Uint8Array | null;
  size: number;
  /** absent for a tarball passed through uncached (too big to verify): it gets no validators */
  etag?: string;
  /** the version it belongs to, which a download is counted for; absent: not counted */
  version?: string;
}

/** A tarball the registry will not serve: a block rule or the release-age quarantine (403). */
export interface Refused {
  kind: 'refused';
  message: string;
}

export type TarballLookup = Tarball | NotFound | Refused | Failure;

export interface DocumentSource {
  /** Whether clients must revalidate every time (local documents change with each write). */
  readonly revalidate: boolean;
  /** `gzipOk`: the client takes gzip, so a source may answer with the document gzip-compressed. */
  packument(name: string, rep: Representation, gzipOk?: boolean): Promise<Lookup>;
  /** `withBody` false: a HEAD, answered without reading the bytes where the source can. */
  tarball(name: string, file: string, withBody: boolean): Promise<TarballLookup>;
}
