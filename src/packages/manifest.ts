// Picking one version of a package from a version spec: exact version, dist-tag or semver range.
import semver from 'semver';

/** The version `spec` names among `versions`, or undefined. A range gives its highest satisfying version. */
export function pickVersion(spec: string, versions: string[], distTags: Record<string, string>): string | undefined {
  if (versions.includes(spec)) return spec;
  const tagged = Object.hasOwn(distTags, spec) ? distTags[spec] : undefined;
  if (tagged !== undefined) return versions.includes(tagged) ? tagged : undefined;
  const range = semver.validRange(spec, { loose: true });
  if (range === null) return undefined;
  return semver.maxSatisfying(versions, range, { loose: true }) ?? undefined;
}
