// Users and publish bodies shaped exactly as the npm CLI sends them.
import { b64, bearer, digests } from './codec';
import { fetchWorker } from './helpers';

export { b64, bearer, digests };

export function send(method: string, body: unknown, token?: string): RequestInit {
  return {
    method,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
  };
}

/** Signs a user up and returns a write token. */
export async function signup(name: string): Promise<string> {
  const r = await fetchWorker(
    `/-/user/org.couchdb.user:${encodeURIComponent(name)}`,
    send('PUT', {
      _id: `org.couchdb.user:${name}`,
      name,
      password: `pw-${name}`,
      email: `${name}@example.test`,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  );
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

export interface BodyOptions {
  tag?: string;
  bytes?: Uint8Array;
  manifest?: Record<string, unknown>;
}

/** npm's publish body: one version, its tag, and the tarball as a base64 attachment. */
export async function publishBody(name: string, version: string, o: BodyOptions = {}): Promise<Record<string, any>> {
  const bytes = o.bytes ?? new TextEncoder().encode(`pretend tarball of ${name}@${version} `.repeat(20));
  const d = await digests(bytes);
  const tag = o.tag ?? 'latest';
  const file = `${name}-${version}.tgz`;
  return {
    _id: name,
    name,
    description: `the ${name} package`,
    'dist-tags': { [tag]: version },
    versions: {
      [version]: {
        name,
        version,
        description: `the ${name} package`,
        main: 'index.js',
        readme: `# ${name} ${version}`,
        readmeFilename: 'README.md',
        keywords: ['local', 'test'],
        dependencies: {},
        _id: `${name}@${version}`,
        _nodeVersion: '20.0.0',
        _npmVersion: '11.0.0',
        dist: { ...d, tarball: `http://reg.test/${name}/-/${file}` },
        ...o.manifest,
      },
    },
    access: 'public',
    _attachments: { [file]: { content_type: 'application/octet-stream', data: b64(bytes), length: bytes.length } },
  };
}

export async function publish(name: string, version: string, token: string, o: BodyOptions = {}): Promise<Response> {
  return fetchWorker(`/${name.replace('/', '%2f')}`, send('PUT', await publishBody(name, version, o), token));
}

/** The document as npm reads it before a write. */
export async function readForWrite(name: string): Promise<Record<string, any>> {
  const r = await fetchWorker(`/${name.replace('/', '%2f')}?write=true`);
  if (r.status !== 200) throw new Error(`read ${name}: ${r.status}`);
  return r.json();
}
