import { describe, expect, it } from 'vitest';
import { pickVersion } from '../../src/packages/manifest';

const versions = ['1.0.0', '1.2.0', '1.10.0', '2.0.0-beta.1', '2.0.0', '3.0.0-rc.1'];
const tags = { latest: '1.10.0', next: '3.0.0-rc.1', broken: '9.9.9' };

describe('pickVersion', () => {
  it.each([
    ['1.2.0', '1.2.0'],
    ['latest', '1.10.0'],
    ['next', '3.0.0-rc.1'],
    ['^1.0.0', '1.10.0'],
    ['~1.2', '1.2.0'],
    ['*', '2.0.0'],
    // prereleases only match ranges that name their own major.minor.patch
    ['>=2.0.0-beta.0', '2.0.0'],
    ['>=2.0.0-beta.0 <2.0.0', '2.0.0-beta.1'],
    ['1', '1.10.0'],
    ['1.x', '1.10.0'],
    ['^4.0.0', undefined],
    ['9.9.9', undefined],
    ['broken', undefined],
    ['no such tag', undefined],
    ['constructor', undefined],
  ])('%s → %s', (spec, want) => {
    expect(pickVersion(spec, versions, tags)).toBe(want);
  });
});
