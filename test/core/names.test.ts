import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../src/core/names.ts';

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
