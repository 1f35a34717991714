// READ_ACCESS=users: a private registry, for mirrored and local packages alike.
import { describe, expect, it } from 'vitest';
import { fetchWorker, putUpstreamPackage, uniqueName } from './helpers';
import { bearer, publishBody, send } from './local-helpers';

const PRIVATE = { READ_ACCESS: 'users' };
const as = (token?: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as object), ...(token ? bearer(token) : {}) },
});
const read = (path: string, token?: string, init: RequestInit = {}) => fetchWorker(path, as(token, init), PRIVATE);

async function signupPrivately(name: string): Promise<string> {
  const r = await read(
    `/-/user/org.couchdb.user:${name}`,
    undefined,
    send('PUT', { name, password: `pw-${name}`, email: `${name}@example.test` }),
  );
  expect(r.status).toBe(201); // logging in needs no token, or nobody could get one
  return (await r.json<{ token: string }>()).token;
}

describe('READ_ACCESS=users', () => {
  it('answers every read without a valid token with 401, and serves users, read-only tokens included', async () => {
    const mirrored = uniqueName('private-up');
    await putUpstreamPackage(mirrored, ['1.0.0']);
    const user = uniqueName('private-user');
    const token = await signupPrivately(user);
    const local = `@local-test/${uniqueName('private')}`;
    const published = await read(
      `/${local.replace('/', '%2f')}`,
      token,
      send('PUT', await publishBody(local, '1.0.0')),
    );
    expect(published.status).toBe(201);
    const created = await read('/-/npm/v1/tokens', token, send('POST', { password: `pw-${user}`, readonly: true }));
    const readonly = (await created.json<{ token: string }>()).token;

    const paths = [
      `/${mirrored}`,
      `/${mirrored}/1.0.0`,
      `/${mirrored}/-/${mirrored}-1.0.0.tgz`,
      `/${local.replace('/', '%2f')}`,
      `/${local}/-/${local.split('/')[1]}-1.0.0.tgz`,
      `/-/package/${local.replace('/', '%2f')}/dist-tags`,
      `/-/v1/search?text=${local}`,
      '/downloads/point/last-week',
      '/-/whoami',
    ];
    for (const path of paths) {
      const anonymous = await read(path);
      expect([path, anonymous.status, await anonymous.json()]).toEqual([
        path,
        401,
        { error: expect.stringContaining('authentication required') },
      ]);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      const stranger = await read(path, 'npm_not-a-token-of-this-registry');
      expect([path, stranger.status]).toEqual([path, 401]);
      await stranger.arrayBuffer();
      for (const t of [token, readonly]) {
        const r = await read(path, t);
        expect([path, r.status]).toEqual([path, 200]);
        // shared caches must not keep what only users may see
        expect(r.headers.get('cache-control') ?? '').not.toContain('public');
        await r.arrayBuffer();
      }
    }
    const tarball = await read(`/${mirrored}/-/${mirrored}-1.0.0.tgz`, token);
    expect(tarball.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    const doc = await read(`/${mirrored}`, token);
    expect(doc.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    // the ping stays open for health checks
    expect((await read('/-/ping')).status).toBe(200);
  });

  it('leaves a public registry public', async () => {
    const name = uniqueName('public-up');
    await putUpstreamPackage(name, ['1.0.0']);
    const r = await fetchWorker(`/${name}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
  });
});
