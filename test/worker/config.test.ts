import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config';
import type { Env } from '../../src/env';

const env = (vars: Partial<Env>) => ({ UPSTREAM_URL: 'http://up.test', ...vars }) as Env;

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig(env({}));
    expect(c.upstream.href).toBe('http://up.test/');
    expect(c).toMatchObject({
      freshTtlMs: 300_000,
      maxStaleMs: 30 * 86400_000,
      notFoundTtlMs: 60_000,
      upstreamTimeoutMs: 20_000,
      clientMaxAge: 300,
      legacyNames: false,
      publicUrl: undefined,
      localScopes: [],
      maxTarballBytes: 10 * 1024 * 1024,
      readAccess: 'public',
    });
  });

  it('reads every var', () => {
    const c = parseConfig(
      env({
        UPSTREAM_URL: 'https://up.test/mirror',
        PUBLIC_URL: 'https://reg.test/',
        CACHE_TTL: '10',
        MAX_STALE: '20',
        NOT_FOUND_TTL: '5',
        UPSTREAM_TIMEOUT: '1.5',
        CLIENT_MAX_AGE: '0',
        LEGACY_NAMES: 'true',
        LOCAL_SCOPES: ' @acme, @internal ,',
        MAX_TARBALL_BYTES: '1000',
        READ_ACCESS: 'users',
      }),
    );
    expect(c.upstream.href).toBe('https://up.test/mirror/');
    expect(c).toMatchObject({
      publicUrl: 'https://reg.test',
      freshTtlMs: 10_000,
      maxStaleMs: 20_000,
      notFoundTtlMs: 5_000,
      upstreamTimeoutMs: 1500,
      clientMaxAge: 0,
      legacyNames: true,
      localScopes: ['@acme', '@internal'],
      maxTarballBytes: 1000,
      readAccess: 'users',
    });
  });

  it.each([
    [{ UPSTREAM_URL: 'not a url' }],
    [{ UPSTREAM_URL: 'ftp://up.test/' }],
    [{ CACHE_TTL: 'soon' }],
    [{ UPSTREAM_TIMEOUT: '-1' }],
    [{ LOCAL_SCOPES: 'acme' }],
    [{ LOCAL_SCOPES: '@Acme' }],
    [{ MAX_TARBALL_BYTES: 'big' }],
    [{ READ_ACCESS: 'private' }],
  ])('refuses %o', (vars) => {
    expect(() => parseConfig(env(vars as Partial<Env>))).toThrow(ConfigError);
  });

  it('names the unit in its complaint', () => {
    expect(() => parseConfig(env({ MAX_TARBALL_BYTES: 'big' }))).toThrow(
      'MAX_TARBALL_BYTES must be a non-negative number of bytes',
    );
    expect(() => parseConfig(env({ CACHE_TTL: '-5' }))).toThrow('CACHE_TTL must be a non-negative number of seconds');
  });
});
