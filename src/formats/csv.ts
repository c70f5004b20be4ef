import { OrgshiftError } from '../core/errors.ts';

export interface CsvRow {
  /** The line the row starts on, from 1 (the header is line 1). */
  line: number;
  values: Record<string, string>;
}

/** Decodes UTF-8 (with or without BOM); bytes that are not UTF-8 are refused with their line. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  return [...decodeUtf8Chunks([bytes], file)].join('');
}

/** Bytes of a file read (or decoded) at a time when it is read in pieces: never the whole file at once. */
export const PIECE_BYTES = 8 * 2 ** 20;

/**
 * Decodes a file read in chunks of bytes, a piece of whole lines at a time (a newline byte never sits
 * inside a UTF-8 sequence, so a cut after one is always between characters): files larger than the
 * longest string a JavaScript engine holds can be read. A BOM at the start is dropped; bytes that are
 * not UTF-8 are refused with their line.
 */
export function* decodeUtf8Chunks(chunks: Iterable<Uint8Array>, file: string): Generator<string> {
  let carry: Uint8Array = new Uint8Array(0);
  let line = 1;
  let first = true;
  const decode = (piece: Uint8Array): string => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(piece);
    } catch {
      let at = line;
      let offset = 0;
      // The first line of the piece that does not decode.
      for (let i = 0; i <= piece.length; i++) {
        if (i < piece.length && piece[i] !== 0x0a) continue;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(piece.subarray(offset, i));
        } catch {
          break;
        }
        at += 1;
        offset = i + 1;
      }
      throw new OrgshiftError('invalid_input', `${file} is not UTF-8`, [
        { message: 'bytes that are not UTF-8', location: { file, line: at, col: 1 } },
      ]);
    }
    for (let i = 0; i < piece.length; i++) if (piece[i] === 0x0a) line += 1;
    if (first) {
      first = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    return text;
  };
  for (const chunk of chunks) {
    let bytes = chunk;
    if (carry.length > 0) {
      bytes = new Uint8Array(carry.length + chunk.length);
      bytes.set(carry);
      bytes.set(chunk, carry.length);
    }
    const cut = bytes.lastIndexOf(0x0a) + 1;
    // Copied (a Buffer's slice is a view): the reader may reuse the chunk's buffer for the next one.
    carry = new Uint8Array(bytes.subarray(cut));
    if (cut > 0) yield decode(bytes.subarray(0, cut));
  }
  if (carry.length > 0 || first) yield decode(carry);
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Reads CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a header row from text given
 * in pieces cut anywhere, handing each row to `onRow` with the line it starts on. Header cells name
 * columns as `columnName` reads them; a header that lacks a required column, or names one twice, is
 * refused.
 */
export class CsvReader {
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  private fieldStarted = false;
  private line = 1;
  private startLine = 1;
  /** A quote ended the last piece inside a quoted field: the next character says whether it was doubled. */
  private quoteAtEnd = false;
  /** A CR ended the last piece: an LF starting the next one belongs to it. */
  private crAtEnd = false;
  private header: string[] | null = null;

  constructor(
    private readonly file: string,
    private readonly required: string[],
    private readonly onRow: (row: CsvRow) => void,
  ) {}

  push(text: string): void {
    const n = text.length;
    if (n === 0) return;
    let i = 0;
    if (this.crAtEnd) {
      this.crAtEnd = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false;
      if (text.charCodeAt(i) === QUOTE) {
        this.field += '"';
        i++;
      } else this.quoted = false;
    }
    // Runs of plain characters are taken as one slice of the text, not a character at a time (each
    // character appended is a string made, tens of millions for a large file).
    while (i < n) {
      if (this.quoted) {
        const close = text.indexOf('"', i);
        const end = close === -1 ? n : close;
        if (end > i) {
          const run = text.slice(i, end);
          for (let at = run.indexOf('\n'); at !== -1; at = run.indexOf('\n', at + 1)) this.line++;
          this.field += run;
        }
        if (close === -1) return;
        if (close + 1 === n) {
          this.quoteAtEnd = true;
          return;
        }
        if (text.charCodeAt(close + 1) === QUOTE) {
          this.field += '"';
          i = close + 2;
        } else {
          this.quoted = false;
          i = close + 1;
        }
        continue;
      }
      if (!this.fieldStarted && text.charCodeAt(i) === QUOTE) {
        this.quoted = true;
        this.fieldStarted = true;
        i++;
        continue;
      }
      let j = i;
      let c = 0;
      while (j < n) {
        c = text.charCodeAt(j);
        if (c === COMMA || c === LF || c === CR) break;
        j++;
      }
      if (j > i) {
        this.field += text.slice(i, j);
        this.fieldStarted = true;
      }
      if (j === n) return;
      if (c === COMMA) {
        this.fields.push(this.field);
        this.field = '';
        this.fieldStarted = false;
        i = j + 1;
        continue;
      }
      if (c === CR) {
        if (j + 1 === n) this.crAtEnd = true;
        else if (text.charCodeAt(j + 1) === LF) j++;
      }
      this.fields.push(this.field);
      if (!(this.fields.length === 1 && this.fields[0] === '')) this.record(this.startLine, this.fields);
      this.fields = [];
      this.field = '';
      this.fieldStarted = false;
      this.line++;
      this.startLine = this.line;
      i = j + 1;
    }
  }

  /** The end of the text: the last row, and the header (refused if there is none). */
  end(): { header: string[] } {
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false;
      this.quoted = false;
    }
    const { file } = this;
    if (this.quoted) {
      throw new OrgshiftError('invalid_input', `${file}: a quoted field is not closed`, [
        { message: 'a quoted field is not closed', location: { file, line: this.startLine, col: 1 } },
      ]);
    }
    if (this.field !== '' || this.fields.length > 0) {
      this.fields.push(this.field);
      this.record(this.startLine, this.fields);
      this.fields = [];
      this.field = '';
    }
    if (!this.header)
      throw new OrgshiftError('invalid_input', `${file} is empty`, [
        { message: 'no header row', location: { file, line: 1, col: 1 } },
      ]);
    return { header: this.header };
  }

  private record(line: number, values: string[]): void {
    const header = this.header;
    if (!header) {
      const names = values.map(columnName);
      this.header = names;
      const refuse = (summary: string, message: string) => {
        throw new OrgshiftError('invalid_input', `${this.file}: ${summary}`, [
          { message, location: { file: this.file, line, col: 1 } },
        ]);
      };
      const missing = this.required.filter((column) => !names.includes(column));
      if (missing.length > 0) {
        const cells = values.map((v) => v.trim());
        // A whole header in one cell: separated by something else (a spreadsheet's ';', a tab).
        const separator =
          cells.length === 1 ? [';', '\t', '|'].find((s) => cells[0]!.includes(s)) : undefined;
        refuse(
          'missing columns',
          `the header lacks ${missing.join(', ')} (it has ${cells.join(', ')})${
            separator === undefined
              ? ''
              : `: its columns seem separated by ${separator === '\t' ? 'tabs' : `"${separator}"`}; the files are comma-separated`
          }`,
        );
      }
      for (const column of this.required) {
        const first = names.indexOf(column);
        const again = names.indexOf(column, first + 1);
        if (again >= 0)
          refuse(
            'a column named twice',
            `the header has ${column} twice (columns ${first + 1} and ${again + 1}): which one to read is not clear`,
          );
      }
      return;
    }
    const record: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) record[header[i]!] = (values[i] ?? '').trim();
    if (values.length !== header.length) record.__width = String(values.length);
    this.onRow({ line, values: record });
  }
}

/**
 * The column a header cell names: trimmed, in lower case, spaces and hyphens as underscores, so that
 * a spreadsheet's `Person ID` or `Valid-From` is `person_id` or `valid_from`.
 */
export function columnName(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/**
 * Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a header row. Rows keep
 * the line they start on. A header that lacks a required column is refused.
 */
export function parseCsv(
  text: string,
  file: string,
  required: string[],
): { header: string[]; rows: CsvRow[] } {
  const rows: CsvRow[] = [];
  const reader = new CsvReader(file, required, (row) => rows.push(row));
  reader.push(text);
  return { header: reader.end().header, rows };
}
