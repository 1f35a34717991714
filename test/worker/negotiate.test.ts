import { describe, expect, it } from 'vitest';
import { acceptsGzip, chooseRepresentation } from '../../src/http/negotiate';

describe('chooseRepresentation', () => {
  it.each([
    [undefined, 'full'],
    ['', 'full'],
    ['*/*', 'full'],
    ['application/json', 'full'],
    ['application/vnd.npm.install-v1+json', 'abbreviated'],
    // what npm/pacote sends for installs
    ['application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*', 'abbreviated'],
    ['application/json, application/vnd.npm.install-v1+json', 'full'],
    ['application/vnd.npm.install-v1+json, application/json', 'abbreviated'],
    ['application/vnd.npm.install-v1+json; q=0.5, application/json', 'full'],
    ['application/json; q=0.1, application/vnd.npm.install-v1+json; q=0.9', 'abbreviated'],
    ['application/vnd.npm.install-v1+json; q=0, */*', 'full'],
    ['APPLICATION/VND.NPM.INSTALL-V1+JSON', 'abbreviated'],
    ['application/vnd.npm.install-v1+json;q=1.0,*/*;q=0.8', 'abbreviated'],
    ['text/html', 'full'],
  ])('%s → %s', (accept, want) => {
    expect(chooseRepresentation(accept)).toBe(want);
  });
});

describe('acceptsGzip', () => {
  it.each([
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['gzip;q=0', false],
    ['identity', false],
    ['*', true],
    ['*, gzip;q=0', false],
    ['', false],
    [null, false],
    ['GZIP', true],
    ['x-gzip', true],
  ])('%s → %s', (header, want) => {
    expect(acceptsGzip(header)).toBe(want);
  });
});
