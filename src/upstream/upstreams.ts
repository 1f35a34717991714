// Which registry a name comes from: UPSTREAMS maps scopes to registries (`@acme=https://npm.acme.example/`),
// every other name goes to UPSTREAM_URL. Each may have a credential (the UPSTREAM_TOKENS secret, JSON
// scope → token; `*` for UPSTREAM_URL), sent only to that registry's own origin. Pure: parsing and choice.

export interface Upstream {
  /** `@acme`, or `*` for UPSTREAM_URL */
  scope: string;
  url: URL;
  token?: string;
}

export class UpstreamsError extends Error {}

/** Parses UPSTREAMS and UPSTREAM_TOKENS next to the default upstream; throws UpstreamsError. */
export function parseUpstreams(
  defaultUrl: URL,
  upstreams: string | undefined,
  tokens: string | undefined,
): { byScope: Map<string, Upstream>; fallback: Upstream } {
  const secrets = parseTokens(tokens);
  const byScope = new Map<string, Upstream>();
  for (const entry of (upstreams ?? '').split(',')) {
    const text = entry.trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    const scope = eq > 0 ? text.slice(0, eq).trim() : '';
    if (!/^@[a-z0-9][a-z0-9._~-]*$/.test(scope))
      throw new UpstreamsError(`UPSTREAMS: ${JSON.stringify(text)} is not @scope=https://registry.example/`);
    if (byScope.has(scope)) throw new UpstreamsError(`UPSTREAMS names ${scope} twice`);
    byScope.set(scope, {
      scope,
      url: registryUrl(text.slice(eq + 1).trim(), `UPSTREAMS (${scope})`),
      token: secrets.get(scope),
    });
  }
  for (const scope of secrets.keys())
    if (scope !== '*' && !byScope.has(scope))
      throw new UpstreamsError(`UPSTREAM_TOKENS names ${scope}, which UPSTREAMS does not`);
  return { byScope, fallback: { scope: '*', url: defaultUrl, token: secrets.get('*') } };
}

/** The upstream `name` comes from. */
export function upstreamFor(u: { byScope: Map<string, Upstream>; fallback: Upstream }, name: string): Upstream {
  const slash = name.indexOf('/');
  return (name.startsWith('@') && slash > 0 && u.byScope.get(name.slice(0, slash))) || u.fallback;
}

/** The Authorization header for `url` from `up`: only for its own origin (a CDN host gets none). */
export function credentialFor(up: Upstream, url: URL | string): Record<string, string> {
  if (!up.token) return {};
  const target = typeof url === 'string' ? new URL(url) : url;
  return target.origin === up.url.origin ? { authorization: `Bearer ${up.token}` } : {};
}

/** An absolute http(s) URL ending in `/`. */
export function registryUrl(text: string | undefined, what: string): URL {
  let url: URL;
  try {
    url = new URL(text ?? '');
  } catch {
    throw new UpstreamsError(`${what} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UpstreamsError(`${what} must be an absolute http(s) URL`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function parseTokens(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!text) return out;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UpstreamsError('UPSTREAM_TOKENS must be a JSON object of scope → token');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new UpstreamsError('UPSTREAM_TOKENS must be a JSON object of scope → token');
  for (const [scope, token] of Object.entries(v)) {
    // The message never carries a token.
    if (typeof token !== 'string' || token === '')
      throw new UpstreamsError(`UPSTREAM_TOKENS: the token of ${scope} must be a string`);
    out.set(scope, token);
  }
  return out;
}
