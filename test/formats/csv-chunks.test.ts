import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import { CsvReader, decodeUtf8, decodeUtf8Chunks, parseCsv } from '../../src/formats/csv.ts';

/** `text` cut at the given positions (any, inside quotes, between CR and LF, inside a character). */
function cut<T extends { length: number; slice(a: number, b?: number): T }>(text: T, at: number[]): T[] {
  const points = [...new Set(at.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(text.slice(from, p));
    from = p;
  }
  pieces.push(text.slice(from));
  return pieces;
}

const cell = fc.oneof(
  fc.constantFrom('', 'a', 'Ann Lee', 'x,y', 'say "hi"', 'two\nlines', 'crlf\r\nhere', 'Zoë', '東京', '""'),
  fc.string({ maxLength: 6 }),
);
const quote = (v: string) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
const csvText = fc
  .tuple(
    fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.boolean(),
  )
  .map(([rows, eol, lastEol]) => {
    const lines = ['a,b,c', ...rows.map((r) => r.map(quote).join(','))];
    return lines.join(eol) + (lastEol ? eol : '');
  });

function readPieces(pieces: string[]) {
  const rows: unknown[] = [];
  const reader = new CsvReader('t.csv', ['a'], (row) => rows.push(row));
  for (const piece of pieces) reader.push(piece);
  return { header: reader.end().header, rows };
}

describe('CSV read in pieces', () => {
  it('gives the rows and lines the whole text gives, wherever the text is cut', () => {
    fc.assert(
      fc.property(csvText, fc.array(fc.nat(), { maxLength: 8 }), (text, at) => {
        expect(readPieces(cut(text, at))).toEqual(parseCsv(text, 't.csv', ['a']));
        // One character at a time: every cut at once.
        expect(readPieces([...text])).toEqual(parseCsv(text, 't.csv', ['a']));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses an unclosed quote and a missing header however it is cut', () => {
    expect(() => readPieces(['a,b\n1,"op', 'en\n'])).toThrow(/not closed/);
    expect(() => readPieces(['', ''])).toThrow(/empty/);
    expect(() => new CsvReader('t.csv', ['z'], () => {}).push('a,b\n')).toThrow(/missing columns/);
  });
});

describe('UTF-8 decoded in chunks', () => {
  it('gives the text the whole bytes give, wherever the bytes are cut (characters split included)', () => {
    fc.assert(
      fc.property(csvText, fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (text, bom, at) => {
        const bytes = new TextEncoder().encode((bom ? '\uFEFF' : '') + text);
        const pieces = cut(bytes, at);
        expect([...decodeUtf8Chunks(pieces, 't.csv')].join('')).toBe(decodeUtf8(bytes, 't.csv'));
        expect(decodeUtf8(bytes, 't.csv')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same text when the reader reuses one buffer for every chunk, as a file reader does', () => {
    fc.assert(
      fc.property(csvText, fc.integer({ min: 1, max: 9 }), (text, size) => {
        const bytes = Buffer.from(text, 'utf8');
        function* reused(): Generator<Uint8Array> {
          const buffer = Buffer.alloc(size);
          for (let at = 0; at < bytes.length; at += size) {
            const n = bytes.copy(buffer, 0, at, Math.min(at + size, bytes.length));
            yield buffer.subarray(0, n);
          }
        }
        expect([...decodeUtf8Chunks(reused(), 't.csv')].join('')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('names the line of bytes that are not UTF-8, in whichever chunk they come', () => {
    const good = new TextEncoder().encode('a,b\nÅsa,1\nBo,2\n');
    const bad = new Uint8Array([...good, 0x43, 0xff, 0x0a, 0x44, 0x0a]);
    for (const at of [[], [3], [5, 9], [good.length], [good.length + 1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) {
      try {
        [...decodeUtf8Chunks(cut(bad, at), 'bad.csv')];
        expect.unreachable('bytes that are not UTF-8 were accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(OrgshiftError);
        expect((error as OrgshiftError).problems[0]!.location).toEqual({ file: 'bad.csv', line: 4, col: 1 });
      }
    }
  });
});
