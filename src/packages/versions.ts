// Reads dist-tags and version spans out of a full packument without parsing it whole.
import { forEachMember, parseAt, skipValue, skipWs } from './json-scan';

export interface VersionIndex {
  distTags: Record<string, string>;
  /** version → [start, end) of its manifest in the document bytes */
  spans: Map<string, [number, number]>;
}

export function indexVersions(doc: Uint8Array): VersionIndex {
  const out: VersionIndex = { distTags: {}, spans: new Map() };
  forEachMember(doc, skipWs(doc, 0), (top) => {
    if (top.key === 'dist-tags' && doc[top.valueStart] === 0x7b) {
      const e = skipValue(doc, top.valueStart);
      out.distTags = parseAt(doc, top.valueStart, e);
      return e;
    }
    if (top.key === 'versions' && doc[top.valueStart] === 0x7b) {
      return forEachMember(doc, top.valueStart, (v) => {
        const e = skipValue(doc, v.valueStart);
        out.spans.set(v.key, [v.valueStart, e]);
        return e;
      });
    }
  });
  return out;
}
