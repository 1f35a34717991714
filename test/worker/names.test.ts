import { describe, expect, it } from 'vitest';
import { NameError, checkName, inScopes, parsePackagePath } from '../../src/packages/names';

describe('parsePackagePath', () => {
  it('reads unscoped packuments, manifests and tarballs', () => {
    expect(parsePackagePath('/abbrev')).toEqual({ kind: 'packument', name: 'abbrev' });
    expect(parsePackagePath('/abbrev/')).toEqual({ kind: 'packument', name: 'abbrev' });
    expect(parsePackagePath('/abbrev/1.1.1')).toEqual({ kind: 'manifest', name: 'abbrev', spec: '1.1.1' });
    expect(parsePackagePath('/abbrev/%5E1.0.0')).toEqual({ kind: 'manifest', name: 'abbrev', spec: '^1.0.0' });
    expect(parsePackagePath('/abbrev/-/abbrev-1.1.1.tgz')).toEqual({
      kind: 'tarball',
      name: 'abbrev',
      file: 'abbrev-1.1.1.tgz',
    });
  });

  it('accepts the three scoped encodings', () => {
    for (const p of ['/@s/n', '/@s%2fn', '/@s%2Fn', '/%40s%2fn']) {
      expect(parsePackagePath(p)).toEqual({ kind: 'packument', name: '@s/n' });
    }
    for (const p of ['/@s/n/-/n-1.0.0.tgz', '/@s%2fn/-/n-1.0.0.tgz', '/@s%2Fn/-/n-1.0.0.tgz']) {
      expect(parsePackagePath(p)).toEqual({ kind: 'tarball', name: '@s/n', file: 'n-1.0.0.tgz' });
    }
    expect(parsePackagePath('/@s%2fn/latest')).toEqual({ kind: 'manifest', name: '@s/n', spec: 'latest' });
  });

  it("reads npm's write paths", () => {
    expect(parsePackagePath('/a/-rev/3-abc')).toEqual({ kind: 'revision', name: 'a', rev: '3-abc' });
    expect(parsePackagePath('/@s%2fn/-rev/1-x')).toEqual({ kind: 'revision', name: '@s/n', rev: '1-x' });
    expect(parsePackagePath('/@s/n/-/n-1.0.0.tgz/-rev/2-y')).toEqual({
      kind: 'tarball-revision',
      name: '@s/n',
      file: 'n-1.0.0.tgz',
      rev: '2-y',
    });
    expect(parsePackagePath('/a/-rev/')).toBeUndefined();
    expect(parsePackagePath('/a/-/a.tgz/-rev')).toBeUndefined();
  });

  it('reads dist-tag paths and local scopes', () => {
    expect(parsePackagePath('/-/package/a/dist-tags')).toEqual({ kind: 'dist-tags', name: 'a' });
    expect(parsePackagePath('/-/package/@s%2fn/dist-tags/beta')).toEqual({
      kind: 'dist-tag',
      name: '@s/n',
      tag: 'beta',
    });
    expect(parsePackagePath('/-/package/@s/n/dist-tags/next%2D1')).toEqual({
      kind: 'dist-tag',
      name: '@s/n',
      tag: 'next-1',
    });
    expect(parsePackagePath('/-/package/a/other')).toBeUndefined();
    expect(parsePackagePath('/-/whoami')).toBeUndefined();
    expect(() => parsePackagePath('/-/package/UP/dist-tags')).toThrow(NameError);
    expect(inScopes('@acme/x', ['@acme'])).toBe(true);
    expect(inScopes('@acme-2/x', ['@acme'])).toBe(false);
    expect(inScopes('acme', ['@acme'])).toBe(false);
  });

  it('is not a package path when the shape is unknown', () => {
    expect(parsePackagePath('/')).toBeUndefined();
    expect(parsePackagePath('/a/b/c')).toBeUndefined();
    expect(parsePackagePath('/a/-/')).toBeUndefined();
  });

  it.each([
    [`/${'a'.repeat(215)}`, /more than 214/],
    ['/UpperCase', /capital letters/],
    ['/..', /period/],
    ['/.hidden', /period/],
    ['/_under', /underscore/],
    ['/a%00b', /control characters/],
    ['/a%0ab', /control characters/],
    ['/bad%zzenc', /percent-encoding/],
    ['/%E0%A4%A', /percent-encoding/],
    ['/a b', /URL-friendly/],
    ['/@s/', /invalid package name/],
    ['/@/n', /invalid package name/],
    ['/node_modules', /blocked|not a valid/],
  ])('refuses %s', (path, why) => {
    expect(() => parsePackagePath(path)).toThrow(NameError);
    expect(() => parsePackagePath(path)).toThrow(why);
  });

  it('allows legacy mixed-case names only when configured', () => {
    expect(() => checkName('JSONStream')).toThrow(NameError);
    expect(() => checkName('JSONStream', true)).not.toThrow();
    expect(() => checkName('a'.repeat(215), true)).not.toThrow();
    expect(() => checkName('..', true)).toThrow(NameError);
  });
});

describe('checkName', () => {
  it('accepts core module names, which are real packages', () => {
    expect(() => checkName('assert')).not.toThrow();
    expect(() => checkName('events')).not.toThrow();
    expect(parsePackagePath('/process')).toEqual({ kind: 'packument', name: 'process' });
  });
});
