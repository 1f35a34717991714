// Pure edits of local documents: what each npm write does to the stored packument.
import { describe, expect, it } from 'vitest';
import { refusalStatus } from '../../src/http/errors';
import { Refusal } from '../../src/refusal';
import {
  addVersion,
  applyDeprecations,
  applyRevision,
  removeDistTag,
  setDistTag,
  unpublishAll,
  type Packument,
} from '../../src/local/packument';

const alice = { name: 'alice', email: 'a@example.test' };
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-02-01T00:00:00.000Z';

function manifest(version: string, extra: object = {}) {
  return {
    name: 'p',
    version,
    description: `p ${version}`,
    readme: `# p ${version}`,
    dist: { tarball: `http://r.test/p/-/p-${version}.tgz` },
    ...extra,
  };
}

function withVersions(...versions: string[]): Packument {
  let doc: Packument | null = null;
  for (const v of versions) doc = addVersion(doc, { version: v, manifest: manifest(v), tags: ['latest'] }, alice, T1);
  return doc!;
}

function refusal(f: () => unknown): { status: number; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof Refusal) return { status: refusalStatus(e.kind), message: e.message };
    throw e;
  }
  throw new Error('not refused');
}

describe('addVersion', () => {
  it('creates the document: latest, owner, time, hoisted readme', () => {
    const d = addVersion(null, { version: '1.0.0', manifest: manifest('1.0.0'), tags: ['beta'] }, alice, T1);
    expect(d['dist-tags']).toEqual({ beta: '1.0.0', latest: '1.0.0' });
    expect(d.maintainers).toEqual([alice]);
    expect(d.time).toEqual({ created: T1, modified: T1, '1.0.0': T1 });
    expect(d.readme).toBe('# p 1.0.0');
    expect(d.versions['1.0.0'].readme).toBeUndefined();
    expect(d.versions['1.0.0']._npmUser).toEqual(alice);
  });

  it('keeps latest and its readme when another tag is published', () => {
    const d = addVersion(
      withVersions('1.0.0'),
      { version: '2.0.0-rc.1', manifest: manifest('2.0.0-rc.1'), tags: ['next'] },
      alice,
      T2,
    );
    expect(d['dist-tags']).toEqual({ latest: '1.0.0', next: '2.0.0-rc.1' });
    expect(d.readme).toBe('# p 1.0.0');
    expect(d.description).toBe('p 1.0.0');
    expect(d.time.created).toBe(T1);
    expect(d.time.modified).toBe(T2);
  });

  it('refuses versions that exist or existed', () => {
    const d = withVersions('1.0.0', '1.0.1');
    expect(
      refusal(() => addVersion(d, { version: '1.0.1', manifest: manifest('1.0.1'), tags: ['latest'] }, alice, T2)),
    ).toEqual({
      status: 403,
      message: 'You cannot publish over the previously published versions: 1.0.1.',
    });
    const { doc } = applyRevision(d, { versions: { '1.0.1': {} } }, T2);
    expect(
      refusal(() => addVersion(doc, { version: '1.0.0', manifest: manifest('1.0.0'), tags: ['latest'] }, alice, T2))
        .status,
    ).toBe(403);
    const gone = unpublishAll(d, T2).doc;
    expect(
      refusal(() => addVersion(gone, { version: '1.0.0', manifest: manifest('1.0.0'), tags: ['latest'] }, alice, T2))
        .status,
    ).toBe(403);
  });
});

describe('applyRevision (unpublish one version, owners)', () => {
  it('removes left-out versions, drops their tags, moves latest to the highest left, keeps time', () => {
    const d = setDistTag(withVersions('1.0.0', '1.1.0', '2.0.0'), 'old', '1.0.0', T1);
    const { doc, removed } = applyRevision(
      d,
      { versions: { '1.0.0': {}, '1.1.0': {} }, 'dist-tags': { old: '1.0.0' } },
      T2,
    );
    expect(removed).toEqual(['2.0.0']);
    expect(Object.keys(doc.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(doc['dist-tags']).toEqual({ old: '1.0.0', latest: '1.1.0' });
    expect(doc.time['2.0.0']).toBe(T1);
    expect(doc.time.modified).toBe(T2);
    expect(doc.description).toBe('p 1.1.0');
  });

  it('refuses adding versions, tags at missing versions, and an empty owner list', () => {
    const d = withVersions('1.0.0');
    expect(refusal(() => applyRevision(d, { versions: { '1.0.0': {}, '9.9.9': {} } }, T2)).status).toBe(400);
    expect(refusal(() => applyRevision(d, { 'dist-tags': { latest: '9.9.9' } }, T2)).status).toBe(400);
    expect(refusal(() => applyRevision(d, { maintainers: [] }, T2)).status).toBe(400);
    expect(refusal(() => applyRevision(d, { maintainers: [{ email: 'x' }] }, T2)).status).toBe(400);
  });

  it('changes maintainers alone when that is all the body has', () => {
    const d = withVersions('1.0.0');
    const { doc, removed } = applyRevision(
      d,
      { _id: 'p', _rev: d._rev, maintainers: [alice, { name: 'bob', email: 'b@example.test' }] },
      T2,
    );
    expect(removed).toEqual([]);
    expect(doc.maintainers.map((m) => m.name)).toEqual(['alice', 'bob']);
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']);
  });

  it('turns into a full unpublish when no version is left', () => {
    const { doc, removed } = applyRevision(withVersions('1.0.0'), { versions: {} }, T2);
    expect(removed).toEqual(['1.0.0']);
    expect(doc.versions).toEqual({});
    expect(doc.time.unpublished).toEqual({ time: T2, versions: ['1.0.0'] });
  });
});

describe('applyDeprecations, dist-tags', () => {
  it('sets and clears deprecated on the versions named; ignores versions the body lacks', () => {
    const d = withVersions('1.0.0', '1.1.0');
    const dep = applyDeprecations(d, { versions: { '1.0.0': { deprecated: 'use 1.1.0' } } }, T2)!;
    expect(dep.versions['1.0.0'].deprecated).toBe('use 1.1.0');
    expect(Object.keys(dep.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(dep.time.modified).toBe(T2);
    expect(applyDeprecations(dep, { versions: { '1.0.0': { deprecated: 'use 1.1.0' } } }, T2)).toBeNull();
    const un = applyDeprecations(dep, { versions: { '1.0.0': { deprecated: '' } } }, T2)!;
    expect(un.versions['1.0.0']).not.toHaveProperty('deprecated');
    // A manifest without the field leaves the deprecation as it is.
    expect(applyDeprecations(dep, { versions: { '1.0.0': { version: '1.0.0' } } }, T2)).toBeNull();
    expect(refusal(() => applyDeprecations(d, { versions: { '1.0.0': { deprecated: 5 } } }, T2)).status).toBe(400);
  });

  it("sets and removes tags with npm's rules", () => {
    const d = withVersions('1.0.0', '1.1.0');
    expect(setDistTag(d, 'beta', '1.0.0', T2)['dist-tags']).toEqual({ latest: '1.1.0', beta: '1.0.0' });
    expect(setDistTag(d, 'latest', '1.0.0', T2).description).toBe('p 1.0.0');
    expect(refusal(() => setDistTag(d, '1.x', '1.0.0', T2)).status).toBe(400);
    expect(refusal(() => setDistTag(d, 'beta', '3.0.0', T2)).status).toBe(404);
    expect(refusal(() => removeDistTag(d, 'latest', T2)).status).toBe(400);
    expect(refusal(() => removeDistTag(d, 'nope', T2)).status).toBe(404);
    expect(removeDistTag(setDistTag(d, 'beta', '1.0.0', T2), 'beta', T2)['dist-tags']).toEqual({ latest: '1.1.0' });
  });
});
