// Block rules (`PUT /-/admin/policy`): validated once, then compiled into lookups by name and scope so a
// hit asks for a name's rules in constant time. Pure: no bindings.
import semver from 'semver';
import { shortDigest } from '../codec';
import { asObject, Refusal } from '../refusal';
import { show } from '../limits';
import { checkName } from '../packages/names';

export interface BlockRule {
  /** a package name, or `@scope/*` for every package of a scope */
  package: string;
  /** a semver range; `*` when the rule was given none */
  versions: string;
  reason: string;
}

export interface Policy {
  block: BlockRule[];
}

/** More rules than an admin can read are a mistake; each is checked against every version of its package. */
export const MAX_RULES = 1000;
const MAX_REASON = 500;
const SCOPE_ALL = /^(@[a-z0-9][a-z0-9._~-]*)\/\*$/;

/** `body` as a policy, or an 'invalid' refusal saying which rule is wrong and why. */
export function parsePolicy(body: unknown): Policy {
  const o = asObject(body, 'the policy');
  for (const k of Object.keys(o))
    if (k !== 'block') throw new Refusal('invalid', `unknown policy field ${show(k)}: only "block" is known`);
  const list = o.block ?? [];
  if (!Array.isArray(list)) throw new Refusal('invalid', 'block must be an array of rules');
  if (list.length > MAX_RULES) throw new Refusal('invalid', `at most ${MAX_RULES} block rules`);
  return { block: list.map((r, i) => parseRule(r, i)) };
}

function parseRule(r: unknown, i: number): BlockRule {
  const o = asObject(r, `block[${i}]`);
  for (const k of Object.keys(o))
    if (k !== 'package' && k !== 'versions' && k !== 'reason')
      throw new Refusal('invalid', `block[${i}]: unknown field ${show(k)}`);
  const { package: pkg, versions = '*', reason } = o;
  if (typeof pkg !== 'string' || !(SCOPE_ALL.test(pkg) || validName(pkg)))
    throw new Refusal('invalid', `block[${i}].package must be a package name or @scope/*, not ${show(pkg)}`);
  if (typeof versions !== 'string' || versions.length > 256 || semver.validRange(versions) === null)
    throw new Refusal('invalid', `block[${i}].versions must be a semver range, not ${show(versions)}`);
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON)
    throw new Refusal('invalid', `block[${i}].reason must be a non-empty string of at most ${MAX_REASON} characters`);
  return { package: pkg, versions, reason };
}

/** Mirrored names may be legacy ones (upper case, long), so those are allowed. */
function validName(name: string): boolean {
  try {
    checkName(name, true);
    return true;
  } catch {
    return false;
  }
}

/** A policy ready for lookups: the rules that concern a name, and a fingerprint of them. */
export class CompiledPolicy {
  private byKey = new Map<string, { rules: BlockRule[]; fingerprint: string }>();

  constructor(readonly policy: Policy) {
    const groups = new Map<string, BlockRule[]>();
    for (const r of policy.block) {
      const key = SCOPE_ALL.exec(r.package)?.[1] ?? r.package;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, rules] of groups) this.byKey.set(key, { rules, fingerprint: fingerprint(rules) });
  }

  /** The rules of `name`: its own and its scope's. */
  rulesFor(name: string): BlockRule[] {
    const own = this.byKey.get(name)?.rules ?? [];
    const scope = name.startsWith('@') ? this.byKey.get(name.slice(0, name.indexOf('/'))) : undefined;
    return scope ? [...own, ...scope.rules] : own;
  }

  /** Changes whenever the rules of `name` change (documents derived under other rules are not current). */
  fingerprintOf(name: string): string {
    const own = this.byKey.get(name)?.fingerprint ?? '';
    const scope = name.startsWith('@') ? (this.byKey.get(name.slice(0, name.indexOf('/')))?.fingerprint ?? '') : '';
    return own || scope ? `${own}/${scope}` : '';
  }

  /** Why `name@version` is blocked, or undefined. */
  blocked(name: string, version: string): string | undefined {
    for (const r of this.rulesFor(name))
      if (semver.satisfies(version, r.versions, { includePrerelease: true, loose: true })) return r.reason;
    return undefined;
  }
}

export const EMPTY_POLICY = new CompiledPolicy({ block: [] });

function fingerprint(rules: BlockRule[]): string {
  const s = JSON.stringify(rules);
  return `${shortDigest(s)}${s.length.toString(36)}`;
}
