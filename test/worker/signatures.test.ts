// Registry keys and signatures: the upstream's keys passed through (kept, served stale while it is down)
// next to this registry's own, which signs every version published here; verified with WebCrypto.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/codec';
import { rawSignature, signedMessage } from '../../src/signing/registry-key';
import { fetchWorker, setFault, settle, uniqueName, upstream } from './helpers';
import { publish, signup } from './local-helpers';

interface Key {
  keyid: string;
  key: string;
  keytype: string;
  scheme: string;
  expires: null;
}

async function keys(): Promise<Key[]> {
  const r = await fetchWorker('/-/npm/v1/keys');
  expect(r.status).toBe(200);
  return (await r.json<{ keys: Key[] }>()).keys;
}

describe('GET /-/npm/v1/keys', () => {
  it('answers the upstream’s keys and this registry’s own, and the upstream’s while it is down', async () => {
    const upstreamKeys = (await (await fetch(`${upstream}-/npm/v1/keys`)).json<{ keys: Key[] }>()).keys;
    const first = await keys();
    expect(first[0]).toEqual(upstreamKeys[0]);
    expect(first).toHaveLength(2);
    expect(first[1]).toMatchObject({ keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', expires: null });
    expect(first[1].keyid).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await settle();
    // Stale and the upstream down: the kept keys still answer.
    const kept = await env.METADATA.get<{ keys: unknown[]; fetchedAt: number }>('keys:upstream', 'json');
    expect(kept?.keys).toEqual(upstreamKeys);
    await env.METADATA.put('keys:upstream', JSON.stringify({ ...kept, fetchedAt: kept!.fetchedAt - 600_000 }));
    await setFault('-keys', 'down');
    try {
      expect(await keys()).toEqual(first);
    } finally {
      await setFault('-keys', 'none');
    }
  });
});

describe('registry signatures of local packages', () => {
  it('signs name@version:integrity with the key the keys answer lists', async () => {
    const user = uniqueName('sig-user');
    const token = await signup(user);
    const name = uniqueName('sig-pkg');
    expect((await publish(name, '1.2.3', token)).status).toBe(201);
    const doc = await (await fetchWorker(`/${name}`)).json<any>();
    const dist = doc.versions['1.2.3'].dist;
    expect(dist.signatures).toHaveLength(1);
    const own = (await keys()).find((k) => k.keyid === dist.signatures[0].keyid)!;
    expect(own).toBeDefined();
    const pub = await crypto.subtle.importKey(
      'spki',
      fromBase64(own.key),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const verify = (message: string) =>
      crypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        pub,
        rawSignature(fromBase64(dist.signatures[0].sig)),
        new TextEncoder().encode(message),
      );
    expect(await verify(signedMessage(name, '1.2.3', dist.integrity))).toBe(true);
    expect(await verify(signedMessage(name, '1.2.4', dist.integrity))).toBe(false);
    // the abbreviated document carries them too (npm audit signatures reads either)
    const abbr = await (
      await fetchWorker(`/${name}`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })
    ).json<any>();
    expect(abbr.versions['1.2.3'].dist.signatures).toEqual(dist.signatures);
  });
});
