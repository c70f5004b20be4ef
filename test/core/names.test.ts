import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey, suggest } from '../../src/core/names.ts';

/** The definition of a name's key: NFKC, lowercase, letters and digits only. */
const reference = (name: string) =>
  name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

describe('name keys', () => {
  it('are the same for ASCII names on the fast path as by the definition, and for any other text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.constantFrom('Dai Shan', 'Ali Mama', 'ＡＢＣ１２', 'Ångström', 'İstanbul', 'ß', 'Ⅻ', '\tTab\n'),
        ),
        (name) => {
          expect(nameKey(name)).toBe(reference(name));
        },
      ),
      { numRuns: 3000 },
    );
    expect(nameKey('Dai Shan')).toBe(nameKey('Daishan'));
    expect(nameKey('Sales-East #2')).toBe('saleseast2');
  });
});

/** Levenshtein distance, the whole table. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Suggestions by the definition: every candidate's whole edit distance, one step for a key inside the other. */
function suggestByDefinition(wanted: string, candidates: string[], limit: number): string[] {
  const key = nameKey(wanted);
  if (key === '') return [];
  const threshold = Math.max(2, Math.floor(key.length / 3));
  return [...new Set(candidates)]
    .map((name) => {
      const other = nameKey(name);
      let distance = editDistance(key, other);
      if (other.length > 3 && (other.includes(key) || key.includes(other))) distance = Math.min(distance, 1);
      return { name, distance };
    })
    .filter((s) => s.distance <= threshold)
    .sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name))
    .slice(0, limit)
    .map((s) => s.name);
}

describe('suggestions', () => {
  it('are the closest names by edit distance, as computing every distance whole gives them', () => {
    const letters = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', ' ', 'A'), maxLength: 14 });
    let suggested = 0;
    fc.assert(
      fc.property(
        letters,
        fc.array(letters, { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (wanted, names, limit) => {
          const expected = suggestByDefinition(wanted, names, limit);
          expect(suggest(wanted, names, limit)).toEqual(expected);
          suggested += expected.length;
        },
      ),
      { numRuns: 2000 },
    );
    expect(suggested).toBeGreaterThan(1000);
    expect(suggest('Dai Shann', ['Dai Shan', 'Daniel Zhang', 'Big Taobao'])).toEqual(['Dai Shan']);
  });
});
