// Where a hand-broken data file stops being JSON: the position the log shows instead of JSON.parse's quote.
import fc from 'fast-check';
import { jsonFaultOffset, lineAndColumn } from '../src/store/json-file/json-fault';

/** JSON.parse's own position, where it gives one. */
function positionFromParse(text: string): number | 'valid' | undefined {
  try {
    JSON.parse(text);
    return 'valid';
  } catch (error) {
    const match = /at position ([0-9]+)/.exec((error as Error).message);
    return match === null ? undefined : Number(match[1]);
  }
}

describe('jsonFaultOffset', () => {
  it.each([
    ['{"a": 1,}', 8],
    ['{"nama": "Budi" "nik": "1"}', 16],
    ['{"a": tru\n}', 9],
    ['{"a": 1.e5}', 8],
    ['{"a": -x}', 7],
    ['abc', 0],
    ['{"a": 1} x', 9],
    ['{"a":', 5],
    ['{"a": "x\ny"}', 8],
  ])('finds the fault in %j at offset %i', (text, offset) => {
    expect(jsonFaultOffset(text)).toBe(offset);
  });

  it('answers -1 exactly when JSON.parse accepts the text, and agrees with the position JSON.parse gives', () => {
    const nearlyJson = fc.oneof(
      fc.json(),
      fc
        .json()
        .chain((json) =>
          fc
            .tuple(fc.nat(json.length), fc.constantFrom('', ',', '}', '"', 'x', ' ', '\n', ':', ']', '-'))
            .map(([at, inserted]) => json.slice(0, at) + inserted + json.slice(at + 1)),
        ),
    );
    fc.assert(
      fc.property(nearlyJson, (text) => {
        const fromParse = positionFromParse(text);
        const offset = jsonFaultOffset(text);
        if (fromParse === 'valid') expect(offset).toBe(-1);
        else expect(offset).toBeGreaterThanOrEqual(0);
        if (typeof fromParse === 'number') expect(offset).toBe(fromParse);
      }),
      { numRuns: 2_000 },
    );
  });

  it('names the line and column as an editor counts them', () => {
    expect(lineAndColumn('{\n  "a": x\n}', 9)).toBe('line 2, column 8');
    expect(lineAndColumn('x', 0)).toBe('line 1, column 1');
  });
});
