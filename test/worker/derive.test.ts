import { describe, expect, it } from 'vitest';
import { DeriveError, derivePackument, tarballFile } from '../../src/packages/derive';
import { concat } from './codec';

const enc = new TextEncoder();
const dec = new TextDecoder();
const UP = 'https://up.test';
const ME = 'http://me.test';

function derive(doc: unknown, name = 'p', text?: string) {
  const d = derivePackument(enc.encode(text ?? JSON.stringify(doc)), name, ME);
  const full = dec.decode(concat(d.full));
  expect(full.length).toBe(new TextEncoder().encode(full).length === d.fullLength ? full.length : -1);
  return { ...d, corgi: JSON.parse(dec.decode(d.abbreviated)), fullDoc: JSON.parse(full), fullText: full };
}

const dist = (name: string, v: string) => ({
  integrity: 'sha512-x',
  shasum: 'abc',
  tarball: `${UP}/${name}/-/${name.split('/').pop()}-${v}.tgz`,
  fileCount: 3,
  signatures: [{ keyid: 'k', sig: 's' }],
});

describe('derivePackument', () => {
  it('keeps the corgi fields, drops empty values and adds hasInstallScript', () => {
    const { corgi } = derive({
      _id: 'p',
      _rev: '1-a',
      name: 'p',
      description: 'd',
      readme: 'r'.repeat(1000),
      'dist-tags': { latest: '1.0.0' },
      time: { created: '2020-01-01T00:00:00.000Z', modified: '2021-01-01T00:00:00.000Z', '1.0.0': 'x' },
      versions: {
        '1.0.0': {
          name: 'p',
          version: '1.0.0',
          description: 'gone',
          main: 'i.js',
          readme: 'gone',
          dependencies: { a: '1' },
          devDependencies: {},
          optionalDependencies: {},
          peerDependencies: { b: '2' },
          peerDependenciesMeta: { b: { optional: true } },
          bundleDependencies: [],
          bin: { p: 'cli.js' },
          directories: {},
          engines: { node: '>=8' },
          _hasShrinkwrap: false,
          deprecated: '',
          cpu: ['x64'],
          os: [],
          libc: ['glibc'],
          funding: 'https://f.test',
          acceptDependencies: { a: '2' },
          scripts: { postinstall: 'node x', test: 't' },
          gitHead: 'abc',
          _npmUser: { name: 'u' },
          dist: dist('p', '1.0.0'),
        },
        '2.0.0': {
          name: 'p',
          version: '2.0.0',
          _hasShrinkwrap: true,
          deprecated: 'use 3',
          scripts: { test: 't' },
          dist: dist('p', '2.0.0'),
        },
      },
    });
    expect(corgi).toEqual({
      name: 'p',
      'dist-tags': { latest: '1.0.0' },
      versions: {
        '1.0.0': {
          name: 'p',
          version: '1.0.0',
          dependencies: { a: '1' },
          peerDependencies: { b: '2' },
          peerDependenciesMeta: { b: { optional: true } },
          bin: { p: 'cli.js' },
          engines: { node: '>=8' },
          cpu: ['x64'],
          libc: ['glibc'],
          funding: 'https://f.test',
          acceptDependencies: { a: '2' },
          hasInstallScript: true,
          dist: { ...dist('p', '1.0.0'), tarball: `${ME}/p/-/p-1.0.0.tgz` },
        },
        '2.0.0': {
          name: 'p',
          version: '2.0.0',
          _hasShrinkwrap: true,
          deprecated: 'use 3',
          dist: { ...dist('p', '2.0.0'), tarball: `${ME}/p/-/p-2.0.0.tgz` },
        },
      },
      modified: '2021-01-01T00:00:00.000Z',
    });
    expect(Object.keys(corgi)).toEqual(['name', 'dist-tags', 'versions', 'modified']);
  });

  it.each([['install'], ['preinstall'], ['postinstall']])('flags a %s script', (s) => {
    const { corgi } = derive({ name: 'p', versions: { '1.0.0': { version: '1.0.0', scripts: { [s]: 'x' } } } });
    expect(corgi.versions['1.0.0'].hasInstallScript).toBe(true);
  });

  it('does not flag prepare or test scripts, and omits modified without time', () => {
    const { corgi } = derive({
      name: 'p',
      versions: { '1.0.0': { version: '1.0.0', scripts: { prepare: 'x', test: 'y' } } },
    });
    expect(corgi).toEqual({ name: 'p', 'dist-tags': {}, versions: { '1.0.0': { version: '1.0.0' } } });
  });

  it('passes the full document through, changing only dist.tarball', () => {
    const doc = {
      name: '@s/n',
      readme: 'mentions https://up.test/@s/n/-/n-1.0.0.tgz in prose',
      versions: {
        '1.0.0': { name: '@s/n', version: '1.0.0', dist: dist('@s/n', '1.0.0'), other: { tarball: `${UP}/x.tgz` } },
      },
    };
    const d = derive(doc, '@s/n', JSON.stringify(doc, null, 2));
    const want = structuredClone(doc);
    want.versions['1.0.0'].dist.tarball = `${ME}/@s/n/-/n-1.0.0.tgz`;
    expect(d.fullDoc).toEqual(want);
    // untouched bytes stay byte-identical, formatting included
    expect(d.fullText).toBe(
      JSON.stringify(doc, null, 2).replace(
        `"tarball": "${UP}/@s/n/-/n-1.0.0.tgz"`,
        `"tarball": "${ME}/@s/n/-/n-1.0.0.tgz"`,
      ),
    );
    expect(d.tarballs).toEqual({
      'n-1.0.0.tgz': { version: '1.0.0', url: `${UP}/@s/n/-/n-1.0.0.tgz`, integrity: 'sha512-x', shasum: 'abc' },
    });
  });

  it('handles escapes, unicode and odd spacing', () => {
    const text =
      '{ "name" : "p" ,"versions":{"1.0.0" : {"version":"1.0.0","description":"\\"}{\\\\","ver\\u0073ion2":"x",' +
      `"bin":{ },"dist":{"tarball":"${UP}/p/-/p-1.0.0.tgz","shasum":"é"}}}, ` +
      '"dist-tags" : {"latest":"1.0.0"},"time":{"modified":"t"}}';
    const { corgi, fullDoc } = derive(undefined, 'p', text);
    expect(corgi).toEqual({
      name: 'p',
      'dist-tags': { latest: '1.0.0' },
      modified: 't',
      versions: { '1.0.0': { version: '1.0.0', dist: { tarball: `${ME}/p/-/p-1.0.0.tgz`, shasum: 'é' } } },
    });
    expect(fullDoc.versions['1.0.0'].description).toBe('"}{\\');
  });

  it('writes minified input out byte for byte, whatever runs of fields it keeps or drops', () => {
    // first field dropped or kept, runs of kept fields, a flag appended last, empty versions
    const versions = {
      '1.0.0': {
        description: 'x',
        name: 'p',
        version: '1.0.0',
        main: 'i',
        bin: { p: 'c' },
        dist: dist('p', '1.0.0'),
        scripts: { install: 'i' },
      },
      '1.0.1': { name: 'p', version: '1.0.1', dist: dist('p', '1.0.1'), engines: { node: '*' }, deprecated: 'd' },
      '1.0.2': {},
      '1.0.3': { readme: 'r', scripts: { preinstall: 'p' } },
      '1.0.4': { dist: { shasum: 'no tarball' }, version: '1.0.4' },
    };
    const want = {
      name: 'p',
      'dist-tags': { latest: '1.0.1' },
      versions: {
        '1.0.0': {
          name: 'p',
          version: '1.0.0',
          bin: { p: 'c' },
          dist: { ...dist('p', '1.0.0'), tarball: `${ME}/p/-/p-1.0.0.tgz` },
          hasInstallScript: true,
        },
        '1.0.1': {
          name: 'p',
          version: '1.0.1',
          dist: { ...dist('p', '1.0.1'), tarball: `${ME}/p/-/p-1.0.1.tgz` },
          engines: { node: '*' },
          deprecated: 'd',
        },
        '1.0.2': {},
        '1.0.3': { hasInstallScript: true },
        '1.0.4': { dist: { shasum: 'no tarball' }, version: '1.0.4' },
      },
    };
    const doc = { name: 'p', 'dist-tags': { latest: '1.0.1' }, versions };
    expect(dec.decode(derivePackument(enc.encode(JSON.stringify(doc)), 'p', ME).abbreviated)).toBe(
      JSON.stringify(want),
    );
    // and the same document pretty-printed gives the same abbreviated document
    expect(derive(undefined, 'p', JSON.stringify(doc, null, 2)).corgi).toEqual(want);
  });

  it('refuses a document for another package', () => {
    expect(() => derive({ name: 'q', versions: {} }, 'p')).toThrow(DeriveError);
    expect(() => derive({ versions: {} }, 'p')).toThrow(/not "p"/);
  });

  it.each([
    ['truncated', '{"name":"p","versions":{'],
    ['trailing garbage', '{"name":"p","versions":{}} x'],
    ['not an object', '[1,2]'],
    ['versions not an object', '{"name":"p","versions":[]}'],
    ['bad string', '{"name":"p","versions":{"1":{"a":"\\q"}}}'],
    ['empty', ''],
  ])('refuses invalid JSON: %s', (_, text) => {
    expect(() => derivePackument(enc.encode(text), 'p', ME)).toThrow(DeriveError);
  });
});

describe('tarballFile', () => {
  it('takes the last path segment', () => {
    expect(tarballFile('https://up.test/@s/n/-/n-1.0.0.tgz')).toBe('n-1.0.0.tgz');
    expect(tarballFile('https://up.test/a/-/a-1.0.0.tgz?x=1')).toBe('a-1.0.0.tgz');
    expect(tarballFile('https://up.test/a/-/a%2b-1.0.0.tgz')).toBe('a+-1.0.0.tgz');
  });
});

describe('derivePackument validates what it passes through', () => {
  it.each([
    ['raw control character in a skipped string', '{"name":"p","readme":"a\nb","versions":{}}'],
    ['bad literal in a skipped object', '{"name":"p","x":{"a":tru},"versions":{}}'],
    ['missing colon in a skipped object', '{"name":"p","x":{"a" 1},"versions":{}}'],
    ['missing comma in a skipped array', '{"name":"p","x":[1 2],"versions":{}}'],
    ['bad number', '{"name":"p","x":01,"versions":{}}'],
    ...['-', '1.', '.5', '1e', '1e+', '+1', '1.5.2', 'truex', 'nul', 'False', 'NaN', '0x1'].map((lit) => [
      `literal ${lit}`,
      `{"name":"p","x":[${lit}],"versions":{}}`,
    ]),
    ['a literal cut off at the end', '{"name":"p","versions":{},"x":tr'],
    ['bad unicode escape', '{"name":"p","x":"\\u12g4","versions":{}}'],
    ['unbalanced', '{"name":"p","x":[1,{"a":2],"versions":{}}'],
  ])('%s', (_, text) => {
    expect(() => derivePackument(enc.encode(text), 'p', ME)).toThrow(DeriveError);
  });

  it('accepts every JSON value form', () => {
    const text =
      '{"name":"p","x":[true,false,null,-1.5e+3,0,-0,0.25,7E-2,1e9,"\\u00e9\\n\\"",{},[],{"a":[{}]}],' +
      '"versions":{}, "y" : 12 }';
    const d = derivePackument(enc.encode(text), 'p', ME);
    expect(JSON.parse(dec.decode(concat(d.full)))).toEqual(JSON.parse(text));
  });
});
