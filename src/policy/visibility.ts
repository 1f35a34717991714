// Which versions of a mirrored packument are shown: block rules hide versions by range, the release-age
// quarantine (MIN_RELEASE_AGE) hides versions younger than that by their `time` entry. The dist-tags are
// then made to point at shown versions only. Pure: no bindings.
import semver from 'semver';
import { shortDigest } from '../codec';
import type { BlockRule } from './rules';

export interface VisibilityInput {
  versions: string[];
  distTags: Record<string, string>;
  /** the document's `time` (only read when the quarantine applies) */
  times?: Record<string, unknown>;
}

export interface Plan {
  /** versions left out of both documents */
  hidden: Set<string>;
  /** the dist-tags over the shown versions */
  distTags: Record<string, string>;
  /** when the next quarantined version comes of age (ms since the epoch): the documents change then */
  until?: number;
}

/**
 * `minAgeMs` is the quarantine (0: none for this name). A version without a parsable `time` entry is
 * shown: the public registry gives every version one, and a mirror of a registry that gives none would
 * otherwise hide everything.
 */
export function planVisibility(input: VisibilityInput, rules: BlockRule[], minAgeMs: number, now: number): Plan {
  const hidden = new Set<string>();
  let until: number | undefined;
  for (const v of input.versions) {
    if (rules.some((r) => semver.satisfies(v, r.versions, { includePrerelease: true, loose: true }))) {
      hidden.add(v);
      continue;
    }
    const at = minAgeMs > 0 ? publishedAt(input.times, v) : undefined;
    if (at !== undefined && at + minAgeMs > now) {
      hidden.add(v);
      until = Math.min(until ?? Infinity, at + minAgeMs);
    }
  }
  return { hidden, distTags: hidden.size ? retag(input.distTags, input.versions, hidden) : input.distTags, until };
}

/** When `version` was published, from a `time` object; undefined when it says nothing usable. */
export function publishedAt(times: Record<string, unknown> | undefined, version: string): number | undefined {
  const t = times && Object.hasOwn(times, version) ? times[version] : undefined;
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Tags over the shown versions. `latest` on a hidden version moves to the highest shown version below it,
 * a release rather than a prerelease when there is one (what `npm install` without a tag then gets); with
 * none below it, it is dropped. Every other tag on a hidden version is dropped. Tags on versions the
 * document does not list are left as they are.
 */
function retag(tags: Record<string, string>, versions: string[], hidden: Set<string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null); // a tag named __proto__ is a tag like any other
  for (const [tag, v] of Object.entries(tags)) {
    if (!hidden.has(v)) out[tag] = v;
    else if (tag === 'latest' && semver.valid(v, true)) {
      const below = versions.filter((x) => !hidden.has(x) && semver.valid(x, true) && semver.lt(x, v, true));
      const releases = below.filter((x) => !semver.prerelease(x, true));
      const pick = (releases.length ? releases : below).sort((a, b) => semver.compare(a, b, true)).at(-1);
      if (pick !== undefined) out.latest = pick;
    }
  }
  return out;
}

/** A short digest of what a plan shows: it goes into the ETags of the documents it shapes. */
export function planTag(plan: Plan): string {
  return shortDigest(JSON.stringify([[...plan.hidden].sort(), plan.distTags]));
}
