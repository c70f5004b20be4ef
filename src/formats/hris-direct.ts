// An import into a new organization made straight from its files, for files of the shape most HR
// systems export: each unit one period from its start on, people with their periods (transfers,
// promotions, renames, leaves, rehires), posts with their holders, each manager_id the one the
// organization gives anyway (the head of the person's unit; for a head, the head above) or a
// reporting line that goes up. Such files
// give the plans and facts `readImport` and `applyFirstPlans` make of them, without making millions of
// periods, changes, operations and records: the rows are read into columns, checked, and the plans'
// texts and the facts are made from the columns when asked for. The files are decoded and hashed
// first (the plans' ids, which every fact names, carry the hash) and the units and posts read; the
// people are read as their facts are walked, so that a writer can store them meanwhile. Anything
// else — a quoted field, a row the usual way would refuse, a unit that moves or ends, a reporting
// line that may not go up, a post whose holder moves away from it — is not sure, and the usual way
// (`readImport`) decides, and locates what it refuses. Property-tested to store what the usual way
// stores, row for row (`test/formats/hris-direct.test.ts`).
// Given a spool (the lean way), it holds no more than it must: the people file is hashed (and its
// manager_ids gathered) and then read again rather than held, and each person's rows, once complete,
// give their facts, their changes' lines and their reporting lines (these two to the spool, on disk);
// only the rows of the posts' holders and of the managers named stay.
import { createHash, type Hash } from 'node:crypto';
import { normalizePost } from '../core/apply.ts';
import { OrgshiftError } from '../core/errors.ts';
import { jsonText } from '../core/json-text.ts';
import {
  type FactStream,
  HEAD_POST,
  type LineageEvent,
  type PersonRecord,
  type PersonVersion,
  type Plan,
  type PostVersion,
  type Provenance,
  type ReportLineVersion,
  type UnitRecord,
} from '../core/model.ts';
import { nameKey } from '../core/names.ts';
import { addDays, type Day, parseDay } from '../core/time.ts';
import { columnName } from './csv.ts';
import {
  type CsvInput,
  type ImportInput,
  type ImportProgress,
  importPlanName,
  planHeadText,
} from './hris-import.ts';
import type { Spool } from './spool.ts';

/** One dated plan of a direct import: its text made when asked (an import's first may be a hundred megabytes). */
export interface DirectDay {
  plan: Omit<Plan, 'changes'>;
  source(): string;
  /** The text in pieces of a thousand changes, made as they are asked for. */
  pieces(): Generator<string>;
}

export interface DirectImport {
  /**
   * The facts, made as they are walked; with a spool, walking the people reads the people file as far
   * as it must (a person is given once a row of the next one is read), so that their rows can be
   * stored while the rest is read. Anything found then that the direct way is not sure of throws
   * `DirectNotSure`.
   */
  facts: FactStream;
  /** At most how many rows the facts will be. */
  expectedRows: number;
  /** Whether the files are read through and checked: `days` and `read` are then known. */
  readonly finished: boolean;
  /** The dated plans (the files are read through first). */
  days(): DirectDay[];
  /** The rows read, all accepted (the files are read through first). */
  read(): number;
  /** How many people's rows are held (the lean way: the posts' holders' and named managers' only). */
  readonly peopleHeld: number;
}

export type DirectResult = { ok: true; imported: DirectImport } | { ok: false; reason: string };

/** The direct way gave up after the facts began to be walked: the usual way decides. */
export class DirectNotSure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectNotSure';
  }
}

const NotSure = DirectNotSure;

const LAST_DAY = '9999-12-31';
/** Lines a CSV is read by at a time (`SimpleCsv.step`). */
const LINES_A_STEP = 1024;
const HEAD_KEY = nameKey(HEAD_POST);

/** A list of small integers that grows, in a typed array. */
class IntList {
  data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }
}

/**
 * Ids numbered in the order first given, kept as 63-bit hashes with their numbers in a typed array
 * (16–32 bytes an id, rather than the ids' strings). Two ids of one hash count as one: the lean way
 * then gives the rows of both in one group, each id's together (`groupedByPerson`).
 */
class IdOrdinals {
  private slots = new Int32Array(3 * 1024);
  size = 0;
  /** Whether the id `ordinal` was last asked for was known already. */
  known = false;

  /** The id's number; a new id is numbered (unless `add` is false: then -1). */
  ordinal(id: string, add = true): number {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    // An empty slot holds 0 there.
    h1 |= 1;
    // Grown at three quarters full.
    if (4 * (this.size + 1) > this.slots.length) this.grow();
    return this.put(h1, h2, add ? this.size : -1);
  }

  private put(h1: number, h2: number, ordinal: number): number {
    const { slots } = this;
    const mask = slots.length / 3 - 1;
    for (let at = h2 & mask; ; at = (at + 1) & mask) {
      const held = slots[3 * at]!;
      if (held === 0) {
        this.known = false;
        if (ordinal === -1) return -1;
        slots[3 * at] = h1;
        slots[3 * at + 1] = h2;
        slots[3 * at + 2] = ordinal;
        this.size++;
        return ordinal;
      }
      if (held === h1 && slots[3 * at + 1] === h2) {
        this.known = true;
        return slots[3 * at + 2]!;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const size = this.size;
    for (let i = 0; i < old.length; i += 3) if (old[i] !== 0) this.put(old[i]!, old[i + 1]!, old[i + 2]!);
    this.size = size;
  }
}

/**
 * Records of one kind (units, people, the posts of a unit) with their rows in a chain: the first and
 * last row of each record, and each row's next row of the same record (sorted by start once read).
 */
class Chains {
  readonly index = new Map<string, number>();
  readonly first = new IntList();
  readonly last = new IntList();
  readonly count = new IntList();
  readonly next = new IntList();

  /** Adds row `row` to the record `key`; its number. */
  add(key: string, row: number): number {
    this.next.push(-1);
    let record = this.index.get(key);
    if (record === undefined) {
      record = this.first.length;
      this.index.set(key, record);
      this.first.push(row);
      this.last.push(row);
      this.count.push(1);
      return record;
    }
    this.next.data[this.last.get(record)] = row;
    this.last.data[record] = row;
    this.count.data[record]! += 1;
    return record;
  }

  get size(): number {
    return this.first.length;
  }

  /** Takes away the last record, `key`, whose rows are the last ones, from row `from` on. */
  pop(key: string, from: number): void {
    this.index.delete(key);
    this.first.length--;
    this.last.length--;
    this.count.length--;
    this.next.length = from;
  }

  /** The record's rows, in order. */
  rows(record: number, into: number[] = []): number[] {
    into.length = 0;
    for (let row = this.first.get(record); row !== -1; row = this.next.get(row)) into.push(row);
    return into;
  }

  /** Puts each record's rows in order of `from` (rows of one record never start on one day once checked). */
  sort(from: Day[]): void {
    for (let record = 0; record < this.size; record++)
      if (this.count.get(record) > 1) this.sortRecord(record, from);
  }

  /** Puts one record's rows in order of `from`. */
  sortRecord(record: number, from: Day[]): void {
    const rows = this.rows(record, this.scratch);
    rows.sort((a, b) => (from[a]! < from[b]! ? -1 : from[a]! > from[b]! ? 1 : a - b));
    this.first.data[record] = rows[0]!;
    for (let i = 0; i < rows.length; i++) this.next.data[rows[i]!] = rows[i + 1] ?? -1;
    this.last.data[record] = rows[rows.length - 1]!;
  }

  private readonly scratch: number[] = [];
}

/**
 * A CSV of the simple shape (no quotes, no CR but before a LF, every row as wide as the header), its
 * text given in pieces, read a thousand lines at a time: each row's wanted cells (trimmed) go to
 * `onRow`, as `CsvReader` would read them.
 */
class SimpleCsv {
  rows = 0;
  private slots: Int32Array | null = null;
  private width = 0;
  private readonly cells: string[];
  private carry = '';
  /** The piece being read (with the carry before it) and where in it, or null between pieces. */
  private text: string | null = null;
  private at = 0;
  private ended = false;

  constructor(
    private readonly file: string,
    private readonly pieces: Iterator<string>,
    private readonly required: readonly string[],
    private readonly wanted: readonly string[],
    private readonly onRow: (cells: string[]) => void,
  ) {
    this.cells = wanted.map(() => '');
  }

  /** Reads the next lines (a thousand at most); false once every piece is read. */
  step(): boolean {
    if (this.text === null) {
      const next = this.ended ? null : this.pieces.next();
      if (next === null || next.done === true) {
        this.ended = true;
        if (this.carry !== '') {
          const { carry } = this;
          this.carry = '';
          this.line(carry, 0, carry.length);
        }
        if (this.slots === null) throw new NotSure(`${this.file}: no header`);
        return false;
      }
      const piece = next.value;
      const text = this.carry === '' ? piece : this.carry + piece;
      this.carry = '';
      for (let cr = text.indexOf('\r'); cr !== -1; cr = text.indexOf('\r', cr + 1))
        if (text.charCodeAt(cr + 1) !== 10) throw new NotSure(`${this.file}: a CR not ending a line`);
      this.text = text;
      this.at = 0;
    }
    const text = this.text;
    for (let n = 0; n < LINES_A_STEP; n++) {
      const end = text.indexOf('\n', this.at);
      if (end === -1) {
        this.carry = text.slice(this.at);
        this.text = null;
        return true;
      }
      const from = this.at;
      this.at = end + 1;
      this.line(text, from, end);
    }
    return true;
  }

  readAll(): void {
    while (this.step());
  }

  private line(text: string, from: number, end: number): void {
    let stop = end;
    if (stop > from && text.charCodeAt(stop - 1) === 13) stop--;
    // A blank line is no row.
    if (stop === from) return;
    const { slots, cells } = this;
    if (slots === null) {
      this.header(text.slice(from, stop));
      return;
    }
    const width = this.width;
    let field = 0;
    let start = from;
    for (;;) {
      let comma = text.indexOf(',', start);
      if (comma === -1 || comma > stop) comma = stop;
      if (field === width) throw new NotSure(`${this.file}: a row wider than the header`);
      const slot = slots[field]!;
      if (slot !== -1) cells[slot] = text.slice(start, comma).trim();
      field++;
      if (comma === stop) break;
      start = comma + 1;
    }
    if (field !== width) throw new NotSure(`${this.file}: a row narrower than the header`);
    this.rows++;
    this.onRow(cells);
  }

  private header(line: string): void {
    const names = line.split(',').map(columnName);
    for (const column of this.required)
      if (names.indexOf(column) === -1 || names.indexOf(column) !== names.lastIndexOf(column))
        throw new NotSure(`${this.file}: a required column missing or named twice`);
    this.width = names.length;
    const slots = new Int32Array(this.width).fill(-1);
    // A column named twice that is not required: the last one is read (as `CsvReader` reads it).
    this.wanted.forEach((column, slot) => {
      const at = names.lastIndexOf(column);
      if (at !== -1) slots[at] = slot;
    });
    this.slots = slots;
  }
}

/**
 * A file's text in pieces (decoded as `readImport` decodes them), added to `stamp` as `readImport` adds
 * it; with how many lines it has. Refused as not sure if it holds a quote. `hold`: false when the text
 * need not be held once hashed, where the file can be read again (`CsvInput.again`). `onLine`: given
 * each line (without its LF) as the text is hashed.
 */
function piecesOf(
  file: CsvInput | undefined,
  stamp: Hash,
  hold = true,
  onLine?: (line: string) => void,
): { pieces: Iterator<string>; lines: number } {
  const again = file !== undefined && !('text' in file) && !hold ? file.again : undefined;
  const given: Iterable<string> = file === undefined ? [] : 'text' in file ? [file.text] : file.pieces;
  const held: string[] = [];
  // What is read again must be what was hashed: the stamp as it was before the text, taken on with
  // the text read again, must come to what it comes to now.
  const before = again ? stamp.copy() : null;
  let carry = '';
  let lines = 0;
  for (const piece of given) {
    stamp.update(piece);
    if (piece.indexOf('"') !== -1) throw new NotSure(`${file!.file}: quoted fields`);
    let from = 0;
    for (let at = piece.indexOf('\n'); at !== -1; at = piece.indexOf('\n', at + 1)) {
      lines++;
      if (onLine) {
        onLine(from === 0 && carry !== '' ? carry + piece.slice(0, at) : piece.slice(from, at));
        carry = '';
      }
      from = at + 1;
    }
    if (onLine) carry += piece.slice(from);
    if (again === undefined) held.push(piece);
  }
  if (onLine && carry !== '') onLine(carry);
  const pieces = again ? readAgain(file!.file, again(), before!, stamp.copy().digest('hex')) : letGo(held);
  stamp.update('\u0000');
  return {
    pieces,
    lines: lines + 1,
  };
}

/**
 * A file's text read again, refused if `hash` (a hash before the text) taken on with it does not come to
 * `digest`: the file changed.
 */
function* readAgain(file: string, pieces: Iterable<string>, hash: Hash, digest: string): Generator<string> {
  for (const piece of pieces) {
    hash.update(piece);
    yield piece;
  }
  if (hash.digest('hex') !== digest)
    throw new OrgshiftError('invalid_input', `${file} changed while it was imported; nothing imported`);
}

/**
 * The people file's lines as it is hashed, for the lean way: each person numbered in the order first
 * seen, whether some person's rows are apart (the file is then read grouped by person:
 * `groupedByPerson`), and the manager_ids named (their rows are kept).
 */
class PeopleScan {
  readonly managers = new Set<string>();
  readonly people = new IdOrdinals();
  apart = false;
  idField = -1;
  private managerField = -1;
  private header = true;
  private last = '';

  line = (line: string): void => {
    // A blank line is no row (nor the header), as `SimpleCsv` reads it.
    if (line === '' || line === '\r') return;
    if (this.header) {
      this.header = false;
      const names = line.split(',').map(columnName);
      this.idField = names.indexOf('person_id');
      this.managerField = names.indexOf('manager_id');
      return;
    }
    // Without them the rows are read no further: reading them says what is wrong.
    if (this.idField === -1 || this.managerField === -1) return;
    const id = fieldOf(line, this.idField);
    if (id !== this.last) {
      this.people.ordinal(id);
      if (this.people.known) this.apart = true;
      this.last = id;
    }
    const manager = fieldOf(line, this.managerField);
    if (manager !== '' && !this.managers.has(manager)) this.managers.add(own(manager));
  };
}

/** People a group of `groupedByPerson` holds. */
const GROUP_PEOPLE = 4096;

/**
 * The people file (its header, then its rows) with each person's rows together, in the order each
 * person first comes in the file (the order the changes are made in): the rows go to the spool in
 * groups of `GROUP_PEOPLE` people by their numbers (`PeopleScan`), and each group is read back and
 * put in order, one at a time.
 */
function* groupedByPerson(pieces: Iterator<string>, scan: PeopleScan, spool: Spool): Generator<string> {
  let header: string | null = null;
  let carry = '';
  let groups = 0;
  const take = (line: string) => {
    if (line === '' || line === '\r') return;
    if (header === null) {
      header = line;
      return;
    }
    const ordinal = scan.people.ordinal(fieldOf(line, scan.idField), false);
    // Someone the first reading did not number: the file changed, which reading it through (before
    // any group is given) refuses.
    if (ordinal === -1) return;
    const group = Math.floor(ordinal / GROUP_PEOPLE);
    groups = Math.max(groups, group + 1);
    spool.append(`people/${group}`, `${line}\n`);
  };
  for (let next = pieces.next(); next.done !== true; next = pieces.next()) {
    const text = carry + next.value;
    let from = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
      take(text.slice(from, at));
      from = at + 1;
    }
    carry = text.slice(from);
  }
  take(carry);
  if (header === null) return;
  yield `${header}\n`;
  for (let group = 0; group < groups; group++) {
    const lines = [...spool.read(`people/${group}`)].join('').split('\n');
    lines.pop();
    const keyed = lines.map((line) => {
      const id = fieldOf(line, scan.idField);
      return { line, id, ordinal: scan.people.ordinal(id, false) };
    });
    // In order of the people's numbers, each person's rows in the file's order (the sort is stable);
    // two ids of one number (one hash) each together.
    keyed.sort((a, b) => a.ordinal - b.ordinal || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    yield `${keyed.map((k) => k.line).join('\n')}\n`;
  }
}

/** A row's field `n` (trimmed; '' past its end). */
function fieldOf(line: string, n: number): string {
  let start = 0;
  for (let f = 0; f < n; f++) {
    const comma = line.indexOf(',', start);
    if (comma === -1) return '';
    start = comma + 1;
  }
  const end = line.indexOf(',', start);
  return line.slice(start, end === -1 ? line.length : end).trim();
}

/** Each piece, let go of as it is given. */
function* letGo(pieces: string[]): Generator<string> {
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    pieces[i] = '';
    yield piece;
  }
}

/**
 * The same text in a string of its own: a slice of a piece of a file keeps the whole piece (8 MB) from
 * being collected while it lives.
 */
function own(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

/** Gives back one string for equal texts of a column with few values (dates, levels, titles, types). */
function interning(): (text: string) => string {
  const known = new Map<string, string>();
  let last = '';
  return (text) => {
    if (text === last) return last;
    let found = known.get(text);
    if (found === undefined) {
      if (known.size > 100_000) known.clear();
      found = own(text);
      known.set(found, found);
    }
    last = found;
    return found;
  };
}

/**
 * The import of `input` made straight from its files, or why it is not sure (then nothing of it is
 * kept, and `readImport` reads the files the usual way). Given a spool, the lean way: the people file
 * is read as the facts are walked (`DirectImport.facts`); without, every file is read through here.
 */
export function readDirect(
  input: ImportInput,
  onProgress?: (progress: ImportProgress) => void,
  options: { spool?: Spool } = {},
): DirectResult {
  try {
    return { ok: true, imported: direct(input, onProgress, options.spool) };
  } catch (error) {
    if (error instanceof NotSure) return { ok: false, reason: error.message };
    throw error;
  }
}

function direct(
  input: ImportInput,
  onProgress: ((progress: ImportProgress) => void) | undefined,
  spool: Spool | undefined,
): DirectImport {
  // The lean way: each person's rows, once read, give their facts, and their changes' lines and
  // reporting lines go to the spool; only the rows of the posts' holders and of the managers a
  // manager_id names stay (for the checks of the posts and of the lines to them).
  const lean = spool !== undefined;
  if (input.root !== undefined) throw new NotSure('a root to create');
  if (input.lineage !== undefined) throw new NotSure('a lineage file');
  if (!input.units || !input.people) throw new NotSure('no units or no people file');
  const inclusive = input.inclusiveEnd === true;
  // The plans' ids carry a hash of the files, as `readImport` takes it: the files are decoded first,
  // so that the facts (which name their plans) can be made as the people file is read.
  const stamp = createHash('sha1');
  const sizeOf = (f: CsvInput | undefined) => (f === undefined ? 0 : 'text' in f ? f.text.length : f.size);
  const total = sizeOf(input.units) + sizeOf(input.people) + sizeOf(input.posts);
  // The reading is told as `readImport` tells it, file by file, units and posts first; the people file,
  // when read as the facts are stored, is told as their writing is.
  let done = 0;
  const told = (stage: string, more = 0) => {
    done += more;
    onProgress?.({ stage, done, total });
  };
  told(`reading ${input.units.file}`);
  const unitText = piecesOf(input.units, stamp);
  const scan = lean ? new PeopleScan() : null;
  const peopleText = piecesOf(input.people, stamp, !lean, scan?.line);
  // Some person's rows apart: the lean way reads the people grouped by person.
  const peoplePieces = scan?.apart ? groupedByPerson(peopleText.pieces, scan, spool!) : peopleText.pieces;
  const postText = piecesOf(input.posts, stamp);
  stamp.update('');
  if (inclusive) stamp.update('\u0000inclusive-end');
  const filesHash = stamp.digest('hex').slice(0, 8);
  const files = [input.units?.file, input.people?.file, input.posts?.file].filter(Boolean).join(', ');
  const provenance = new Map<Day, Provenance>();
  const provOf = (day: Day): Provenance => {
    let prov = provenance.get(day);
    if (prov === undefined) {
      prov = { plan: importPlanName(filesHash, files, day).id, inferred: false };
      provenance.set(day, prov);
    }
    return prov;
  };

  // ---- days ------------------------------------------------------------------------------
  const days = new Map<string, Day | null>();
  const dayOf = (text: string): Day => {
    let day = days.get(text);
    if (day === undefined) {
      day = parseDay(text);
      days.set(text, day);
    }
    if (day === null) throw new NotSure('a date that is not a calendar day');
    return day;
  };
  const startOf = (text: string): Day => {
    const day = dayOf(text);
    if (day === LAST_DAY) throw new NotSure('a period from the last day there is');
    return day;
  };
  const ends = new Map<string, Day | null>();
  /** `valid_to` as the first day the period is no longer true, null while it is. */
  const endOf = (text: string, from: Day): Day | null => {
    if (text === '') return null;
    let end = ends.get(text);
    if (end === undefined) {
      const given = dayOf(text);
      end = given === LAST_DAY ? null : inclusive ? addDays(given, 1) : given;
      ends.set(text, end);
    }
    if (end !== null && end <= from) throw new NotSure('a period that ends before it starts');
    return end;
  };

  // ---- units -----------------------------------------------------------------------------
  const unitId: string[] = [];
  const unitName: string[] = [];
  const unitType: string[] = [];
  const unitParentId: string[] = [];
  const unitFrom: Day[] = [];
  const unitIndex = new Map<string, number>();
  const type = interning();
  const parentText = interning();
  const unitCsv = new SimpleCsv(
    input.units.file,
    unitText.pieces,
    ['unit_id', 'name', 'type', 'parent_id', 'valid_from', 'valid_to'],
    ['unit_id', 'name', 'type', 'parent_id', 'valid_from', 'valid_to', 'status', 'other_parent_ids'],
    (c) => {
      const id = c[0]!;
      if (id === '' || c[1] === '' || c[2] === '') throw new NotSure('a unit row with an empty cell');
      if (c[6] !== '' || c[7] !== '') throw new NotSure('a status or further parents');
      const from = startOf(c[4]!);
      if (endOf(c[5]!, from) !== null) throw new NotSure('a unit that ends');
      if (unitIndex.has(id)) throw new NotSure('a unit with several periods');
      unitIndex.set(id, unitId.length);
      unitId.push(id);
      unitName.push(c[1]!);
      unitType.push(type(c[2]!));
      unitParentId.push(parentText(c[3]!));
      unitFrom.push(from);
    },
  );
  unitCsv.readAll();
  told(`read ${input.units.file}: ${unitCsv.rows} rows`, sizeOf(input.units));
  const units = unitId.length;
  if (units === 0) throw new NotSure('no units');
  const unitParent = new Int32Array(units);
  let roots = 0;
  for (let u = 0; u < units; u++) {
    const parent = unitParentId[u]!;
    if (parent === '') {
      unitParent[u] = -1;
      roots++;
      continue;
    }
    const p = unitIndex.get(parent);
    if (p === undefined) throw new NotSure('a parent not in the units file');
    if (unitFrom[p]! > unitFrom[u]!) throw new NotSure('a unit before its parent');
    unitParent[u] = p;
  }
  if (roots !== 1) throw new NotSure('not one root');
  // How deep each unit is (the root 1), as the order of a day's creations.
  const depth = new Int32Array(units);
  const path: number[] = [];
  for (let u = 0; u < units; u++) {
    let at = u;
    while (at !== -1 && depth[at] === 0) {
      path.push(at);
      if (path.length > units) throw new NotSure('a cycle of units');
      at = unitParent[at]!;
    }
    let d = at === -1 ? 0 : depth[at]!;
    while (path.length > 0) depth[path.pop()!] = ++d;
  }
  for (let u = 0; u < units; u++) if (depth[u]! >= 1000) throw new NotSure('a tree too deep');
  const siblings = new Set<string>();
  for (let u = 0; u < units; u++) {
    if (unitParent[u] === -1) continue;
    const key = `${unitParent[u]}\u0000${nameKey(unitName[u]!)}`;
    if (siblings.has(key)) throw new NotSure('two sibling units of one name');
    siblings.add(key);
  }
  siblings.clear();
  const unitOfId = (id: string, from: Day): number => {
    const u = unitIndex.get(id);
    if (u === undefined) throw new NotSure('a unit not in the units file');
    if (unitFrom[u]! > from) throw new NotSure('a unit not there yet');
    return u;
  };

  // ---- posts (read before the people: each manager_id is checked against them as it is read) ----
  const postHolderId: string[] = [];
  const postUnit = new IntList();
  const postName: string[] = [];
  const postFrom: Day[] = [];
  const postTo: Array<Day | null> = [];
  const posts = new Chains();
  /** Each post's unit and whether it is the head. */
  const seatUnit = new IntList();
  const seatHead: boolean[] = [];
  const postWords = interning();
  if (input.posts) {
    told(`reading ${input.posts.file}`);
    const postCsv = new SimpleCsv(
      input.posts.file,
      postText.pieces,
      ['person_id', 'unit_id', 'post', 'valid_from', 'valid_to'],
      ['person_id', 'unit_id', 'post', 'valid_from', 'valid_to'],
      (c) => {
        if (c[0] === '' || c[1] === '' || c[2] === '') throw new NotSure('a post row with an empty cell');
        const from = startOf(c[3]!);
        const to = endOf(c[4]!, from);
        const unit = unitOfId(c[1]!, from);
        const post = postWords(c[2]!);
        const key = nameKey(normalizePost(post));
        const row = postName.length;
        const seat = posts.add(`${c[1]}\u0000${key}`, row);
        if (seat === seatUnit.length) {
          seatUnit.push(unit);
          seatHead.push(key === HEAD_KEY);
        }
        postHolderId.push(c[0]!);
        postUnit.push(unit);
        postName.push(post);
        postFrom.push(from);
        postTo.push(to);
      },
    );
    postCsv.readAll();
    told(`read ${input.posts.file}: ${postCsv.rows} rows`, sizeOf(input.posts));
  }
  posts.sort(postFrom);
  const noGapsIn = (chains: Chains, record: number, from: Day[], to: Array<Day | null>, rows: number[]) => {
    chains.rows(record, rows);
    for (let i = 1; i < rows.length; i++) {
      const before = to[rows[i - 1]!]!;
      const start = from[rows[i]!]!;
      if (before === null || before > start) throw new NotSure('overlapping periods');
      if (!inclusive && start === addDays(before, 1)) throw new NotSure('a period of one day left out');
    }
  };
  const scratch: number[] = [];
  for (let seat = 0; seat < posts.size; seat++)
    if (posts.count.get(seat) > 1) noGapsIn(posts, seat, postFrom, postTo, scratch);
  const seats = posts.size;
  const postRows = postName.length;
  const headSeat = new Int32Array(units).fill(-1);
  for (let seat = 0; seat < seats; seat++) if (seatHead[seat]) headSeat[seatUnit.get(seat)] = seat;
  /** Who holds the unit's head post through [from, to) by one row of the posts file (their id), or null. */
  const headThrough = (unit: number, from: Day, to: Day | null): string | null => {
    const seat = headSeat[unit]!;
    if (seat === -1) return null;
    for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) {
      const end = postTo[row]!;
      if (postFrom[row]! <= from && (end === null || (to !== null && to <= end))) return postHolderId[row]!;
    }
    return null;
  };

  // ---- people, read as they are walked ----------------------------------------------------
  const rowPerson = new IntList();
  const rowName: string[] = [];
  const rowUnit = new IntList();
  const rowTitle: string[] = [];
  const rowLevel: string[] = [];
  /** The manager of a reporting line of the row's own, '' for none. */
  const rowLine: string[] = [];
  const rowFrom: Day[] = [];
  const rowTo: Array<Day | null> = [];
  const people = new Chains();
  const personId: string[] = [];
  const title = interning();
  const level = interning();
  const manager = interning();
  let lastUnitText = '';
  let lastUnit = -1;
  // The lean way keeps the rows of the posts' holders and named managers only: each other person's
  // rows are the last rows of the columns while they are read, and go once the person is complete
  // (`givePerson`).
  const keptIds = scan?.managers ?? new Set<string>();
  if (lean) for (const id of postHolderId) keptIds.add(id);
  let leanPerson = '';
  /** Where the lean way's person being read begins in the columns. */
  let leanRows = 0;
  const peopleCsv = new SimpleCsv(
    input.people.file,
    peoplePieces,
    ['person_id', 'name', 'unit_id', 'manager_id', 'title', 'level', 'valid_from', 'valid_to'],
    ['person_id', 'name', 'unit_id', 'manager_id', 'title', 'level', 'valid_from', 'valid_to'],
    (c) => {
      const id = c[0]!;
      if (id === '' || c[1] === '' || c[2] === '') throw new NotSure('a person row with an empty cell');
      const from = startOf(c[6]!);
      const to = endOf(c[7]!, from);
      if (c[2] !== lastUnitText) {
        lastUnitText = c[2]!;
        lastUnit = unitOfId(lastUnitText, from);
      } else if (unitFrom[lastUnit]! > from) throw new NotSure('a unit not there yet');
      // A manager_id the organization gives anyway (`readImport`'s `derivedManager`: the head of the
      // unit; for its head, the head above) is no line; another is a reporting line of its own.
      const named = c[3]!;
      let line = '';
      if (named !== '') {
        let derived = headThrough(lastUnit, from, to);
        if (derived === id) {
          const parent = unitParent[lastUnit]!;
          const above = parent === -1 ? null : headThrough(parent, from, to);
          derived = above === id ? null : above;
        }
        if (derived !== named) line = named;
        if (line === id) throw new NotSure('a line to oneself');
      }
      if (lean && id !== leanPerson) {
        // (Each person's rows come together: as the file has them, or grouped by `groupedByPerson`.)
        if (leanPerson !== '') givePerson();
        leanPerson = id;
        leanRows = rowName.length;
      }
      const row = rowName.length;
      const person = people.add(id, row);
      if (person === personId.length) personId.push(id);
      rowPerson.push(person);
      rowName.push(c[1]!);
      rowUnit.push(lastUnit);
      rowTitle.push(title(c[4]!));
      rowLine.push(manager(line));
      rowLevel.push(level(c[5]!));
      rowFrom.push(from);
      rowTo.push(to);
    },
  );
  told(`reading ${input.people.file}`);
  let peopleRead = false;
  /** Reads the next lines of the people file; the lean way gives the last person once it ends. */
  const stepPeople = () => {
    if (peopleRead) return;
    peopleRead = !peopleCsv.step();
    if (peopleRead && leanPerson !== '') {
      givePerson();
      leanPerson = '';
    }
  };
  // The lean way's people as they are given, and what it counts of them.
  const ready: Array<PersonRecord | undefined> = [];
  let leanPersonVersions = 0;
  let leanLineVersions = 0;
  /** The lean way's changes of each day, counted (the plan's head says how many). */
  const leanDays = new Map<Day, number>();
  const spoolStep = (day: Day, kind: number, line: string) => {
    spool!.append(`${day}/${kind}`, line);
    leanDays.set(day, (leanDays.get(day) ?? 0) + 1);
  };
  /**
   * The lean way's person read last (the last record and rows) is complete: given to the walk, their
   * changes' lines and reporting lines spooled and checked (or, to managers read later, spooled to be
   * checked); their rows then go unless they hold a post.
   */
  const givePerson = () => {
    const person = people.size - 1;
    if (people.count.get(person) > 1) {
      people.sortRecord(person, rowFrom);
      noGapsIn(people, person, rowFrom, rowTo, scratch);
    }
    ready.push(recordOf(person));
    const line = peopleLines();
    leanPersonVersions += stepsOf(person, (day, kind, row) => spoolStep(day, kind, line(kind, row)));
    leanLineVersions += linesCheckedOf(person);
    for (const l of linesOf(person))
      spool!.append('lines', `${l.person},${l.manager},${l.from},${l.to ?? ''}\n`);
    const id = personId[person]!;
    if (keptIds.has(id)) {
      // Kept to the end: their texts their own rather than slices of the file's pieces.
      const owned = own(id);
      personId[person] = owned;
      people.index.delete(id);
      people.index.set(owned, person);
      for (let row = leanRows; row < rowName.length; row++) rowName[row] = own(rowName[row]!);
      return;
    }
    people.pop(id, leanRows);
    personId.length = person;
    rowPerson.length = leanRows;
    rowName.length = leanRows;
    rowUnit.length = leanRows;
    rowTitle.length = leanRows;
    rowLevel.length = leanRows;
    rowLine.length = leanRows;
    rowFrom.length = leanRows;
    rowTo.length = leanRows;
  };

  // ---- once the files are read through --------------------------------------------------
  let checked: Checked | null = null;
  /** `quiet`: the facts are being stored, and tell how far that has got. */
  const finish = (quiet = false): Checked => {
    if (checked) return checked;
    while (!peopleRead) stepPeople();
    // Read through: each person's rows in order, and checked (no overlaps). The lean way did so as
    // each person was given.
    if (!lean)
      for (let person = 0; person < people.size; person++) {
        if (people.count.get(person) === 1) continue;
        people.sortRecord(person, rowFrom);
        noGapsIn(people, person, rowFrom, rowTo, scratch);
      }
    if (!quiet) told(`read ${input.people!.file}: ${peopleCsv.rows} rows`, sizeOf(input.people));
    checked = check();
    const { changes } = checked;
    const plans = checked.planDays.length;
    if (!quiet) told(`checking ${plans} plan${plans === 1 ? '' : 's'}: ${changes} of ${changes} changes`);
    return checked;
  };

  interface Checked {
    concurrent: Uint8Array;
    postHolder: Int32Array;
    planDays: DirectDay[];
    changes: number;
    /** The units in the order they are created. */
    createOrder: Int32Array;
    personVersions: number;
    postVersions: number;
    lineVersions: number;
    read: number;
  }

  /** Whether the person is in the organization through [from, to) (`firstDayOutside` finds no day). */
  function presentThrough(person: number, from: Day, to: Day | null): boolean {
    let at = from;
    for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
      const end = rowTo[row]!;
      if (end !== null && end <= at) continue;
      if (rowFrom[row]! > at) return false;
      if (end === null) return true;
      at = end;
      if (to !== null && at >= to) return true;
    }
    return false;
  }

  // Each reporting line of a row's own: to someone the people file has in the organization through
  // the row (`readImport` refuses it otherwise), and from higher up than the person on every day of
  // it. Higher up: in a shallower unit, or the head of the same unit (`rank`). A manager the
  // organization gives is always higher up (a unit's head is in it, the head above in a shallower
  // one), so with every line going up too no reporting goes round. Another line may not go round
  // either; the usual way decides.
  /** Whether the person holds the unit's head post on some day of [from, to). */
  function headsSometime(person: number, unit: number, from: Day, to: Day | null): boolean {
    const seat = headSeat[unit]!;
    if (seat === -1) return false;
    const id = personId[person]!;
    for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) {
      const end = postTo[row]!;
      if (postHolderId[row] === id && postFrom[row]! < (to ?? LAST_DAY) && from < (end ?? LAST_DAY))
        return true;
    }
    return false;
  }

  /** How high up: twice the depth of the unit, less one for its head (lower is higher up). */
  function rank(unit: number, head: boolean): number {
    return 2 * depth[unit]! + (head ? 0 : 1);
  }

  /**
   * Checks the person's reporting lines of their own; how many versions they make. The lean way
   * spools a line to a holder read later, to be checked at the end (`lineGoesUp`).
   */
  function linesCheckedOf(person: number): number {
    let versions = 0;
    let before = -1;
    for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
      const named = rowLine[row]!;
      const from = rowFrom[row]!;
      const to = rowTo[row]!;
      const consecutive = before !== -1 && rowTo[before] === from;
      if (named !== '' && !(consecutive && rowLine[before] === named)) versions++;
      before = row;
      if (named === '') continue;
      const manager = people.index.get(named);
      const unit = rowUnit.get(row);
      if (manager === undefined) {
        if (!lean) throw new NotSure('a manager not in the people file');
        if (!keptIds.has(named))
          throw new Error(`manager_id ${named} was not gathered as the file was hashed`);
        spool!.append(
          'checks',
          `${named},${from},${to ?? ''},${rank(unit, headsSometime(person, unit, from, to))}\n`,
        );
        continue;
      }
      lineGoesUp(manager, named, from, to, rank(unit, headsSometime(person, unit, from, to)));
    }
    return versions;
  }

  /** A line to `manager` (id `named`) through [from, to) from someone of rank `lowest` goes up. */
  function lineGoesUp(manager: number, named: string, from: Day, to: Day | null, lowest: number): void {
    if (!presentThrough(manager, from, to))
      throw new NotSure('a manager not in the organization through the row');
    for (let m = people.first.get(manager); m !== -1; m = people.next.get(m)) {
      const start = rowFrom[m]! > from ? rowFrom[m]! : from;
      const mTo = rowTo[m]!;
      const end = mTo === null ? to : to === null || mTo < to ? mTo : to;
      if (end !== null && end <= start) continue;
      const theirs = rowUnit.get(m);
      if (rank(theirs, headThrough(theirs, start, end) === named) >= lowest)
        throw new NotSure('a reporting line that may not go up');
    }
  }

  /** The person's changes, each as its day, kind and row (`emit`); how many versions they make. */
  function stepsOf(person: number, emit: (day: Day, kind: number, row: number) => void): number {
    let versions = 0;
    let before = -1;
    for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
      const from = rowFrom[row]!;
      if (before === -1 || rowTo[before] !== from) {
        emit(from, HIRE, row);
        versions++;
      } else {
        const moved = rowUnit.get(before) !== rowUnit.get(row);
        const renamed = rowName[before] !== rowName[row];
        const promoted = rowLevel[before] !== rowLevel[row] || rowTitle[before] !== rowTitle[row];
        if (moved) emit(from, TRANSFER, row);
        if (renamed) emit(from, RENAME, row);
        if (promoted) emit(from, PROMOTE, row);
        if (moved || renamed || promoted) versions++;
      }
      const consecutive = before !== -1 && rowTo[before] === from;
      if (rowLine[row] !== (consecutive ? rowLine[before] : '')) emit(from, REPORT, row);
      const to = rowTo[row]!;
      const next = people.next.get(row);
      if (to !== null && (next === -1 || rowFrom[next] !== to)) emit(to, LEAVE, row);
      before = row;
    }
    return versions;
  }

  /** The change lines of people (the lean way's, as each person is given). */
  let peopleLineWriter: ((kind: number, row: number) => string) | null = null;
  function peopleLines(): (kind: number, row: number) => string {
    peopleLineWriter ??= lineWriter(null, null);
    return peopleLineWriter;
  }

  /** A dated plan whose text is its head (`count` changes) and then `body`. */
  function planDay(day: Day, count: number, body: () => Generator<string>): DirectDay {
    const { id, title: planTitle } = importPlanName(filesHash, files, day);
    return {
      plan: {
        id,
        title: planTitle,
        effective: day,
        announcedBy: null,
        sources: [],
        file: `${id}.yaml`,
        location: { file: input.units!.file, line: 1, col: 1 },
        snapshot: true,
      },
      *pieces() {
        yield planHeadText(id, planTitle, day, count);
        yield* body();
      },
      source() {
        return [...this.pieces()].join('');
      },
    };
  }

  function check(): Checked {
    // Each post's holder, by id.
    const postHolder = new Int32Array(postRows);
    for (let row = 0; row < postRows; row++) {
      const holder = people.index.get(postHolderId[row]!);
      if (holder === undefined) throw new NotSure('a holder not in the people file');
      postHolder[row] = holder;
    }
    const heldFirst = new Int32Array(people.size).fill(-1);
    const heldNext = new Int32Array(postRows).fill(-1);
    for (let row = postRows - 1; row >= 0; row--) {
      const holder = postHolder[row]!;
      heldNext[row] = heldFirst[holder]!;
      heldFirst[holder] = row;
    }
    const seatOf = new Int32Array(postRows);
    for (let seat = 0; seat < seats; seat++)
      for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) seatOf[row] = seat;
    /** The person's row that holds `day`, or -1. */
    const rowOn = (person: number, day: Day): number => {
      for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
        if (rowFrom[row]! > day) return -1;
        const to = rowTo[row]!;
        if (to === null || day < to) return row;
      }
      return -1;
    };
    /** Whether the person moves on `day` out of `unit` to another unit (`readImport`'s `movesOutOf`). */
    const movesOutOf = (person: number, day: Day, unit: number): boolean => {
      let before = -1;
      for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
        if (rowFrom[row] === day)
          return (
            before !== -1 &&
            rowTo[before] === day &&
            rowUnit.get(before) === unit &&
            rowUnit.get(row) !== unit
          );
        before = row;
      }
      return false;
    };

    // Each post's appointment: concurrent when the holder's unit is another, or they keep another post
    // that day (`readImport`). Sure only when the holder stays in the post's unit through the post (or
    // is never in it), so that no transfer vacates it and no appointment is made again; a head post
    // held from another unit is not sure (its reporting could go round).
    const concurrent = new Uint8Array(postRows);
    for (let row = 0; row < postRows; row++) {
      const holder = postHolder[row]!;
      const unit = postUnit.get(row);
      const from = postFrom[row]!;
      const to = postTo[row]!;
      if (!presentThrough(holder, from, to))
        throw new NotSure('a holder not in the organization through the post');
      const own = rowUnit.get(rowOn(holder, from)) === unit;
      for (let p = people.first.get(holder); p !== -1; p = people.next.get(p)) {
        const end = rowTo[p]!;
        const overlaps = rowFrom[p]! < (to ?? LAST_DAY) && from < (end ?? LAST_DAY);
        if (overlaps && (rowUnit.get(p) === unit) !== own)
          throw new NotSure("a holder who moves into or out of the post's unit");
      }
      if (seatHead[seatOf[row]!] && !own) throw new NotSure('a head post held from another unit');
      let keepsAnother = false;
      for (let q = heldFirst[holder]!; q !== -1 && !keepsAnother; q = heldNext[q]!) {
        if (q === row) continue;
        const qFrom = postFrom[q]!;
        const qTo = postTo[q]!;
        keepsAnother =
          qFrom <= from &&
          (qTo === null || qTo > from) &&
          !(qFrom < from && movesOutOf(holder, from, postUnit.get(q)));
      }
      concurrent[row] = !own || keepsAnother ? 1 : 0;
    }
    for (let seat = 0; seat < seats; seat++) {
      for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) {
        const next = posts.next.get(row);
        if (
          next !== -1 &&
          postTo[row] === postFrom[next] &&
          postHolder[row] === postHolder[next] &&
          concurrent[row] === concurrent[next]
        )
          throw new NotSure('a post held again by its holder');
      }
    }

    let lineVersions = leanLineVersions;
    if (lean) {
      // The lines to holders read after the person, now that every holder's rows are read.
      for (const text of spool!.read('checks')) {
        for (const line of text.split('\n')) {
          if (line === '') continue;
          const [named, from, to, lowest] = line.split(',') as [string, Day, string, string];
          const manager = people.index.get(named);
          if (manager === undefined) throw new NotSure('a manager not in the people file');
          lineGoesUp(manager, named, from, to === '' ? null : to, Number(lowest));
        }
      }
    } else for (let person = 0; person < people.size; person++) lineVersions += linesCheckedOf(person);

    // ---- the changes, day by day ---------------------------------------------------------
    // Each change as its day, its kind (in the order a day's changes are made: `readImport`'s orders)
    // and the row it is made of; within a kind, in the order `readImport` adds them (the units by
    // depth).
    const createOrder = Int32Array.from({ length: units }, (_, u) => u).sort((a, b) => {
      const day = unitFrom[a]! < unitFrom[b]! ? -1 : unitFrom[a]! > unitFrom[b]! ? 1 : 0;
      return day || depth[a]! - depth[b]! || a - b;
    });
    let postVersions = 0;
    const postSteps = (emit: (day: Day, kind: number, row: number) => void) => {
      for (let seat = 0; seat < seats; seat++) {
        for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) {
          emit(postFrom[row]!, concurrent[row] ? APPOINT_CONCURRENT : APPOINT, row);
          postVersions++;
          const to = postTo[row]!;
          if (to === null) continue;
          const next = posts.next.get(row);
          const continues = next !== -1 && postFrom[next] === to;
          if (!continues && !seatHead[seat]) postVersions++;
          const leaves = rowTo[people.last.get(postHolder[row]!)] === to;
          if (!leaves && !continues) emit(to, VACATE, row);
        }
      }
    };
    const changeLine = lineWriter(postHolder, concurrent);
    const made = { concurrent, postHolder, createOrder, read: unitCsv.rows + peopleCsv.rows + postRows };
    if (lean) {
      // The people's changes are spooled already, each day's of each kind in order: the units' and
      // the posts' go after them.
      const emit = (day: Day, kind: number, row: number) => spoolStep(day, kind, changeLine(kind, row));
      for (const u of createOrder) emit(unitFrom[u]!, CREATE, u);
      postSteps(emit);
      let changes = 0;
      const planDays = [...leanDays.keys()].sort().map((day) => {
        const count = leanDays.get(day)!;
        changes += count;
        return planDay(day, count, function* () {
          for (let kind = 0; kind < KINDS; kind++) yield* spool!.read(`${day}/${kind}`);
        });
      });
      return {
        ...made,
        planDays,
        changes,
        personVersions: leanPersonVersions,
        postVersions,
        lineVersions,
      };
    }
    const dayNumber = new Map<Day, number>();
    const dayList: Day[] = [];
    const stepDay = new IntList();
    const stepKind = new IntList();
    const stepRow = new IntList();
    const step = (day: Day, kind: number, row: number) => {
      let n = dayNumber.get(day);
      if (n === undefined) {
        n = dayList.length;
        dayNumber.set(day, n);
        dayList.push(day);
      }
      stepDay.push(n);
      stepKind.push(kind);
      stepRow.push(row);
    };
    for (let u = 0; u < units; u++) step(unitFrom[u]!, CREATE, u);
    let personVersions = 0;
    for (let person = 0; person < people.size; person++) personVersions += stepsOf(person, step);
    postSteps(step);

    // The steps in order: by day, by kind, and in the order they were added (creations by depth first).
    const dayRank = new Int32Array(dayList.length);
    const sortedDays = dayList.map((day, n) => ({ day, n })).sort((a, b) => (a.day < b.day ? -1 : 1));
    sortedDays.forEach(({ n }, rank) => {
      dayRank[n] = rank;
    });
    const steps = stepDay.length;
    const buckets = new Int32Array(sortedDays.length * KINDS + 1);
    for (let s = 0; s < steps; s++) buckets[dayRank[stepDay.get(s)]! * KINDS + stepKind.get(s) + 1]! += 1;
    for (let b = 1; b < buckets.length; b++) buckets[b]! += buckets[b - 1]!;
    const order = new Int32Array(steps);
    const placed = buckets.slice();
    for (let s = 0; s < steps; s++) order[placed[dayRank[stepDay.get(s)]! * KINDS + stepKind.get(s)]!++] = s;
    for (let rank = 0; rank < sortedDays.length; rank++) {
      const start = buckets[rank * KINDS]!;
      const end = buckets[rank * KINDS + 1]!;
      const creates = Array.from(order.subarray(start, end));
      creates.sort((a, b) => depth[stepRow.get(a)]! - depth[stepRow.get(b)]! || a - b);
      order.set(creates, start);
    }
    const planDays = sortedDays.map(({ day }, rank): DirectDay => {
      const start = buckets[rank * KINDS]!;
      const end = buckets[(rank + 1) * KINDS]!;
      return planDay(day, end - start, function* () {
        let piece = '';
        for (let i = start; i < end; i++) {
          const s = order[i]!;
          piece += changeLine(stepKind.get(s), stepRow.get(s));
          if ((i - start) % 1024 === 1023) {
            // Reading a character makes the piece one flat string: the thousands of pieces it was
            // joined from go at the next collection, rather than being copied as they live on.
            piece.charCodeAt(0);
            yield piece;
            piece = '';
          }
        }
        if (piece !== '') yield piece;
      });
    });
    return { ...made, planDays, changes: steps, personVersions, postVersions, lineVersions };
  }

  /** Each change's line of a plan's text, as `planSource` writes it. */
  /** (The posts' holders and which are concurrent are known once the files are read through.) */
  function lineWriter(
    postHolder: Int32Array | null,
    concurrent: Uint8Array | null,
  ): (kind: number, row: number) => string {
    const text = jsonText;
    const ref = (id: string) => text(`#${id}`);
    // Units are named in most changes: each one's reference written once.
    const unitRef = unitId.map(ref);
    /** The person's row before `row` (a promotion's: one exists). */
    const previousRow = (row: number): number => {
      let before = -1;
      for (let r = people.first.get(rowPerson.get(row)); r !== row; r = people.next.get(r)) before = r;
      return before;
    };
    return (kind, row) => {
      switch (kind) {
        case CREATE: {
          const parent = unitParent[row]!;
          return `  - {"create":{"unit":${text(unitName[row]!)},"type":${text(unitType[row]!)},${
            parent === -1 ? '' : `"parent":${unitRef[parent]!},`
          }"id":${text(unitId[row]!)}}}\n`;
        }
        case HIRE: {
          const l = rowLevel[row]!;
          const t = rowTitle[row]!;
          return `  - {"hire":{"person":${text(rowName[row]!)},"unit":${unitRef[rowUnit.get(row)]!},"id":${text(
            personId[rowPerson.get(row)]!,
          )}${l === '' ? '' : `,"level":${text(l)}`}${t === '' ? '' : `,"title":${text(t)}`}}}\n`;
        }
        case TRANSFER:
          return `  - {"transfer":{"person":${ref(personId[rowPerson.get(row)]!)},"to":${unitRef[rowUnit.get(row)]!}}}\n`;
        case RENAME:
          return `  - {"rename":{"person":${ref(personId[rowPerson.get(row)]!)},"to":${text(rowName[row]!)}}}\n`;
        case PROMOTE: {
          const before = previousRow(row);
          const l = rowLevel[row]!;
          const t = rowTitle[row]!;
          return `  - {"promote":{"person":${ref(personId[rowPerson.get(row)]!)}${
            rowLevel[before] === l ? '' : `,"level":${text(l)}`
          }${rowTitle[before] === t ? '' : `,"title":${text(t)}`}}}\n`;
        }
        case REPORT: {
          const person = ref(personId[rowPerson.get(row)]!);
          const to = rowLine[row]!;
          return to === ''
            ? `  - {"report":{"person":${person},"kind":"none"}}\n`
            : `  - {"report":{"person":${person},"to":${ref(to)},"kind":"solid"}}\n`;
        }
        case LEAVE:
          return `  - {"leave":{"person":${ref(personId[rowPerson.get(row)]!)}}}\n`;
        case APPOINT:
        case APPOINT_CONCURRENT:
          return `  - {"appoint":{"person":${ref(personId[postHolder![row]!]!)},"unit":${unitRef[postUnit.get(row)]!},"post":${text(postName[row]!)},"concurrent":${concurrent![row] ? 'true' : 'false'}}}\n`;
        case VACATE:
          return `  - {"vacate":{"unit":${unitRef[postUnit.get(row)]!},"post":${text(postName[row]!)}}}\n`;
        default:
          throw new Error(`no direct import step of kind ${kind}`);
      }
    };
  }

  // ---- the facts, made as they are walked ------------------------------------------------
  /** The person's record, their rows (in order) joined where nothing of the record changes. */
  function recordOf(person: number): PersonRecord {
    const versions: PersonVersion[] = [];
    let open: PersonVersion | null = null;
    let before = -1;
    for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
      const unit = unitId[rowUnit.get(row)]!;
      const same =
        open !== null &&
        rowTo[before] === rowFrom[row] &&
        open.unit === unit &&
        rowName[before] === rowName[row] &&
        rowLevel[before] === rowLevel[row] &&
        rowTitle[before] === rowTitle[row];
      if (same) open!.to = rowTo[row]!;
      else {
        const from = rowFrom[row]!;
        open = {
          from,
          to: rowTo[row]!,
          name: rowName[row]!,
          level: rowLevel[row] || null,
          title: rowTitle[row] || null,
          unit,
          prov: provOf(from),
        };
        versions.push(open);
      }
      before = row;
    }
    return { id: personId[person]!, aliases: [], unnamed: false, versions };
  }

  /** The person's reporting lines of their own, consecutive rows to one manager joined. */
  function* linesOf(person: number): Generator<ReportLineVersion> {
    let open: ReportLineVersion | null = null;
    let before = -1;
    for (let row = people.first.get(person); row !== -1; row = people.next.get(row)) {
      const named = rowLine[row]!;
      const consecutive = before !== -1 && rowTo[before] === rowFrom[row];
      if (open !== null && consecutive && rowLine[before] === named) open.to = rowTo[row]!;
      else {
        if (open !== null) yield open;
        open =
          named === ''
            ? null
            : {
                person: personId[person]!,
                manager: named,
                kind: 'solid',
                from: rowFrom[row]!,
                to: rowTo[row]!,
                prov: provOf(rowFrom[row]!),
              };
      }
      before = row;
    }
    if (open !== null) yield open;
  }

  const facts: FactStream = {
    *units(): Generator<UnitRecord> {
      for (let u = 0; u < units; u++) {
        const parent = unitParent[u]!;
        yield {
          id: unitId[u]!,
          aliases: [],
          versions: [
            {
              from: unitFrom[u]!,
              to: null,
              name: unitName[u]!,
              type: unitType[u]!,
              parent: parent === -1 ? null : unitId[parent]!,
              prov: provOf(unitFrom[u]!),
            },
          ],
        };
      }
    },
    *people(): Generator<PersonRecord> {
      if (lean) {
        let next = 0;
        for (;;) {
          while (next < ready.length) {
            const record = ready[next]!;
            ready[next++] = undefined;
            yield record;
          }
          ready.length = 0;
          next = 0;
          if (peopleRead) return;
          stepPeople();
        }
      }
      for (let person = 0; person < people.size; person++) yield recordOf(person);
    },
    *posts(): Generator<PostVersion> {
      const { concurrent, postHolder } = finish(true);
      for (let seat = 0; seat < seats; seat++) {
        const head = seatHead[seat]!;
        const unit = unitId[seatUnit.get(seat)]!;
        // A post keeps the name of its first appointment while it stands (held or vacant).
        const name = head ? HEAD_POST : normalizePost(postName[posts.first.get(seat)]!);
        for (let row = posts.first.get(seat); row !== -1; row = posts.next.get(row)) {
          const from = postFrom[row]!;
          const to = postTo[row]!;
          yield {
            unit,
            post: name,
            holder: personId[postHolder[row]!]!,
            concurrent: concurrent[row] === 1,
            from,
            to,
            prov: provOf(from),
          };
          const next = posts.next.get(row);
          if (head || to === null || (next !== -1 && postFrom[next] === to)) continue;
          yield {
            unit,
            post: name,
            holder: null,
            concurrent: false,
            from: to,
            to: next === -1 ? null : postFrom[next]!,
            prov: provOf(to),
          };
        }
      }
    },
    *lines(): Generator<ReportLineVersion> {
      finish(true);
      if (!lean) {
        for (let person = 0; person < people.size; person++) yield* linesOf(person);
        return;
      }
      for (const text of spool!.read('lines')) {
        for (const line of text.split('\n')) {
          if (line === '') continue;
          const [person, manager, from, to] = line.split(',') as [string, string, Day, string];
          yield { person, manager, kind: 'solid', from, to: to === '' ? null : to, prov: provOf(from) };
        }
      }
    },
    *events(): Generator<LineageEvent> {
      for (const u of finish(true).createOrder) {
        const id = unitId[u]!;
        yield {
          date: unitFrom[u]!,
          kind: 'create',
          unit: id,
          from: [],
          to: [id],
          fromNames: [],
          toNames: [unitName[u]!],
          prov: provOf(unitFrom[u]!),
        };
      }
    },
    get size() {
      // Until the files are read through, at most as many as there are rows.
      return {
        unitVersions: units,
        personVersions: checked ? checked.personVersions : peopleText.lines,
        posts: checked ? checked.postVersions : 2 * postText.lines,
        lines: checked ? checked.lineVersions : peopleText.lines,
        events: units,
      };
    },
  };
  if (!lean) finish();
  return {
    facts,
    expectedRows: 2 * units + peopleText.lines + 2 * postText.lines,
    get finished() {
      return checked !== null;
    },
    days: () => finish().planDays,
    read: () => finish().read,
    get peopleHeld() {
      return people.size;
    },
  };
}

// The kinds of a day's changes, in the order `readImport` makes them within a day.
const CREATE = 0;
const HIRE = 1;
const VACATE = 2;
const TRANSFER = 3;
const RENAME = 4;
const PROMOTE = 5;
const REPORT = 6;
const APPOINT = 7;
const APPOINT_CONCURRENT = 8;
const LEAVE = 9;
const KINDS = 10;
