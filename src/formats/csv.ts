import { OrgshiftError } from '../core/errors.ts';

export interface CsvRow {
  /** The line the row starts on, from 1 (the header is line 1). */
  line: number;
  values: Record<string, string>;
}

/** Decodes UTF-8 (with or without BOM); bytes that are not UTF-8 are refused with their line. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    let line = 1;
    let offset = 0;
    // Find the first bad byte: decode growing prefixes line by line.
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0a) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.slice(offset, i));
        } catch {
          break;
        }
        line += 1;
        offset = i + 1;
      }
    }
    throw new OrgshiftError('invalid_input', `${file} is not UTF-8`, [
      { message: 'bytes that are not UTF-8', location: { file, line, col: 1 } },
    ]);
  }
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
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) records.push({ line: startLine, fields });
      fields = [];
      field = '';
      fieldStarted = false;
      line++;
      startLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) {
    throw new OrgshiftError('invalid_input', `${file}: a quoted field is not closed`, [
      { message: 'a quoted field is not closed', location: { file, line: startLine, col: 1 } },
    ]);
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: startLine, fields });
  }
  const [head, ...body] = records;
  if (!head)
    throw new OrgshiftError('invalid_input', `${file} is empty`, [
      { message: 'no header row', location: { file, line: 1, col: 1 } },
    ]);
  const header = head.fields.map((h) => h.trim());
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new OrgshiftError('invalid_input', `${file}: missing columns`, [
      {
        message: `the header lacks ${missing.join(', ')} (it has ${header.join(', ')})`,
        location: { file, line: head.line, col: 1 },
      },
    ]);
  }
  const rows = body.map(({ line: rowLine, fields: values }) => {
    const record: Record<string, string> = {};
    header.forEach((column, i) => {
      record[column] = (values[i] ?? '').trim();
    });
    if (values.length !== header.length) record.__width = String(values.length);
    return { line: rowLine, values: record };
  });
  return { header, rows };
}
