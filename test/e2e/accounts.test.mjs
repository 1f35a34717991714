// Accounts with the real npm CLI against npm start: the couch PUT, an .npmrc with the token, then
// npm whoami, npm token list / create / revoke and npm logout.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, isolatedEnv, tempDir, useRegistry } from './support.mjs';

const live = useRegistry();

async function npm(home, args) {
  const { stdout } = await exec('npm', [...args, '--registry', live.registry.url], {
    cwd: home,
    env: isolatedEnv(home),
  });
  return stdout.trim();
}

describe('accounts with the npm CLI', () => {
  it('signs up, whoami, manages tokens, logs out', async () => {
    const res = await fetch(new URL('-/user/org.couchdb.user:alice', live.registry.url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        _id: 'org.couchdb.user:alice',
        name: 'alice',
        password: 'correct horse',
        email: 'a@example.test',
        type: 'user',
        roles: [],
        date: new Date().toISOString(),
      }),
    });
    expect(res.status).toBe(201);
    const { token } = await res.json();
    const home = tempDir('alice');
    const host = new URL(live.registry.url).host;
    writeFileSync(join(home, '.npmrc'), `//${host}/:_authToken=${token}\n`);

    expect(await npm(home, ['whoami'])).toBe('alice');
    const list = JSON.parse(await npm(home, ['token', 'list', '--json']));
    expect(list).toHaveLength(1);
    expect(list[0].readonly).toBe(false);

    // npm token create asks for the password on a prompt; the API call it makes is the same POST
    const created = await fetch(new URL('-/npm/v1/tokens', live.registry.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'correct horse', readonly: true }),
    });
    const ro = await created.json();
    expect(JSON.parse(await npm(home, ['token', 'list', '--json']))).toHaveLength(2);
    await npm(home, ['token', 'revoke', ro.key]);
    expect(JSON.parse(await npm(home, ['token', 'list', '--json']))).toHaveLength(1);

    // a token limited by CIDR works from loopback when loopback is allowed, and not otherwise
    const limited = async (cidr) => {
      const r = await fetch(new URL('-/npm/v1/tokens', live.registry.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'correct horse', cidr_whitelist: cidr }),
      });
      expect(r.status).toBe(201);
      const home = tempDir('alice-cidr');
      writeFileSync(join(home, '.npmrc'), `//${host}/:_authToken=${(await r.json()).token}\n`);
      return home;
    };
    expect(await npm(await limited(['127.0.0.0/8', '::1/128']), ['whoami'])).toBe('alice');
    await expect(npm(await limited(['192.0.2.0/24']), ['whoami'])).rejects.toThrow(/E403/);

    await npm(home, ['logout']);
    await expect(npm(home, ['whoami'])).rejects.toThrow(/E401|ENEEDAUTH|401/);
    const r = await fetch(new URL('-/whoami', live.registry.url), { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
  });
});
