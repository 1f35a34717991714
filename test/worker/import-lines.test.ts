import { describe, expect, it } from 'vitest';
import { compareRuns, parseLine } from '../../src/downloads/import';

describe('aggregate lines and runs', () => {
  it.each([
    ['express 123', ['express', 123]],
    ['@types/node\t7', ['@types/node', 7]],
    ['a 9007199254740991', ['a', 9007199254740991]],
    ['a 0', ['a', 0]],
    ['Express 1', undefined],
    ['a -1', undefined],
    ['a 1.5', undefined],
    ['a', undefined],
    ['a b 1', undefined],
    ['a 99999999999999999', undefined],
    ['', undefined],
  ])('%j → %j', (line, want) => {
    expect(parseLine(line)).toEqual(want);
  });

  it('orders run ids numerically when both are numbers', () => {
    expect(['9', '10', '2', 'b', 'a'].sort(compareRuns)).toEqual(['2', '9', '10', 'a', 'b']);
  });
});
