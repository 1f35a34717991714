// Provenance through the mirror: `dist.attestations.url` points here, the bundle is fetched from the
// upstream on first request and kept in R2 (so it verifies with the upstream down); local versions
// published with `--provenance` serve their bundle at the same path.
import { describe, expect, it } from 'vitest';
import { publishBody, send, signup } from './local-helpers';
import {
  CORGI,
  ORIGIN,
  corgi,
  fetchWorker,
  putUpstreamDoc,
  putUpstreamPackage,
  setFault,
  settle,
  uniqueName,
  upstream,
  waitForMeta,
} from './helpers';

const SLSA = 'https://slsa.dev/provenance/v1';

describe('attestations of mirrored versions', () => {
  it('point here, come from the upstream once, and answer with the upstream down', async () => {
    const name = uniqueName('att');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    doc.versions['1.1.0'].dist.attestations = {
      url: `${upstream}-/npm/v1/attestations/${name}@1.1.0`,
      provenance: { predicateType: SLSA },
    };
    await putUpstreamDoc(name, doc);
    const ours = `${ORIGIN}/-/npm/v1/attestations/${name}@1.1.0`;
    const full = await (await fetchWorker(`/${name}`)).json<any>();
    expect(full.versions['1.1.0'].dist.attestations).toEqual({ url: ours, provenance: { predicateType: SLSA } });
    expect(full.versions['1.0.0'].dist.attestations).toBeUndefined();
    const abbr = await corgi(`/${name}`);
    expect(abbr.headers.get('content-type')).toBe(CORGI);
    expect((await abbr.json<any>()).versions['1.1.0'].dist.attestations.url).toBe(ours);
    await settle();
    await waitForMeta(name);

    const r = await fetchWorker(new URL(ours).pathname);
    expect(r.status).toBe(200);
    const want = { attestations: [{ predicateType: SLSA, bundle: { stands_in_for: `${name}@1.1.0` } }] };
    expect(await r.json()).toEqual(want);
    await settle();
    await setFault(name, 'down');
    const kept = await fetchWorker(new URL(ours).pathname);
    expect(kept.status).toBe(200);
    expect(await kept.json()).toEqual(want);
    await setFault(name, 'none');
    expect((await fetchWorker(`/-/npm/v1/attestations/${name}@1.0.0`)).status).toBe(404);
  });

  it.each([
    ['/-/npm/v1/attestations/no-version', 400],
    ['/-/npm/v1/attestations/bad%zz@1.0.0', 400],
    ['/-/npm/v1/attestations/UPPER@1.0.0', 400],
    ['/-/npm/v1/attestations/never-heard-of-it-xyz@1.0.0', 404],
  ])('%s → %i', async (path, status) => {
    const r = await fetchWorker(path);
    expect(r.status).toBe(status);
    expect(await r.json()).toEqual({ error: expect.any(String) });
  });
});

describe('attestations of local versions', () => {
  it('keeps the bundle npm publish --provenance sent and serves it where dist.attestations points', async () => {
    const token = await signup(uniqueName('att-user'));
    const name = uniqueName('att-local');
    const body = await publishBody(name, '1.0.0');
    const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: { payload: 'x' } };
    const data = JSON.stringify(bundle);
    body._attachments[`${name}-1.0.0.sigstore`] = { content_type: bundle.mediaType, data, length: data.length };
    expect((await fetchWorker(`/${name}`, send('PUT', body, token))).status).toBe(201);
    const doc = await (await fetchWorker(`/${name}`)).json<any>();
    const { url } = doc.versions['1.0.0'].dist.attestations;
    expect(url).toBe(`${ORIGIN}/-/npm/v1/attestations/${name}@1.0.0`);
    const r = await fetchWorker(new URL(url).pathname);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ attestations: [{ predicateType: SLSA, bundle }] });
    expect((await fetchWorker(`/-/npm/v1/attestations/${name}@2.0.0`)).status).toBe(404);
  });
});
