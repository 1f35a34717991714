// Versions and packages the upstream deleted: no longer served here (tarballs included) unless
// KEEP_DELETED; a failure is never a deletion, and a package's 404 counts only when seen twice,
// at least NOT_FOUND_TTL apart.
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import {
  ageEntry,
  deleteUpstreamDoc,
  fetchWorker,
  putUpstreamDoc,
  putUpstreamPackage,
  readMeta,
  setFault,
  settle,
  uniqueName,
  waitForMeta,
} from './helpers';

const MIN = 60_000;

/** A request that finds the copy stale (so it revalidates in the background), and that work done. */
async function revalidate(name: string, vars?: Record<string, string>): Promise<Response> {
  await ageEntry(name, 6 * MIN);
  const r = await fetchWorker(`/${name}`, {}, vars);
  await r.arrayBuffer();
  await settle();
  return r;
}

describe('versions the upstream deleted', () => {
  it.each([
    ['gone, tarball included', undefined, 404],
    ['still served with KEEP_DELETED', { KEEP_DELETED: 'true' }, 200],
  ])('a version removed upstream: %s', async (_what, vars, tarballStatus) => {
    const name = uniqueName('del-v');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    await (await fetchWorker(`/${name}`, {}, vars)).arrayBuffer();
    const path = `/${name}/-/${name}-1.0.0.tgz`;
    expect((await fetchWorker(path, {}, vars)).status).toBe(200);
    await settle();
    await waitForMeta(name);
    await vi.waitFor(async () => expect(await env.TARBALLS.head(`tarballs/${name}/${name}-1.0.0.tgz`)).not.toBeNull());

    delete doc.versions['1.0.0'];
    delete doc.time['1.0.0'];
    await putUpstreamDoc(name, doc);
    await revalidate(name, vars);
    await vi.waitFor(async () => {
      const now = await (await fetchWorker(`/${name}`, {}, vars)).json<any>();
      expect(Object.keys(now.versions)).toEqual(['1.1.0']);
    });
    const t = await fetchWorker(path, {}, vars);
    expect(t.status).toBe(tarballStatus);
    await t.arrayBuffer();
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, vars)).status).toBe(200);
  });
});

describe('packages the upstream deleted', () => {
  it('keeps serving after one 404, and deletes after a second one NOT_FOUND_TTL later', async () => {
    const name = uniqueName('del-p');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await fetchWorker(`/${name}`)).arrayBuffer();
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`)).status).toBe(200);
    await settle();
    await waitForMeta(name);
    await deleteUpstreamDoc(name);

    expect((await revalidate(name)).status).toBe(200); // the stale copy answers; the refresh sees a 404
    const first = await waitForMeta(name, (m) => m.goneSince !== undefined);
    expect(first.status).toBe(200);
    const again = await fetchWorker(`/${name}`);
    expect(again.status).toBe(200); // one 404 is not a deletion
    await again.arrayBuffer();

    // Seen again, a while later: gone, tarball included.
    expect((await revalidate(name)).status).toBe(200);
    await waitForMeta(name, (m) => m.status === 404);
    const gone = await fetchWorker(`/${name}`);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`)).status).toBe(404);
    expect(await env.TARBALLS.head(`tarballs/${name}/${name}-1.0.0.tgz`)).toBeNull();
  });

  it('changes nothing when the upstream fails (5xx) instead', async () => {
    const name = uniqueName('del-f');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await fetchWorker(`/${name}`)).arrayBuffer();
    await settle();
    await waitForMeta(name);
    await setFault(name, '500');
    for (let i = 0; i < 2; i++) expect((await revalidate(name)).status).toBe(200);
    const meta = await readMeta(name);
    expect(meta?.status).toBe(200);
    expect(meta?.goneSince).toBeUndefined();
    await setFault(name, 'none');
  });
});
