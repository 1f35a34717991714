// GET /-/npm/v1/attestations/<name>@<version>: a version's provenance, where the documents point
// `dist.attestations.url`. A local version's as published with `--provenance`; a mirrored one's fetched
// from its upstream on first request and kept.
import type { RequestContext } from '../http/context';
import { jsonError } from '../http/errors';
import { lookupLocal } from '../local/store';
import { MirrorSource } from '../mirror/mirror-source';
import { NameError, checkName, inScopes } from '../packages/names';
import { readAttestations } from '../tarballs/attestations-store';
import { MAX_SPEC_LENGTH, utf8Length } from '../limits';

const PREFIX = '/-/npm/v1/attestations/';

export async function serveAttestations(ctx: RequestContext): Promise<Response> {
  const { name, version } = parseSpec(ctx.url.pathname.slice(PREFIX.length), ctx.cfg.legacyNames);
  const missing = () => jsonError(404, `no provenance for ${name}@${version}`);
  const local = await lookupLocal(ctx.env.DB, name, false);
  if (local || inScopes(name, ctx.cfg.localScopes)) {
    const kept = local && !local.unpublished ? await readAttestations(ctx.env.TARBALLS, name, version) : undefined;
    return kept === undefined ? missing() : answer(kept);
  }
  const r = await new MirrorSource(ctx).attestations(name, version);
  if (r === undefined) return missing();
  if (typeof r !== 'string') return jsonError(r.status, r.message);
  return answer(r);
}

function answer(json: string): Response {
  return new Response(json, {
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  });
}

/** `<name>@<version>`, still percent-encoded (`@scope%2fname@1.0.0` or `@scope/name@1.0.0`). */
function parseSpec(raw: string, legacyNames: boolean): { name: string; version: string } {
  let spec: string;
  try {
    spec = decodeURIComponent(raw);
  } catch {
    throw new NameError('invalid percent-encoding in path');
  }
  const at = spec.lastIndexOf('@');
  if (at <= 0) throw new NameError('expected <name>@<version>');
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  checkName(name, legacyNames);
  if (version === '' || utf8Length(version) > MAX_SPEC_LENGTH) throw new NameError('invalid version');
  return { name, version };
}
