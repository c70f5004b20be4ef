/** A text as JSON writes it: most need no escape, and one test is cheaper than `JSON.stringify`. */
export function jsonText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// Quotes, backslashes and control characters are escaped; lone surrogates too (any surrogate is left
// to JSON.stringify).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
