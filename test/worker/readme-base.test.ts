import { describe, expect, it } from 'vitest';
import { readmeBase, resolveRelative } from '../../src/pages/readme-base';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('readmeBase', () => {
  it('knows GitHub, GitLab and Bitbucket in the forms package.json writes them', () => {
    expect(readmeBase('github:acme/thing', SHA)).toEqual({
      link: { root: `https://github.com/acme/thing/blob/${SHA}/`, dir: `https://github.com/acme/thing/blob/${SHA}/` },
      image: {
        root: `https://raw.githubusercontent.com/acme/thing/${SHA}/`,
        dir: `https://raw.githubusercontent.com/acme/thing/${SHA}/`,
      },
    });
    expect(readmeBase('acme/thing', undefined)?.link.root).toBe('https://github.com/acme/thing/blob/HEAD/');
    expect(readmeBase({ url: 'git+ssh://git@github.com/acme/thing.git' }, 'not-a-sha')?.image.root).toBe(
      'https://raw.githubusercontent.com/acme/thing/HEAD/',
    );
    expect(readmeBase({ url: 'https://gitlab.com/acme/thing.git', directory: 'pkg/a' }, undefined)).toEqual({
      link: {
        root: 'https://gitlab.com/acme/thing/-/blob/HEAD/',
        dir: 'https://gitlab.com/acme/thing/-/blob/HEAD/pkg/a/',
      },
      image: {
        root: 'https://gitlab.com/acme/thing/-/raw/HEAD/',
        dir: 'https://gitlab.com/acme/thing/-/raw/HEAD/pkg/a/',
      },
    });
    expect(readmeBase('https://bitbucket.org/acme/thing', undefined)?.image.dir).toBe(
      'https://bitbucket.org/acme/thing/raw/HEAD/',
    );
  });

  it('has none for other hosts or no repository; a directory that climbs out is ignored', () => {
    expect(readmeBase('https://git.example/acme/thing', SHA)).toBeUndefined();
    expect(readmeBase(undefined, SHA)).toBeUndefined();
    expect(readmeBase({ url: 'javascript:alert(1)' }, SHA)).toBeUndefined();
    expect(readmeBase({ url: 'github:acme/thing', directory: '../../x' }, undefined)?.link.dir).toBe(
      'https://github.com/acme/thing/blob/HEAD/',
    );
  });
});

describe('resolveRelative', () => {
  const base = { root: 'https://github.com/a/b/blob/HEAD/', dir: 'https://github.com/a/b/blob/HEAD/pkg/' };
  it('from the folder, from the root with a leading slash, and only on the same host', () => {
    expect(resolveRelative('docs/x.md', base)).toBe('https://github.com/a/b/blob/HEAD/pkg/docs/x.md');
    expect(resolveRelative('/LICENSE', base)).toBe('https://github.com/a/b/blob/HEAD/LICENSE');
    expect(resolveRelative('./a b.png?raw=1', base)).toBe('https://github.com/a/b/blob/HEAD/pkg/a%20b.png?raw=1');
    expect(resolveRelative('//evil.example/x', base)).toBe('https://github.com/evil.example/x');
  });
});
