// What a package page needs of a full packument, without parsing it whole (a document of 3,000 versions
// is megabytes): the top-level members it shows, every version's key, and the manifests of only the
// versions the page shows. Pure; the bytes were validated when the document was stored.
import { forEachMember, parseAt, skipValue, skipWs } from '../packages/json-scan';
import { type PackumentView, shownVersion, versionsByTime } from './package-page';

const TOP = new Set(['name', 'description', 'dist-tags', 'time', 'maintainers', 'readme', 'repository']);

export interface SkimmedDoc {
  view: PackumentView;
  /** version → [start, end) of its manifest */
  spans: Map<string, [number, number]>;
  bytes: Uint8Array;
}

export function skimPackument(bytes: Uint8Array): SkimmedDoc {
  const view: Record<string, unknown> = {};
  const spans = new Map<string, [number, number]>();
  forEachMember(bytes, skipWs(bytes, 0), (top) => {
    const s = top.valueStart;
    if (TOP.has(top.key)) {
      const e = skipValue(bytes, s);
      view[top.key] = parseAt(bytes, s, e);
      return e;
    }
    if (top.key === 'versions' && bytes[s] === 0x7b)
      return forEachMember(bytes, s, (v) => {
        const e = skipValue(bytes, v.valueStart);
        spans.set(v.key, [v.valueStart, e]);
        return e;
      });
  });
  // Versions stand as empty manifests until `withManifests` fills the ones a page shows.
  view.versions = Object.fromEntries([...spans.keys()].map((v) => [v, {}]));
  return { view, spans, bytes };
}

/** The view with the manifests of `versions` parsed in. */
export function withManifests(d: SkimmedDoc, versions: Iterable<string>): PackumentView {
  const all = { ...(d.view.versions as Record<string, unknown>) };
  for (const v of versions) {
    const span = d.spans.get(v);
    if (span) all[v] = parseAt(d.bytes, span[0], span[1]);
  }
  return { ...d.view, versions: all };
}

export { shownVersion, versionsByTime };
