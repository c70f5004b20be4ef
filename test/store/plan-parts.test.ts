import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanTextParts, planTextParts } from '../../src/store/plan-parts.ts';

/** Texts of lines, some longer than a part, some with characters outside the BMP. */
const texts = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constant('🏢 Acme'),
      fc.constant('x'.repeat(40)),
    ),
    { maxLength: 40 },
  )
  .chain((lines) =>
    fc
      .record({ text: fc.constant(lines.join('\n')), trailing: fc.boolean() })
      .map(({ text, trailing }) => (trailing ? `${text}\n` : text)),
  );

/** The text cut into pieces at random places (a piece may be empty). */
const piecesOf = (text: string) =>
  fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 10 }).map((cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), text.length];
    return at.slice(1).map((end, i) => text.slice(at[i], end));
  });

describe("a plan's text in parts", () => {
  it('cuts a text the same whether given whole or in pieces, each part but the last at a line end', () => {
    fc.assert(
      fc.property(
        texts.chain((text) => fc.tuple(fc.constant(text), piecesOf(text), fc.integer({ min: 1, max: 30 }))),
        ([text, pieces, partChars]) => {
          const whole = planTextParts(text, partChars);
          const cutter = new PlanTextParts(partChars);
          const given = [...pieces.flatMap((piece) => cutter.add(piece)), ...cutter.end()];
          expect(given).toEqual(whole);
          expect(whole.join('')).toBe(text);
          expect(whole.length).toBeGreaterThanOrEqual(1);
          for (const part of whole.slice(0, -1)) {
            expect(part.endsWith('\n')).toBe(true);
            expect(part.length).toBeGreaterThanOrEqual(partChars);
            // The shortest such part: no line end before the one it ends at, from `partChars` on.
            expect(part.indexOf('\n', partChars - 1)).toBe(part.length - 1);
          }
          if (whole.length > 1) expect(whole.at(-1)).not.toBe('');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps a short text one part, and an empty one too', () => {
    expect(planTextParts('plan: a\n', 100)).toEqual(['plan: a\n']);
    expect(planTextParts('', 100)).toEqual(['']);
    expect(planTextParts('ab\ncd\nef', 2)).toEqual(['ab\n', 'cd\n', 'ef']);
    expect(planTextParts('ab\ncd\n', 2)).toEqual(['ab\n', 'cd\n']);
  });
});
