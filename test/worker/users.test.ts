import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import { bearer } from './codec';
import { fetchWorker, uniqueName } from './helpers';

const json = (body: unknown, token?: string) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
});

async function adduser(name: string, password: string, extra: object = {}, vars?: Partial<Env>) {
  return fetchWorker(
    `/-/user/org.couchdb.user:${encodeURIComponent(name)}`,
    {
      method: 'PUT',
      ...json({
        _id: `org.couchdb.user:${name}`,
        name,
        password,
        email: `${name}@example.test`,
        type: 'user',
        roles: [],
        date: new Date().toISOString(),
        ...extra,
      }),
    },
    vars,
  );
}

describe('accounts', () => {
  it('signs up, logs in, and answers whoami', async () => {
    const name = uniqueName('user');
    const r = await adduser(name, 'pw-1');
    expect(r.status).toBe(201);
    const body = await r.json<any>();
    expect(body).toEqual({
      ok: true,
      id: `org.couchdb.user:${name}`,
      rev: expect.any(String),
      token: expect.stringMatching(/^npm_[A-Za-z0-9_-]{43}$/),
    });
    const who = await fetchWorker('/-/whoami', { headers: bearer(body.token) });
    expect(await who.json()).toEqual({ username: name });

    // stored: a PBKDF2 hash with a salt, and only the token's SHA-256
    const row = await env.DB.prepare('SELECT salt, password_hash, iterations FROM users WHERE name = ?')
      .bind(name)
      .first<any>();
    expect(row.iterations).toBe(100_000);
    expect(row.password_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.password_hash).not.toContain('pw-1');
    const tokens = await env.DB.prepare('SELECT token_hash FROM tokens WHERE user_name = ?').bind(name).all<any>();
    expect(tokens.results.map((t) => t.token_hash)).not.toContain(body.token);

    const again = await adduser(name, 'pw-1');
    expect(again.status).toBe(201);
    const second = (await again.json<any>()).token;
    expect(second).not.toBe(body.token);
    const wrong = await adduser(name, 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: expect.stringContaining('invalid user name or password') });
  });

  it.each([
    [{ password: '' }, 400],
    [{ password: 5 }, 400],
    [{ name: 'someone-else' }, 400],
  ])('refuses a bad adduser body %o', async (extra, status) => {
    const r = await adduser(uniqueName('bad'), 'pw', extra);
    expect(r.status).toBe(status);
  });

  it('refuses bad JSON and bad names', async () => {
    const r = await fetchWorker('/-/user/org.couchdb.user:x', { method: 'PUT', body: '{nope' });
    expect(r.status).toBe(400);
    expect((await adduser('.dot', 'pw')).status).toBe(400);
  });

  it('needs a token for whoami and token routes', async () => {
    for (const [path, method] of [
      ['/-/whoami', 'GET'],
      ['/-/npm/v1/tokens', 'GET'],
      ['/-/npm/v1/tokens', 'POST'],
      ['/-/npm/v1/tokens/token/abc', 'DELETE'],
    ]) {
      const r = await fetchWorker(path, { method, headers: bearer('npm_not-a-token') });
      expect([path, method, r.status]).toEqual([path, method, 401]);
    }
  });

  it('lists, creates (read-only too), revokes tokens, and logs out', async () => {
    const name = uniqueName('tok');
    const token = (await (await adduser(name, 'secret')).json<any>()).token;
    const badPassword = await fetchWorker('/-/npm/v1/tokens', { method: 'POST', ...json({ password: 'bad' }, token) });
    expect(badPassword.status).toBe(401);
    expect(await badPassword.json()).toEqual({ error: 'invalid password' });
    const created = await fetchWorker('/-/npm/v1/tokens', {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'secret', readonly: true }),
    });
    expect(created.status).toBe(201);
    const ro = await created.json<any>();
    expect(ro).toMatchObject({ readonly: true, key: expect.any(String), token: expect.stringMatching(/^npm_/) });
    const list = await (await fetchWorker('/-/npm/v1/tokens', { headers: bearer(token) })).json<any>();
    expect(list.total).toBe(2);
    expect(list.objects.map((o: any) => o.readonly).sort()).toEqual([false, true]);
    for (const o of list.objects) expect(o.token.length).toBe(8); // prefixes only

    // a read-only token can read but not write
    expect(await (await fetchWorker('/-/whoami', { headers: bearer(ro.token) })).json()).toEqual({ username: name });
    expect(
      (await fetchWorker(`/-/npm/v1/tokens/token/${ro.key}`, { method: 'DELETE', headers: bearer(ro.token) })).status,
    ).toBe(403);

    expect(
      (await fetchWorker(`/-/npm/v1/tokens/token/${ro.key.slice(0, 8)}`, { method: 'DELETE', headers: bearer(token) }))
        .status,
    ).toBe(204);
    expect((await fetchWorker('/-/whoami', { headers: bearer(ro.token) })).status).toBe(401);
    expect(
      (await fetchWorker('/-/npm/v1/tokens/token/does-not-exist', { method: 'DELETE', headers: bearer(token) })).status,
    ).toBe(404);

    // logout revokes the token presented
    expect((await fetchWorker(`/-/user/token/${token}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(
      200,
    );
    expect((await fetchWorker('/-/whoami', { headers: bearer(token) })).status).toBe(401);
  });

  it('limits a token made with cidr_whitelist to those addresses, for reads of the account and writes', async () => {
    const name = uniqueName('cidr');
    const token = (await (await adduser(name, 'secret')).json<any>()).token;
    const create = (cidr: unknown) =>
      fetchWorker('/-/npm/v1/tokens', { method: 'POST', ...json({ password: 'secret', cidr_whitelist: cidr }, token) });
    for (const bad of [['10.0.0.0/33'], ['not an address'], '10.0.0.0/8', [8]]) {
      const r = await create(bad);
      expect(r.status).toBe(400);
      expect((await r.json<any>()).error).toContain('cidr_whitelist');
    }
    const made = await create(['10.0.0.0/8', ' 2001:db8::/32']);
    expect(made.status).toBe(201);
    const limited = await made.json<any>();
    expect(limited.cidr_whitelist).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    const from = (ip?: string) => ({
      headers: { ...bearer(limited.token), ...(ip ? { 'cf-connecting-ip': ip } : {}) },
    });
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1']) {
      expect(await (await fetchWorker('/-/whoami', from(ip))).json()).toEqual({ username: name });
    }
    for (const ip of ['192.0.2.1', '2001:db9::1', undefined]) {
      const r = await fetchWorker('/-/whoami', from(ip));
      expect(r.status).toBe(403);
      expect((await r.json<any>()).error).toContain('10.0.0.0/8, 2001:db8::/32');
    }
    // a write from outside is refused before anything else is looked at
    const w = await fetchWorker(`/${uniqueName('cidr-pkg')}`, {
      method: 'PUT',
      ...json({ name: 'x' }),
      headers: { ...from('192.0.2.1').headers, 'content-type': 'application/json' },
    });
    expect(w.status).toBe(403);
    expect((await w.json<any>()).error).toContain('cannot be used from 192.0.2.1');
    // an empty list is no limit, also as tokens made before stored it ('[]')
    const open = await (await create([])).json<any>();
    expect(open.cidr_whitelist).toBeNull();
    expect(
      (await fetchWorker('/-/whoami', { headers: { ...bearer(open.token), 'cf-connecting-ip': '192.0.2.1' } })).status,
    ).toBe(200);
    await env.DB.prepare("UPDATE tokens SET cidr_whitelist = '[]' WHERE key = ?").bind(open.key).run();
    expect(
      (await fetchWorker('/-/whoami', { headers: { ...bearer(open.token), 'cf-connecting-ip': '192.0.2.1' } })).status,
    ).toBe(200);
    // a stored list that is not JSON refuses rather than fails
    await env.DB.prepare("UPDATE tokens SET cidr_whitelist = 'not json' WHERE key = ?").bind(open.key).run();
    expect(
      (await fetchWorker('/-/whoami', { headers: { ...bearer(open.token), 'cf-connecting-ip': '10.0.0.1' } })).status,
    ).toBe(403);
  });

  it('allows ten password checks per account and minute, then answers 429 (login and token create)', async () => {
    const name = uniqueName('guessed');
    const token = (await (await adduser(name, 'right')).json<any>()).token; // the first check
    const other = uniqueName('bystander');
    expect((await adduser(other, 'pw')).status).toBe(201);
    for (let i = 0; i < 8; i++) expect((await adduser(name, `wrong-${i}`)).status).toBe(401);
    expect(
      (await fetchWorker('/-/npm/v1/tokens', { method: 'POST', ...json({ password: 'wrong' }, token) })).status,
    ).toBe(401);
    // the eleventh check is refused before the password is looked at, even a right one
    for (const attempt of [
      () => adduser(name, 'right'),
      () => fetchWorker('/-/npm/v1/tokens', { method: 'POST', ...json({ password: 'right' }, token) }),
    ]) {
      const r = await attempt();
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('60');
      expect((await r.json<any>()).error).toContain('too many password attempts');
    }
    // the token still works, and other accounts are not affected
    expect((await fetchWorker('/-/whoami', { headers: bearer(token) })).status).toBe(200);
    expect((await adduser(other, 'pw')).status).toBe(201);
  });

  it('with sign-up off, only the admin command creates users', async () => {
    const closed = { ALLOW_SIGNUP: 'false', ADMIN_TOKEN: 'adm' };
    const name = uniqueName('closed');
    const r = await adduser(name, 'pw', {}, closed);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ error: expect.stringContaining('sign-up is off') });
    const createUser = (token: string) =>
      fetchWorker('/-/admin/users', { method: 'POST', ...json({ name, password: 'pw' }, token) }, closed);
    expect((await createUser('x')).status).toBe(401);
    const made = await createUser('adm');
    expect(made.status).toBe(201);
    const { token } = await made.json<any>();
    expect(await (await fetchWorker('/-/whoami', { headers: bearer(token) })).json()).toEqual({ username: name });
    expect((await adduser(name, 'pw', {}, closed)).status).toBe(201); // an existing user still logs in
    expect((await createUser('adm')).status).toBe(409);
  });
});
