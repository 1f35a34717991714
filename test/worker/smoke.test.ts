import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('smoke', () => {
  it('pings', async () => {
    const r = await SELF.fetch('http://reg.test/-/ping');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
  });
  it('serves abbrev abbreviated', async () => {
    const r = await SELF.fetch('http://reg.test/abbrev', { headers: { accept: 'application/vnd.npm.install-v1+json' } });
    expect(r.status).toBe(200);
    const d = await r.json<any>();
    expect(d.versions['1.1.1'].dist.tarball).toBe('http://reg.test/abbrev/-/abbrev-1.1.1.tgz');
    const t = await SELF.fetch('http://reg.test/abbrev/-/abbrev-1.1.1.tgz');
    expect(t.status).toBe(200);
    expect((await t.arrayBuffer()).byteLength).toBe(2301);
  });
});
