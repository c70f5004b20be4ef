// Text made and written in pieces.

/**
 * Pieces of text joined into strings of about `size` characters: what is written to a stream, without
 * a write per line or the whole text in one string (an export of a large organization is longer than
 * the longest string JavaScript holds).
 */
export function* chunked(pieces: Iterable<string>, size = 1 << 16): Generator<string> {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Pieces joined into one string (for what is known to be small). */
export function joined(pieces: Iterable<string>): string {
  let text = '';
  for (const piece of pieces) text += piece;
  return text;
}
