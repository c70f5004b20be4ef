import { createHash } from 'node:crypto';
import { normalizePost } from '../core/apply.ts';
import type { Problem, SourceLocation } from '../core/errors.ts';
import { isSupersedeKind, type Operation, type Plan } from '../core/model.ts';
import { nameKey } from '../core/names.ts';
import { addDays, type Day, parseDay } from '../core/time.ts';
import { CsvReader, type CsvRow } from './csv.ts';

/**
 * A CSV file: its whole text, or its text in pieces of whole lines as it is read (`decodeUtf8Chunks`),
 * with its size in bytes for the progress: a file need never be one string.
 */
export type CsvInput =
  | { file: string; text: string }
  | {
      file: string;
      pieces: Iterable<string>;
      size: number;
      /** The same text read again from its start (a file on disk need not be held to be read twice). */
      again?: () => Iterable<string>;
    };

export interface ImportInput {
  units?: CsvInput;
  people?: CsvInput;
  posts?: CsvInput;
  /** `unit_id,successor_id,kind,date`: which units succeeded a unit that ended (kind merge, split, replace, rename). */
  lineage?: CsvInput;
  /** Parentless units go under a root of this name, created on the earliest date. */
  root?: string;
  /**
   * `valid_to` is a period's last day (SAP's ENDDA, AdventureWorks' EndDate); by default it is the first
   * day the period is no longer true (the next period's `valid_from`). Either way, empty or 9999-12-31
   * means still true.
   */
  inclusiveEnd?: boolean;
}

/** What `valid_to` says: see `ImportInput.inclusiveEnd`. */
type EndDates = 'exclusive' | 'inclusive';

/** The last day there is: as a period's end, the period is still true (as an empty `valid_to`). */
const LAST_DAY = '9999-12-31' as Day;

/** How far an import has got: characters of the files read so far, out of all of them. */
export interface ImportProgress {
  stage: string;
  done: number;
  total: number;
}

export interface ImportPlan {
  plan: Plan;
  source: string;
}

export interface ImportResult {
  plans: ImportPlan[];
  read: number;
  accepted: number;
  rejected: Problem[];
}

interface Period {
  id: string;
  from: Day;
  to: Day | null;
  where: SourceLocation;
}

interface UnitPeriod extends Period {
  name: string;
  type: string;
  parent: string;
  /** '' when the file has no status column or the cell is empty. */
  status: string;
  /** Further parents (`other_parent_ids`, `;`-separated), without the parent itself. */
  alsoUnder: string[];
}

interface PersonPeriod extends Period {
  name: string;
  unit: string;
  manager: string;
  title: string;
  level: string;
}

interface PostPeriod extends Period {
  person: string;
  unit: string;
  post: string;
}

type OpBody = Record<string, unknown>;
/** A change of an import: what its operation and its line of the plan's text are made from. */
interface Step {
  order: number;
  kind: Operation['kind'];
  body: OpBody;
  where: SourceLocation;
}

/** One dated plan of an import: its changes made when asked for, one at a time. */
export interface ImportDay {
  /** The plan; its `changes` are made anew, one at a time, each time they are walked. */
  plan: Omit<Plan, 'changes'> & { changes: Iterable<Operation> };
  /** How many changes it has. */
  size: number;
  /** The plan file's text (made when asked: an import's first plan may be a hundred megabytes). */
  source(): string;
}

/**
 * An import read and turned into dated plans, held as the changes they are made of: each plan's
 * operations and text are made when asked for (`days`), or all at once (`plans()`).
 */
export interface ImportDays {
  days: ImportDay[];
  /** Every plan with its operations and text, for applying the usual way. */
  plans(): ImportPlan[];
  /**
   * Lets go of the changes (an import's are hundreds of megabytes) once the plans have been applied
   * and their texts made: the days' changes and `plans()` are no longer there.
   */
  release(): void;
  read: number;
  accepted: number;
  rejected: Problem[];
}

const ROOT_ID = '__root__';

/**
 * Gives back the text it was last given when given an equal one: the values a column repeats row after
 * row (a title, a level, a date) are then one string, for the cost of a comparison (a Map of every
 * value cost seconds per million rows).
 */
function repeating(): (text: string) => string {
  let last = '';
  return (text) => {
    if (text !== last) last = text;
    return last;
  };
}

/** `parseDay`, the day of the row before given back when the text repeats it. */
function lastDay(): (text: string) => Day | null {
  let last = '';
  let day: Day | null = null;
  return (text) => {
    if (text !== last) {
      last = text;
      day = parseDay(text);
    }
    return day;
  };
}

/**
 * Why a row cannot be a period (its width, an empty required cell, a date, a period that ends before
 * it starts), or undefined. A plain function: a closure made for each of a million rows shows.
 */
function rowProblem(
  row: CsvRow,
  required: string[],
  from: Day | null,
  toText: string,
  to: Day | null,
  ends: EndDates,
): string | undefined {
  if (row.values.__width !== undefined)
    return `the row has ${row.values.__width} fields; the header has ${Object.keys(row.values).length - 1}`;
  const missing: string[] = [];
  for (const column of required) if ((row.values[column] ?? '') === '') missing.push(column);
  if (missing.length > 0) return `empty ${missing.join(', ')}`;
  if (from === null) return `valid_from "${row.values.valid_from}" is not a calendar day (YYYY-MM-DD)`;
  if (toText !== '' && to === null) return `valid_to "${toText}" is not a calendar day (YYYY-MM-DD)`;
  if (to !== null && to !== LAST_DAY && ends === 'exclusive' && to <= from)
    return `the period ends (${to}) before it starts (${from})`;
  if (to !== null && ends === 'inclusive' && to < from)
    return `the period's last day (${to}) is before its first (${from})`;
  return undefined;
}

/** Validates the rows every file shares: an id, dates, a period that ends after it starts, no overlaps. */
function periods<P extends Period>(
  file: string,
  /** Calls its argument with each row of the file, as the file is read. */
  eachRow: (onRow: (row: CsvRow) => void) => void,
  idColumn: string,
  required: string[],
  make: (row: CsvRow, base: Period) => P,
  rejected: Problem[],
  keyOf: (p: P) => string,
  ends: EndDates,
): Map<string, P[]> {
  const byKey = new Map<string, P[]>();
  // Each row is made a period as it is read (rows are never all held); a date repeated from the row
  // before is the same string.
  const fromDay = lastDay();
  const toDay = lastDay();
  eachRow((row) => {
    const where = { file, line: row.line, col: 1 };
    const start = fromDay(row.values.valid_from ?? '');
    const toText = row.values.valid_to ?? '';
    const given = toText === '' ? null : toDay(toText);
    const problem = rowProblem(row, required, start, toText, given, ends);
    if (problem !== undefined) {
      rejected.push({ message: problem, location: where });
      return;
    }
    const to = given === null || given === LAST_DAY ? null : ends === 'exclusive' ? given : addDays(given, 1);
    // rowProblem refuses a row without a start day.
    const from = start as Day;
    const period = make(row, { id: row.values[idColumn]!, from, to, where });
    const key = keyOf(period);
    const list = byKey.get(key);
    let overlap: P | undefined;
    for (const p of list ?? []) {
      if (p.from < (to ?? '9999-12-31') && from < (p.to ?? '9999-12-31')) {
        overlap = p;
        break;
      }
    }
    if (overlap) {
      rejected.push({
        message: `the period ${from}..${to ?? ''} overlaps the one on line ${overlap.where.line} (${overlap.from}..${overlap.to ?? ''})`,
        location: where,
      });
      return;
    }
    if (list) list.push(period);
    else byKey.set(key, [period]);
  });
  // Most records have one period: only the others are sorted (no closure made per record: a million
  // of them show). Gaps are allowed — a unit ends and comes back, a person leaves and is rehired, a post
  // stands vacant between holders — except of one day where `valid_to` is exclusive: that is what a
  // file whose `valid_to` is each period's last day looks like, so it is refused with the way out.
  for (const [key, list] of byKey) {
    if (list.length === 1) continue;
    list.sort(byStart);
    if (ends === 'inclusive') continue;
    const kept = list.filter((p, i) => {
      const before = list[i - 1];
      if (before?.to == null || p.from !== addDays(before.to, 1)) return true;
      rejected.push({
        message: `starts the day after the period before it (line ${before.where.line}) ended (${before.to}), leaving ${before.to} out: valid_to is the first day a period is no longer true. If valid_to is each period's last day, import with --inclusive-end (inclusiveEnd in the API)`,
        location: p.where,
      });
      return false;
    });
    if (kept.length !== list.length) byKey.set(key, kept);
  }
  return byKey;
}

function byStart(a: Period, b: Period): number {
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0;
}

/**
 * Turns HRIS CSV files into plans, one per date on which something changes, whose operations
 * point back at the CSV rows they come from (so every refusal names FILE:LINE). Rows that are
 * malformed are returned as rejected, with their line and reason.
 */
export function planImport(
  input: ImportInput,
  onProgress?: (progress: ImportProgress) => void,
): ImportResult {
  const { plans, read, accepted, rejected } = readImport(input, onProgress);
  return { plans: plans(), read, accepted, rejected };
}

/** `planImport`, with each plan's operations and text made only when asked for (see `ImportDays`). */
export function readImport(input: ImportInput, onProgress?: (progress: ImportProgress) => void): ImportDays {
  const rejected: Problem[] = [];
  let read = 0;
  const inputs = [input.units, input.people, input.posts, input.lineage];
  const sizeOf = (f: CsvInput | undefined) => (f === undefined ? 0 : 'text' in f ? f.text.length : f.size);
  const total = inputs.reduce((sum, f) => sum + sizeOf(f), 0);
  let done = 0;
  // The plans' ids carry a hash of the files' texts (units, people, posts, lineage, NUL between them),
  // taken as they are read.
  const stamp = createHash('sha1');
  const ends: EndDates = input.inclusiveEnd === true ? 'inclusive' : 'exclusive';
  const readRows = (
    file: CsvInput | undefined,
    required: string[],
    hash: boolean,
    onRow: (row: CsvRow) => void,
  ) => {
    if (!file) return;
    onProgress?.({ stage: `reading ${file.file}`, done, total });
    let rows = 0;
    const reader = new CsvReader(file.file, required, (row) => {
      rows += 1;
      onRow(row);
    });
    for (const piece of 'text' in file ? [file.text] : file.pieces) {
      reader.push(piece);
      if (hash) stamp.update(piece);
    }
    reader.end();
    read += rows;
    done += sizeOf(file);
    onProgress?.({ stage: `read ${file.file}: ${rows} rows`, done, total });
  };
  const readOnly = (file: CsvInput | undefined, required: string[]) => {
    const rows: CsvRow[] = [];
    readRows(file, required, false, (row) => rows.push(row));
    return rows;
  };
  const read_ = (file: CsvInput | undefined, required: string[]) => (onRow: (row: CsvRow) => void) => {
    readRows(file, required, true, onRow);
    stamp.update('\u0000');
  };
  // A value repeated from the row before (a title, a level, a type) is kept as one string.
  const repeated = {
    type: repeating(),
    parent: repeating(),
    status: repeating(),
    unit: repeating(),
    manager: repeating(),
    title: repeating(),
    level: repeating(),
    postUnit: repeating(),
    post: repeating(),
  };
  // Read before the posts but hashed after them: held as text (lineage files are small).
  const lineage: { file: string; text: string } | undefined =
    input.lineage === undefined || 'text' in input.lineage
      ? input.lineage
      : { file: input.lineage.file, text: [...input.lineage.pieces].join('') };
  // Each file's rows are read into periods and dropped: only the periods are kept.
  const units = periods<UnitPeriod>(
    input.units?.file ?? '',
    read_(input.units, ['unit_id', 'name', 'type', 'parent_id', 'valid_from', 'valid_to']),
    'unit_id',
    ['unit_id', 'name', 'type'],
    (row, base) => {
      const parent = row.values.parent_id ?? '';
      const further = (row.values.other_parent_ids ?? '')
        .split(';')
        .map((id) => id.trim())
        .filter((id, i, all) => id !== '' && id !== parent && all.indexOf(id) === i);
      return Object.assign(base, {
        name: row.values.name!,
        type: repeated.type(row.values.type!),
        parent: repeated.parent(parent),
        status: repeated.status((row.values.status ?? '').trim()),
        alsoUnder: further,
      });
    },
    rejected,
    (p) => p.id,
    ends,
  );
  const people = periods<PersonPeriod>(
    input.people?.file ?? '',
    read_(input.people, [
      'person_id',
      'name',
      'unit_id',
      'manager_id',
      'title',
      'level',
      'valid_from',
      'valid_to',
    ]),
    'person_id',
    ['person_id', 'name', 'unit_id'],
    (row, base) =>
      Object.assign(base, {
        name: row.values.name!,
        unit: repeated.unit(row.values.unit_id!),
        manager: repeated.manager(row.values.manager_id ?? ''),
        title: repeated.title(row.values.title ?? ''),
        level: repeated.level(row.values.level ?? ''),
      }),
    rejected,
    (p) => p.id,
    ends,
  );
  refuseAbsentManagers(people, rejected);
  const { successors, supersessions, succeeding } = readLineage(lineage, readOnly, units, rejected);
  onProgress?.({ stage: 'checking periods and building dated plans', done: total, total });
  const posts = periods<PostPeriod>(
    input.posts?.file ?? '',
    read_(input.posts, ['person_id', 'unit_id', 'post', 'valid_from', 'valid_to']),
    'person_id',
    ['person_id', 'unit_id', 'post'],
    (row, base) =>
      Object.assign(base, {
        person: row.values.person_id!,
        unit: repeated.postUnit(row.values.unit_id!),
        post: repeated.post(row.values.post!),
      }),
    rejected,
    // One post of a unit however its name is written ('CTO', 'cto'; 'head', 'No. 1 position'), as
    // appointments find it; a post may stand vacant between holders.
    (p) => `${p.unit}\u0000${nameKey(normalizePost(p.post))}`,
    ends,
  );
  refuseAbsentHolders(posts, people, units, rejected);

  // Each day's changes; the operation and its line of text are made from the body when asked for.
  const byDate = new Map<Day, Step[]>();
  const add = (date: Day, order: number, kind: Operation['kind'], body: OpBody, where: SourceLocation) => {
    const step = { order, kind, body, where };
    const list = byDate.get(date);
    if (list) list.push(step);
    else byDate.set(date, [step]);
  };
  const ref = (id: string) => `#${id}`;
  let earliest: Day | undefined;
  for (const records of [units, people])
    for (const list of records.values())
      for (const p of list) if (earliest === undefined || p.from < earliest) earliest = p.from;
  if (input.root !== undefined && earliest !== undefined) {
    add(
      earliest,
      0,
      'create',
      { unit: input.root, type: 'organization', id: ROOT_ID },
      { file: input.units?.file ?? '', line: 1, col: 1 },
    );
  }
  const parentRef = (parent: string) =>
    parent === '' ? (input.root !== undefined ? ref(ROOT_ID) : undefined) : ref(parent);
  // [from, to, from, to, ...] of every period that puts something in a unit (a child unit, a member,
  // a post): a unit that nothing is in on the day before it ends is dissolved before that day's other
  // changes, so that a unit created that day may take its name.
  const held = new Map<string, Array<Day | null>>();
  const hold = (unit: string, p: Period) => {
    if (unit === '') return;
    const list = held.get(unit);
    if (list) list.push(p.from, p.to);
    else held.set(unit, [p.from, p.to]);
  };
  for (const list of units.values())
    for (const p of list) {
      hold(p.parent, p);
      for (const other of p.alsoUnder) hold(other, p);
    }
  for (const list of people.values()) for (const p of list) hold(p.unit, p);
  for (const list of posts.values()) for (const p of list) hold(p.unit, p);
  const emptyBefore = (unit: string, day: Day): boolean => {
    const list = held.get(unit) ?? [];
    for (let i = 0; i < list.length; i += 2) {
      const to = list[i + 1];
      if (list[i]! < day && (to === null || to! >= day)) return false;
    }
    return true;
  };
  /**
   * How deep the unit is on `date`, by the first of each unit's periods that holds the day; `after`:
   * by the period from the day, as the unit is once the day's changes are made.
   */
  const depth = (id: string, date: Day, after = false): number => {
    let d = 0;
    const seen = new Set<string>();
    for (let current: string | undefined = id; current && !seen.has(current); d++) {
      seen.add(current);
      current = units
        .get(current)
        ?.find((x) => x.from <= date && (x.to === null || (after ? date < x.to : date <= x.to)))?.parent;
    }
    return d;
  };
  /** How many successions in a row after the unit's end on `day` end that day too. */
  const endingAfter = (id: string, day: Day, seen = new Set<string>()): number => {
    seen.add(id);
    let most = 0;
    for (const next of successors.get(id)?.ids ?? []) {
      if (seen.has(next) || units.get(next)?.at(-1)?.to !== day) continue;
      most = Math.max(most, 1 + endingAfter(next, day, seen));
    }
    seen.delete(id);
    return most;
  };
  for (const [id, list] of units) {
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      // A period that does not start where the one before ended begins a new life of the unit.
      const before = i > 0 && list[i - 1]!.to === p.from ? list[i - 1]! : undefined;
      if (!before) {
        const parent = parentRef(p.parent);
        add(
          p.from,
          1 + depth(id, p.from) / 1000,
          'create',
          parent ? { unit: p.name, type: p.type, parent, id } : { unit: p.name, type: p.type, id },
          p.where,
        );
        const body: OpBody = { unit: ref(id) };
        if (p.status !== '') body.status = p.status;
        if (p.alsoUnder.length > 0) body.also_under = p.alsoUnder.map(ref);
        if (p.status !== '' || p.alsoUnder.length > 0) add(p.from, 2.7, 'update', body, p.where);
      } else {
        if (before.parent !== p.parent)
          // Shallowest first (as they are after the day): a unit moved under one that leaves it that
          // day is moved once that one has left.
          add(
            p.from,
            2 + Math.min(depth(id, p.from, true), 400) / 1000,
            'move',
            { unit: ref(id), to: parentRef(p.parent) ?? '' },
            p.where,
          );
        if (before.name !== p.name) add(p.from, 2.5, 'rename', { unit: ref(id), to: p.name }, p.where);
        const body: OpBody = { unit: ref(id) };
        if (before.type !== p.type) body.type = p.type;
        if (before.status !== p.status) body.status = p.status;
        // A move under one of its further parents drops that one from the list (as `move` does).
        const carried = before.alsoUnder.filter((u) => u !== p.parent);
        if (carried.join(';') !== p.alsoUnder.join(';')) body.also_under = p.alsoUnder.map(ref);
        if (Object.keys(body).length > 1) add(p.from, 2.7, 'update', body, p.where);
      }
      const next = list[i + 1];
      if (p.to !== null && next?.from !== p.to) {
        const last = next === undefined;
        const succession = last ? successors.get(id) : undefined;
        const body: OpBody = succession
          ? { unit: ref(id), successors: succession.ids.map(ref) }
          : { unit: ref(id) };
        // The lineage file's kind, when not the merge (one successor) or split (several) it would be.
        if (succession && succession.kind !== (succession.ids.length > 1 ? 'split' : 'merge'))
          body.as = succession.kind;
        // With successors it waits for them: they may be created that day. Not when it succeeds
        // another unit that day: the succession names it. Deeper units first; among those waiting,
        // a unit before the successors that end that day too (merged into a unit split that day).
        const order =
          !succession && !succeeding.has(`${id}\u0000${p.to}`) && emptyBefore(id, p.to)
            ? 0.5 - depth(id, p.from) / 1000
            : 9 - Math.min(endingAfter(id, p.to), 40) / 100 - depth(id, p.from) / 100_000;
        add(p.to, order, 'dissolve', body, succession?.where ?? p.where);
      }
    }
  }
  for (const step of supersessions) add(step.date, 2.8, 'supersede', step.body, step.where);
  const headPost = nameKey(normalizePost('head'));
  const headPeriods = new Map<string, PostPeriod[]>();
  for (const [key, list] of posts)
    if (list.length > 0 && key.endsWith(`\u0000${headPost}`)) headPeriods.set(list[0]!.unit, list);
  /** Who holds the unit's head post through the whole span, by one period of the posts file; else null. */
  const headThrough = (unit: string, from: Day, to: Day | null): string | null => {
    for (const q of headPeriods.get(unit) ?? [])
      if (q.from <= from && (q.to === null || (to !== null && to <= q.to))) return q.person;
    return null;
  };
  /**
   * The manager the organization gives the person through the period without a reporting line of
   * their own (the head of their unit; for its head, the head of the unit above), where the files
   * say it plainly; else null.
   */
  const derivedManager = (person: string, p: PersonPeriod): string | null => {
    const head = headThrough(p.unit, p.from, p.to);
    if (head !== person) return head;
    const parent = units
      .get(p.unit)
      ?.find((u) => u.from <= p.from && (u.to === null || (p.to !== null && p.to <= u.to)))?.parent;
    const above = parent ? headThrough(parent, p.from, p.to) : null;
    return above === person ? null : above;
  };
  /**
   * The manager the person's own solid line names, '' for none: a manager_id the organization gives
   * anyway is not stored as a line (a line would keep them under that person after the head changes,
   * as an HR system's next export would not).
   */
  const lineTo = (person: string, p: PersonPeriod): string =>
    p.manager === '' || derivedManager(person, p) === p.manager ? '' : p.manager;
  for (const [id, list] of people) {
    let lastLine = '';
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      // After a gap the person is hired again: the same record, by id, as a rehire in a plan.
      const previous = list[i - 1]?.to === p.from ? list[i - 1] : undefined;
      if (!previous) {
        add(p.from, 3, 'hire', hireBody(p.name, ref(p.unit), id, p.level, p.title), p.where);
      } else {
        if (previous.unit !== p.unit)
          add(p.from, 4, 'transfer', { person: ref(id), to: ref(p.unit) }, p.where);
        if (previous.name !== p.name) add(p.from, 4.2, 'rename', { person: ref(id), to: p.name }, p.where);
        // '' clears a level or title.
        if (previous.level !== p.level || previous.title !== p.title) {
          const body: OpBody = { person: ref(id) };
          if (previous.level !== p.level) body.level = p.level;
          if (previous.title !== p.title) body.title = p.title;
          add(p.from, 4.5, 'promote', body, p.where);
        }
      }
      const line = lineTo(id, p);
      if (line !== (previous ? lastLine : '')) {
        if (line !== '') add(p.from, 5, 'report', { person: ref(id), to: ref(line), kind: 'solid' }, p.where);
        else add(p.from, 5, 'report', { person: ref(id), kind: 'none' }, p.where);
      }
      lastLine = line;
      if (p.to !== null && list[i + 1]?.from !== p.to) add(p.to, 8, 'leave', { person: ref(id) }, p.where);
    }
  }
  const unitOf = (person: string, date: Day) =>
    people.get(person)?.find((p) => p.from <= date && (p.to === null || date < p.to))?.unit;
  /** Whether the person moves on `date` out of `unit` to another unit (a transfer, not a leave). */
  const movesOutOf = (person: string, date: Day, unit: string) => {
    const list = people.get(person) ?? [];
    const i = list.findIndex((p) => p.from === date);
    return i > 0 && list[i - 1]!.to === date && list[i - 1]!.unit === unit && list[i]!.unit !== unit;
  };
  const postsOf = new Map<string, PostPeriod[]>();
  for (const list of posts.values())
    for (const p of list) {
      const held = postsOf.get(p.person);
      if (held) held.push(p);
      else postsOf.set(p.person, [p]);
    }
  // The engine's appointments and transfers vacate posts on their own: an appointment in the person's
  // own unit (not concurrent) vacates every other post they hold, a transfer the posts held in the
  // unit they leave. The files say when each post ends, so an import keeps what goes on: a post is
  // appointed concurrently when its holder keeps another that day, and a post its holder keeps on
  // moving out of its unit is appointed again (concurrently) once they have moved.
  const keepsAnother = (p: PostPeriod) =>
    (postsOf.get(p.person) ?? []).some(
      (q) =>
        q !== p &&
        q.from <= p.from &&
        (q.to === null || q.to > p.from) &&
        !(q.from < p.from && movesOutOf(p.person, p.from, q.unit)),
    );
  // A post that ends is vacated before that day's transfers and appointments (which would find it
  // vacant), and a day's appointments in the person's own unit come before the concurrent ones.
  for (const list of posts.values()) {
    for (const p of list) {
      const concurrent = unitOf(p.person, p.from) !== p.unit || keepsAnother(p);
      add(
        p.from,
        concurrent ? 6.5 : 6,
        'appoint',
        { person: ref(p.person), unit: ref(p.unit), post: p.post, concurrent },
        p.where,
      );
      for (const move of people.get(p.person) ?? []) {
        if (
          move.from > p.from &&
          (p.to === null || move.from < p.to) &&
          movesOutOf(p.person, move.from, p.unit)
        )
          add(
            move.from,
            6.5,
            'appoint',
            { person: ref(p.person), unit: ref(p.unit), post: p.post, concurrent: true },
            p.where,
          );
      }
      const leaves = people.get(p.person)?.at(-1)?.to === p.to;
      const continues = list.some((q) => q.from === p.to);
      if (p.to !== null && !leaves && !continues)
        add(p.to, 3.5, 'vacate', { unit: ref(p.unit), post: p.post }, p.where);
    }
  }

  // The periods are no longer needed: let them go before the plans' texts are made.
  for (const map of [units, people, posts, held]) map.clear();

  stamp.update(lineage?.text ?? '');
  // The same files read the other way are other plans.
  if (ends === 'inclusive') stamp.update('\u0000inclusive-end');
  const filesHash = stamp.digest('hex').slice(0, 8);
  const files = [input.units?.file, input.people?.file, input.posts?.file].filter(Boolean).join(', ');
  const dayChanges: Step[][] = [];
  const days = [...byDate.keys()].sort().map((date): ImportDay => {
    const ordered = byDate.get(date)!.sort((a, b) => a.order - b.order);
    dayChanges.push(ordered);
    byDate.delete(date);
    const { id, title } = importPlanName(filesHash, files, date);
    return {
      plan: {
        id,
        title,
        effective: date,
        announcedBy: null,
        sources: [],
        file: `${id}.yaml`,
        location: ordered[0]!.where,
        changes: {
          *[Symbol.iterator]() {
            for (let index = 0; index < ordered.length; index++) {
              const step = ordered[index]!;
              const op = operationOf(step.kind, step.body, step.where);
              (op as { index: number }).index = index;
              yield op;
            }
          },
        },
        snapshot: true,
      },
      size: ordered.length,
      source: () => planSource(id, title, date, ordered),
    };
  });
  let released = false;
  return {
    days,
    plans: () => {
      if (released) throw new Error("the import's changes were let go");
      return days.map((day) => ({
        plan: { ...day.plan, changes: [...day.plan.changes] },
        source: day.source(),
      }));
    },
    release: () => {
      released = true;
      for (const list of dayChanges) list.length = 0;
    },
    read,
    accepted: read - rejected.length,
    rejected,
  };
}

/**
 * The plan file's text: YAML whose values are written as JSON (YAML 1.2 reads JSON), one operation
 * per line — the YAML library's stringify cost seconds per hundred thousand operations.
 */
function planSource(id: string, title: string, effective: Day, changes: Step[]): string {
  // In pieces of some thousand lines, joined at the end: no array of millions of line strings.
  const pieces = [planHeadText(id, title, effective, changes.length)];
  let piece = '';
  for (let i = 0; i < changes.length; i++) {
    const { kind, body } = changes[i]!;
    piece += `  - {"${kind}":${JSON.stringify(body)}}\n`;
    if (i % 4096 === 4095) {
      // Made one flat string (by reading a character of it): its thousands of parts go at the next
      // collection, rather than being copied as they live on.
      piece.charCodeAt(0);
      pieces.push(piece);
      piece = '';
    }
  }
  pieces.push(piece);
  return pieces.join('');
}

/** The lines of an import plan's text before its changes (`planSource`), each change then a line `  - {"kind":{...}}`. */
export function planHeadText(id: string, title: string, effective: Day, changes: number): string {
  return `${[
    `plan: ${JSON.stringify(id)}`,
    `title: ${JSON.stringify(title)}`,
    `effective: ${effective}`,
    'snapshot: true',
    changes === 0 ? 'changes: []' : 'changes:',
  ].join('\n')}\n`;
}

/** An import plan's id and title: its files' names, a hash of their texts, its date. */
export function importPlanName(filesHash: string, files: string, date: Day): { id: string; title: string } {
  return { id: `${IMPORT_PLAN}${filesHash}-${date}`, title: `Import of ${files}: changes effective ${date}` };
}

/**
 * Refuses a row whose `manager_id` names someone the file has out of the organization on a day of the
 * row (left, or not yet hired): applied, their leave would end the line silently, and the file says
 * otherwise. A manager the file does not have at all is left to the apply (the organization may hold them).
 */
function refuseAbsentManagers(people: Map<string, PersonPeriod[]>, rejected: Problem[]): void {
  const away = (p: PersonPeriod): Day | null => {
    const spans = p.manager === '' ? undefined : people.get(p.manager);
    return spans === undefined ? null : firstDayOutside(spans, p.from, p.to);
  };
  for (const [id, list] of people) {
    // A new list only for the few people with a row refused (a million lists otherwise).
    if (!list.some((p) => away(p) !== null)) continue;
    const kept = list.filter((p) => {
      const day = away(p);
      if (day === null) return true;
      rejected.push({
        message: `manager_id "${p.manager}" is not in the organization on ${day}, within this row's period (${p.from}..${p.to ?? ''})`,
        location: p.where,
      });
      return false;
    });
    people.set(id, kept);
  }
}

/**
 * Refuses a post row whose holder the file has out of the organization, or whose unit the file has
 * not existing, on a day of the row: applied, the leave or the unit's end would end the post
 * silently, and the file says otherwise. Holders and units the files do not have are left to the apply.
 */
function refuseAbsentHolders(
  posts: Map<string, PostPeriod[]>,
  people: Map<string, PersonPeriod[]>,
  units: Map<string, UnitPeriod[]>,
  rejected: Problem[],
): void {
  for (const [key, list] of posts) {
    const kept = list.filter((p) => {
      const period = `within this row's period (${p.from}..${p.to ?? ''})`;
      const holder = people.get(p.person);
      const away = holder === undefined ? null : firstDayOutside(holder, p.from, p.to);
      if (away !== null) {
        rejected.push({
          message: `person_id "${p.person}" is not in the organization on ${away}, ${period}`,
          location: p.where,
        });
        return false;
      }
      const unit = units.get(p.unit);
      const gone = unit === undefined ? null : firstDayOutside(unit, p.from, p.to);
      if (gone !== null) {
        rejected.push({
          message: `unit_id "${p.unit}" does not exist on ${gone}, ${period}`,
          location: p.where,
        });
        return false;
      }
      return true;
    });
    if (kept.length !== list.length) posts.set(key, kept);
  }
}

/** The first day of [from, to) that none of `spans` (sorted by start) covers, or null. */
function firstDayOutside(spans: readonly Period[], from: Day, to: Day | null): Day | null {
  let at: Day = from;
  for (const span of spans) {
    if (span.to !== null && span.to <= at) continue;
    if (span.from > at) return at;
    if (span.to === null) return null;
    at = span.to;
    if (to !== null && at >= to) return null;
  }
  return at;
}

/** The lineage rows, checked against the units' periods: successors of each unit that ends. */
function readLineage(
  file: CsvInput | undefined,
  read: (file: CsvInput | undefined, required: string[]) => CsvRow[],
  units: Map<string, UnitPeriod[]>,
  rejected: Problem[],
): {
  successors: Map<string, { ids: string[]; kind: string; where: SourceLocation }>;
  supersessions: Array<{ date: Day; body: OpBody; where: SourceLocation }>;
  /** `${successor}\u0000${date}` of every row: units that succeed another on that day. */
  succeeding: Set<string>;
} {
  const successors = new Map<string, { ids: string[]; kind: string; where: SourceLocation }>();
  const byUnitAndDate = new Map<string, { date: Day; body: OpBody; where: SourceLocation }>();
  const succeeding = new Set<string>();
  if (!file) return { successors, supersessions: [], succeeding };
  /** A succession recorded alone (`supersede`): the unit stays, or ends later that day. */
  const supersession = (unit: string, successor: string, kind: string, day: Day, where: SourceLocation) => {
    const key = `${unit}\u0000${day}\u0000${kind}`;
    const entry = byUnitAndDate.get(key) ?? {
      date: day,
      body: { unit: `#${unit}`, by: [], as: kind },
      where,
    };
    const by = entry.body.by as string[];
    if (!by.includes(`#${successor}`)) by.push(`#${successor}`);
    byUnitAndDate.set(key, entry);
  };
  for (const row of read(file, ['unit_id', 'successor_id', 'kind', 'date'])) {
    const where = { file: file.file, line: row.line, col: 1 };
    const reject = (message: string) => rejected.push({ message, location: where });
    const { unit_id: unit = '', successor_id: successor = '', kind = '', date = '' } = row.values;
    const ended = units.get(unit)?.at(-1)?.to;
    const day = parseDay(date);
    if (!isSupersedeKind(kind)) reject(`kind must be merge, split, replace or rename, found "${kind}"`);
    else if (day === null) reject(`date "${date}" is not a calendar day (YYYY-MM-DD)`);
    else if (!units.has(unit)) reject(`no unit "${unit}" in the units file`);
    else if (!units.has(successor)) reject(`no unit "${successor}" in the units file`);
    else if (ended === day) {
      succeeding.add(`${successor}\u0000${day}`);
      // Its last period ends that day: it is dissolved with these successors. Rows of another kind
      // that day are successions of their own, recorded before the dissolve.
      const entry = successors.get(unit) ?? { ids: [], kind, where };
      if (entry.kind !== kind) supersession(unit, successor, kind, day, where);
      else if (!entry.ids.includes(successor)) entry.ids.push(successor);
      successors.set(unit, entry);
    } else if (units.get(unit)!.some((p) => p.from <= day && (p.to === null || day < p.to))) {
      // It stays on record (a closed organisation, say): the succession alone is recorded.
      succeeding.add(`${successor}\u0000${day}`);
      supersession(unit, successor, kind, day, where);
    } else reject(`unit "${unit}" does not exist on ${day}, nor does it end that day`);
  }
  return { successors, supersessions: [...byUnitAndDate.values()], succeeding };
}

/** The typed operation for a step, located at its CSV row. */
/** A hire's fields, the empty ones left out (assigned: spreading optional fields is slow in V8). */
function hireBody(person: string, unit: string, id: string, level: string, title: string): OpBody {
  const body: OpBody = { person, unit, id };
  if (level) body.level = level;
  if (title) body.title = title;
  return body;
}

function text(body: OpBody, key: string): string {
  return String(body[key]);
}

/** undefined when the key is absent, null when it is '' (cleared). */
function cleared(body: OpBody, key: string): string | null | undefined {
  const value = body[key];
  return value === undefined ? undefined : value === '' ? null : String(value);
}

function maybe(body: OpBody, key: string): string | undefined {
  return body[key] === undefined ? undefined : String(body[key]);
}

/** Shared by every imported operation: none has key locations or aliases of its own. */
const NO_KEY_LOCATIONS: Record<string, SourceLocation> = Object.freeze({}) as Record<string, SourceLocation>;
const NO_ALIASES: string[] = Object.freeze([]) as unknown as string[];

/** Sets `key` only when `value` is defined: imported operations leave out what the row does not say. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

// Plain functions, not closures: this runs once per imported row. Each operation is an object literal
// of one shape per kind, its optional fields set after: millions of them are held until they are
// applied, and an object built key by key in a loop takes V8's dictionary form, about three times larger.
function operationOf(kind: Operation['kind'], body: OpBody, location: SourceLocation): Operation {
  // Numbered when the day's changes are put in order.
  const index = 0;
  switch (kind) {
    case 'create': {
      const op = {
        kind: 'create',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
        type: text(body, 'type'),
        parent: maybe(body, 'parent') ?? null,
        aliases: NO_ALIASES,
      };
      put(op, 'id', maybe(body, 'id') || undefined);
      return op as Operation;
    }
    case 'move':
      return {
        kind: 'move',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
        to: text(body, 'to'),
      } as Operation;
    case 'rename': {
      const op = {
        kind: 'rename',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        to: text(body, 'to'),
      };
      put(op, 'unit', maybe(body, 'unit'));
      put(op, 'person', maybe(body, 'person'));
      return op as Operation;
    }
    case 'update': {
      const op = {
        kind: 'update',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
      };
      put(op, 'type', maybe(body, 'type'));
      put(op, 'status', cleared(body, 'status'));
      put(op, 'alsoUnder', body.also_under);
      return op as Operation;
    }
    case 'supersede':
      return {
        kind: 'supersede',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
        by: body.by as string[],
        as: text(body, 'as'),
      } as Operation;
    case 'dissolve': {
      const op = {
        kind: 'dissolve',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
      };
      put(op, 'successors', body.successors);
      put(op, 'as', body.as);
      return op as Operation;
    }
    case 'hire': {
      const op = {
        kind: 'hire',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
        unit: text(body, 'unit'),
        aliases: NO_ALIASES,
        unnamed: false,
      };
      put(op, 'id', maybe(body, 'id') || undefined);
      put(op, 'level', maybe(body, 'level') || undefined);
      put(op, 'title', maybe(body, 'title') || undefined);
      return op as Operation;
    }
    case 'transfer':
      return {
        kind: 'transfer',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
        to: text(body, 'to'),
      } as Operation;
    case 'promote': {
      const op = {
        kind: 'promote',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
      };
      put(op, 'level', cleared(body, 'level'));
      put(op, 'title', cleared(body, 'title'));
      return op as Operation;
    }
    case 'report':
      return {
        kind: 'report',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
        to: maybe(body, 'to') ?? null,
        reportKind: text(body, 'kind') as 'solid' | 'dotted' | 'none',
      } as Operation;
    case 'leave':
      return {
        kind: 'leave',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
      } as Operation;
    case 'appoint':
      return {
        kind: 'appoint',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        person: text(body, 'person'),
        unit: text(body, 'unit'),
        post: text(body, 'post'),
        concurrent: body.concurrent === true,
      } as Operation;
    case 'vacate':
      return {
        kind: 'vacate',
        index,
        location,
        keyLocations: NO_KEY_LOCATIONS,
        inferred: false,
        unit: text(body, 'unit'),
        post: text(body, 'post'),
      } as Operation;
    default:
      throw new Error(`no import step of kind ${kind}`);
  }
}

/** How the ids of an import's plans begin: `import-<hash of the files>-<date>`. */
const IMPORT_PLAN = 'import-';

/** Whether an applied plan was made by an import. */
export function isImportPlan(id: string): boolean {
  return id.startsWith(IMPORT_PLAN);
}

/** An applied plan, as `importedAgain` reads it. */
export interface HeldPlan {
  id: string;
  effective: Day;
  source: string;
}

/**
 * An import's plans for an organization that already holds plans (an HR system's newer export,
 * imported again, or its files given again with more of them). Each day's changes are matched
 * against the changes earlier imports applied on that date (a change is a line of the plan's text;
 * the same line twice counts twice); days with nothing new are dropped. A day that holds every change
 * imported before on it, and more, is applied whole in place of those imports' plans of the day
 * (`replaces`): its changes then come in the order one import of these files gives them (a unit
 * dissolved after the people the new files move out of it). A day that lacks some of them keeps only
 * its new changes, applied after: a change that contradicts what the organization holds (a hire of
 * someone already there, a corrected level) is refused at its row. Changes the files no longer have
 * are not undone.
 *
 * With `replace` the files are the whole truth of what imports brought in: a day whose changes are
 * those imported before on it, in the same order, is dropped; every other day of the files is applied
 * whole in place of the imports' plans of that day, and the imports' plans of days the files no longer
 * have are replaced by nothing. Corrections and removals are then made, and what imports applied stays
 * on record as replaced. Plans that did not come from an import are never replaced.
 */
export function importedAgain(
  plans: ImportPlan[],
  held: HeldPlan[],
  replace = false,
): { plans: ImportPlan[]; replaces: string[] } {
  const heldOn = importedOn(held);
  if (replace) return importedInstead(plans, heldOn);
  const added: ImportPlan[] = [];
  const replaces: string[] = [];
  for (const imported of plans) {
    const { plan, source } = imported;
    const day = heldOn.get(plan.effective);
    if (!day) {
      added.push(imported);
      continue;
    }
    const counts = lineCounts(day.lines);
    const lines = changeLines(source);
    let matched = 0;
    const kept = lines.map((line) => {
      const left = counts.get(line) ?? 0;
      if (left === 0) return true;
      counts.set(line, left - 1);
      matched += 1;
      return false;
    });
    if (!kept.includes(true)) continue;
    if (matched === day.lines.length) {
      added.push(imported);
      replaces.push(...day.ids);
      continue;
    }
    const changes = plan.changes.filter((_, i) => kept[i]).map((op, index) => ({ ...op, index }));
    const head = source.slice(0, source.indexOf('\nchanges:'));
    added.push({
      plan: { ...plan, changes },
      source: `${head}\nchanges:\n${lines.filter((_, i) => kept[i]).join('\n')}\n`,
    });
  }
  return { plans: added, replaces };
}

/** The applied plans of earlier imports by day: their ids, and their change lines in order. */
function importedOn(held: HeldPlan[]): Map<Day, { ids: string[]; lines: string[] }> {
  const heldOn = new Map<Day, { ids: string[]; lines: string[] }>();
  for (const p of held) {
    if (!isImportPlan(p.id)) continue;
    const day = heldOn.get(p.effective) ?? { ids: [], lines: [] };
    day.ids.push(p.id);
    for (const line of changeLines(p.source)) day.lines.push(line);
    heldOn.set(p.effective, day);
  }
  return heldOn;
}

/** How many times each line is there. */
function lineCounts(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

/** `importedAgain` with `replace` (`heldOn` is taken apart). */
function importedInstead(
  plans: ImportPlan[],
  heldOn: Map<Day, { ids: string[]; lines: string[] }>,
): { plans: ImportPlan[]; replaces: string[] } {
  const added: ImportPlan[] = [];
  const replaces: string[] = [];
  for (const imported of plans) {
    const day = heldOn.get(imported.plan.effective);
    heldOn.delete(imported.plan.effective);
    if (day) {
      const lines = changeLines(imported.source);
      if (lines.length === day.lines.length && lines.every((line, i) => line === day.lines[i])) continue;
      replaces.push(...day.ids);
    }
    added.push(imported);
  }
  for (const day of heldOn.values()) replaces.push(...day.ids);
  return { plans: added, replaces };
}

/** How an import would change a day's changes: lines it adds, and lines earlier imports applied it takes out. */
export interface ImportDayChange {
  effective: Day;
  added: number;
  removed: number;
}

/**
 * What importing these plans again would change, day by day (`importedAgain`'s outcome, counted):
 * each day's changes in the files against those earlier imports applied on it, the same line twice
 * counting twice. Changes taken out only with `replace` (otherwise they are not undone).
 */
export function importChanges(plans: ImportPlan[], held: HeldPlan[], replace: boolean): ImportDayChange[] {
  const lines = new Map<Day, { held: Map<string, number>; files: string[] }>();
  for (const [effective, day] of importedOn(held))
    lines.set(effective, { held: lineCounts(day.lines), files: [] });
  for (const { plan, source } of plans) {
    const day = lines.get(plan.effective) ?? { held: new Map<string, number>(), files: [] };
    lines.set(plan.effective, day);
    for (const line of changeLines(source)) day.files.push(line);
  }
  const changes: ImportDayChange[] = [];
  for (const [effective, day] of lines) {
    let added = 0;
    for (const line of day.files) {
      const left = day.held.get(line) ?? 0;
      if (left === 0) added += 1;
      else day.held.set(line, left - 1);
    }
    let removed = 0;
    if (replace) for (const left of day.held.values()) removed += left;
    if (added > 0 || removed > 0) changes.push({ effective, added, removed });
  }
  return changes.sort((a, b) => (a.effective < b.effective ? -1 : a.effective > b.effective ? 1 : 0));
}

/** A plan text's change lines, one per change (as `planSource` writes them). */
function changeLines(source: string): string[] {
  const start = source.indexOf('\nchanges:\n');
  if (start < 0) return [];
  const body = source.slice(start + '\nchanges:\n'.length);
  return body.split('\n').filter((line) => line !== '');
}
