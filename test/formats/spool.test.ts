import { describe, expect, it } from 'vitest';
import { FileSpool } from '../../src/formats/spool.ts';

describe('a spool of texts on disk', () => {
  it('gives back each stream its texts in the order appended, as often as asked, past what it holds in memory', () => {
    const spool = new FileSpool();
    try {
      const expected = new Map<string, string[]>();
      // Enough to go to disk many times over (streams of ~2 MB), in texts of many sizes and scripts.
      for (let i = 0; i < 60_000; i++) {
        const stream = `s${i % 7}`;
        const text = `${i}: ${'é漢𝄞x'.repeat(i % 13)}\n`;
        spool.append(stream, text);
        const texts = expected.get(stream) ?? [];
        texts.push(text);
        expected.set(stream, texts);
      }
      for (const [stream, texts] of expected) {
        const pieces = [...spool.read(stream)];
        expect(pieces.length).toBeGreaterThan(1);
        expect(pieces.join('')).toBe(texts.join(''));
        expect([...spool.read(stream)].join('')).toBe(texts.join(''));
      }
      expect([...spool.read('never')]).toEqual([]);
    } finally {
      spool.close();
    }
  });
});
