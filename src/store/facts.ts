import { hash } from 'node:crypto';
import { jsonText } from '../core/json-text.ts';
import {
  type BusinessRecord,
  emptyHistory,
  type Facts,
  type History,
  isFactStream,
  type LineageEvent,
  lineOrder,
  type PersonRecord,
  type PlanSummary,
  type Provenance,
  postOrder,
  type ReportKind,
  type UnitRecord,
  type UnitVersion,
  type Versioned,
} from '../core/model.ts';
import { type Database, FACT_TABLES, type FactTable } from './schema.ts';

type Bookkeeping = 'org_id' | 'fact_key' | 'recorded_at' | 'superseded_at';
export type FactRow<T extends FactTable> = Omit<Database[T], Bookkeeping>;
export type FactRows = { [T in FactTable]: Array<FactRow<T>> };

/** The organization's facts as table rows. */
export function historyToRows(history: History): FactRows {
  const rows = {} as Record<FactTable, object[]>;
  for (const table of FACT_TABLES) rows[table] = [...tableRows(history, table)];
  return rows as FactRows;
}

const PROVENANCE = ['plan_id', 'inferred', 'quote'] as const;

/** Each fact table's content columns (without the bookkeeping), in the order `tableRows` gives them. */
export const FACT_COLUMNS: { [T in FactTable]: ReadonlyArray<keyof FactRow<T> & string> } = {
  units: ['unit_id', 'aliases'],
  unit_versions: [
    'unit_id',
    'valid_from',
    'valid_to',
    'name',
    'type',
    'parent_id',
    ...PROVENANCE,
    'status',
    'also_under',
  ],
  people: ['person_id', 'aliases', 'unnamed'],
  person_versions: [
    'person_id',
    'valid_from',
    'valid_to',
    'name',
    'level',
    'title',
    'unit_id',
    ...PROVENANCE,
  ],
  businesses: ['business_id', 'aliases'],
  business_versions: ['business_id', 'valid_from', 'valid_to', 'name', 'unit_id', ...PROVENANCE],
  posts: ['unit_id', 'post', 'holder_id', 'concurrent', 'valid_from', 'valid_to', ...PROVENANCE],
  report_lines: ['person_id', 'manager_id', 'kind', 'valid_from', 'valid_to', ...PROVENANCE],
  lineage_events: [
    'event_date',
    'ordinal',
    'kind',
    'unit_id',
    'from_ids',
    'to_ids',
    'from_names',
    'to_names',
    ...PROVENANCE,
  ],
};

/** One table's rows of the organization's facts as objects, column by column (`tableCells`). */
export function* tableRows(history: History, table: FactTable): Generator<object> {
  for (const cells of tableCells(history, table)) yield rowOf(table, cells);
}

/** A row of `table` as an object, from its cells in `FACT_COLUMNS` order. */
export function rowOf(table: FactTable, cells: readonly unknown[]): Record<string, unknown> {
  const columns = FACT_COLUMNS[table];
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = cells[i];
  return row;
}

/**
 * One table's rows of the organization's facts as their cells, in `FACT_COLUMNS` order, made straight
 * from the records, one at a time (an import's are millions: no row object each).
 */
export function* tableCells(facts: Facts, table: FactTable): Generator<unknown[]> {
  // A stream's records need no row of their own (`FactStream`), and it has no businesses.
  const stream = isFactStream(facts) ? facts : null;
  const history = stream === null ? (facts as History) : null;
  switch (table) {
    case 'units':
      for (const unit of history?.units.values() ?? [])
        if (!impliedByVersions(unit)) yield [unit.id, aliasesText(unit.aliases)];
      return;
    case 'unit_versions':
      for (const unit of stream ? stream.units() : history!.units.values()) {
        for (const v of unit.versions) {
          const prov = v.prov;
          yield [
            unit.id,
            v.from,
            v.to,
            v.name,
            v.type,
            v.parent,
            prov.plan,
            prov.inferred ? 1 : 0,
            prov.quote ?? null,
            v.status ?? null,
            v.alsoUnder === undefined ? null : JSON.stringify(v.alsoUnder),
          ];
        }
      }
      return;
    case 'people':
      for (const person of history?.people.values() ?? [])
        if (!impliedByVersions(person))
          yield [person.id, aliasesText(person.aliases), person.unnamed ? 1 : 0];
      return;
    case 'person_versions':
      for (const person of stream ? stream.people() : history!.people.values()) {
        for (const v of person.versions) {
          const prov = v.prov;
          yield [
            person.id,
            v.from,
            v.to,
            v.name,
            v.level,
            v.title,
            v.unit,
            prov.plan,
            prov.inferred ? 1 : 0,
            prov.quote ?? null,
          ];
        }
      }
      return;
    case 'businesses':
      for (const business of history?.businesses.values() ?? [])
        if (!impliedByVersions(business)) yield [business.id, aliasesText(business.aliases)];
      return;
    case 'business_versions':
      for (const business of history?.businesses.values() ?? []) {
        for (const v of business.versions) {
          const prov = v.prov;
          yield [
            business.id,
            v.from,
            v.to,
            v.name,
            v.unit,
            prov.plan,
            prov.inferred ? 1 : 0,
            prov.quote ?? null,
          ];
        }
      }
      return;
    case 'posts':
      for (const p of stream ? stream.posts() : history!.posts) {
        const prov = p.prov;
        yield [
          p.unit,
          p.post,
          p.holder,
          p.concurrent ? 1 : 0,
          p.from,
          p.to,
          prov.plan,
          prov.inferred ? 1 : 0,
          prov.quote ?? null,
        ];
      }
      return;
    case 'report_lines':
      for (const l of stream ? stream.lines() : history!.lines) {
        const prov = l.prov;
        yield [
          l.person,
          l.manager,
          l.kind,
          l.from,
          l.to,
          prov.plan,
          prov.inferred ? 1 : 0,
          prov.quote ?? null,
        ];
      }
      return;
    case 'lineage_events': {
      // Numbered within their day, in the order they happened.
      const ordinals = new Map<string, number>();
      for (const e of stream ? stream.events() : history!.events) {
        const ordinal = ordinals.get(e.date) ?? 0;
        ordinals.set(e.date, ordinal + 1);
        const prov = e.prov;
        yield [
          e.date,
          ordinal,
          e.kind,
          e.unit,
          JSON.stringify(e.from),
          JSON.stringify(e.to),
          JSON.stringify(e.fromNames),
          JSON.stringify(e.toNames),
          prov.plan,
          prov.inferred ? 1 : 0,
          prov.quote ?? null,
        ];
      }
      return;
    }
  }
}

/**
 * Whether a record's own row (units, people, businesses) would say nothing its versions do not: no
 * aliases, not unnamed, and at least one version (whose rows name it). Such a row is not stored; the
 * reader makes the record from its versions (`HistoryReader`). Most records are such: a million-person
 * import stores a million rows fewer. Stores written before keep theirs (read the same way), until
 * migration 0006 supersedes them.
 */
export function impliedByVersions(record: {
  aliases: string[];
  versions: unknown[];
  unnamed?: boolean;
}): boolean {
  return record.aliases.length === 0 && record.unnamed !== true && record.versions.length > 0;
}

function aliasesText(aliases: string[]): string {
  return aliases.length === 0 ? '[]' : JSON.stringify(aliases);
}

/**
 * The text a row's key is the hash of: the row's JSON as `JSON.stringify` writes the object
 * `tableRows` gives, from its cells (`tableCells`), with the columns added later left out while null
 * (see `RowKeyer`) — without making the object.
 */
export function rowText(table: FactTable, cells: readonly unknown[]): string {
  const columns = COLUMN_KEYS[table];
  let n = cells.length;
  if (table === 'unit_versions' && cells[n - 1] === null && cells[n - 2] === null) n -= 2;
  let text = '{';
  for (let i = 0; i < n; i++) {
    const value = cells[i];
    text += `${columns[i]}${value === null ? 'null' : typeof value === 'number' ? String(value) : jsonText(value as string)}`;
  }
  return `${text}}`;
}

/** Each column's `"name":`, with the comma before it from the second on. */
const COLUMN_KEYS = Object.fromEntries(
  FACT_TABLES.map((table) => [
    table,
    FACT_COLUMNS[table].map((column, i) => `${i === 0 ? '' : ','}${JSON.stringify(column)}:`),
  ]),
) as Record<FactTable, string[]>;

/** How many rows `tableRows` gives for a table, without making them. */
export function tableRowCount(facts: Facts, table: FactTable): number {
  if (isFactStream(facts)) {
    const { size } = facts;
    const rows: Record<FactTable, number> = {
      units: 0,
      unit_versions: size.unitVersions,
      people: 0,
      person_versions: size.personVersions,
      businesses: 0,
      business_versions: 0,
      posts: size.posts,
      report_lines: size.lines,
      lineage_events: size.events,
    };
    return rows[table];
  }
  const history = facts;
  const versions = (records: Iterable<{ versions: unknown[] }>) => {
    let n = 0;
    for (const record of records) n += record.versions.length;
    return n;
  };
  const stated = (records: Iterable<{ aliases: string[]; versions: unknown[]; unnamed?: boolean }>) => {
    let n = 0;
    for (const record of records) if (!impliedByVersions(record)) n++;
    return n;
  };
  switch (table) {
    case 'units':
      return stated(history.units.values());
    case 'unit_versions':
      return versions(history.units.values());
    case 'people':
      return stated(history.people.values());
    case 'person_versions':
      return versions(history.people.values());
    case 'businesses':
      return stated(history.businesses.values());
    case 'business_versions':
      return versions(history.businesses.values());
    case 'posts':
      return history.posts.length;
    case 'report_lines':
      return history.lines.length;
    case 'lineage_events':
      return history.events.length;
  }
}

/** A fact table's row as the columns of `FACT_COLUMNS`, in that order. */
export type RawRow = readonly unknown[];

/** A JSON list of texts; most records have no aliases, and parsing "[]" millions of times shows. */
function listOf(json: unknown): string[] {
  return json === '[]' ? [] : (JSON.parse(json as string) as string[]);
}

/** A version's fields compared as text, to order versions that begin on the same day (never two that lived). */
function versionOrder(a: Versioned, b: Versioned): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

type RecordOfKind = { units: UnitRecord; people: PersonRecord; businesses: BusinessRecord };

/**
 * Builds a history from the rows of its fact tables as they are read, a row at a time, so that
 * millions of rows are never held at once (the inverse of `tableRows`). The answer does not depend
 * on the order rows come in: records are ordered by id, each record's versions by start, and posts,
 * lines and events on every column, so every answer is the same on every engine.
 */
export class HistoryReader {
  private readonly history = emptyHistory();
  // Each distinct date, reference, level, title and provenance once: every row brings its own copy,
  // which would otherwise double the history's memory. (Names and record ids are mostly distinct.)
  private readonly texts = new Map<string, string>();
  // Most rows are stated (not inferred) and unquoted: those are found by plan id alone.
  private readonly plainProvs = new Map<string, Provenance>();
  private readonly otherProvs = new Map<string, Provenance>();
  private readonly unsorted = new Set<{ versions: Versioned[] }>();
  private readonly idsInOrder = { units: true, people: true, businesses: true };
  private readonly lastIds = { units: '', people: '', businesses: '' };
  private readonly events: RawRow[] = [];

  // Each column's last text: rows in a row mostly repeat a date, level or unit, and comparing two short
  // texts is cheaper than looking one up.
  private readonly lastTexts: Array<string | null> = new Array(12).fill(null);

  private s<T extends string | null>(value: T, column: number): T {
    if (value === null) return value;
    const last = this.lastTexts[column];
    if (last === value) return last as T;
    let known = this.texts.get(value);
    if (known === undefined) {
      this.texts.set(value, value);
      known = value;
    }
    this.lastTexts[column] = known;
    return known as T;
  }

  private prov(row: RawRow, at: number): Provenance {
    const plan = row[at] as string;
    const inferred = row[at + 1] as number;
    const quote = row[at + 2] as string | null;
    const simple = inferred === 0 && quote === null;
    const key = simple ? plan : `${inferred}${quote ?? ''}\u0000${plan}`;
    const cache = simple ? this.plainProvs : this.otherProvs;
    let found = cache.get(key);
    if (!found) {
      found = { plan, inferred: inferred === 1, ...(quote !== null ? { quote } : {}) };
      cache.set(key, found);
    }
    return found;
  }

  private record(kind: 'units' | 'people' | 'businesses', id: string): void {
    if (id <= this.lastIds[kind]) this.idsInOrder[kind] = false;
    this.lastIds[kind] = id;
  }

  /** The record `id` of `kind`; one whose own row was not stored (`impliedByVersions`) is made from its first version. */
  private recordOf<K extends keyof RecordOfKind>(kind: K, id: string): RecordOfKind[K] {
    const records = this.history[kind] as Map<string, RecordOfKind[K]>;
    let record = records.get(id);
    if (!record) {
      this.record(kind, id);
      record = (
        kind === 'people'
          ? { id, aliases: [], unnamed: false, versions: [] }
          : { id, aliases: [], versions: [] }
      ) as RecordOfKind[K];
      records.set(id, record);
    }
    return record;
  }

  /** A version joins its record; a record whose versions came out of order is sorted at the end. */
  private push<V extends Versioned & { name: string }>(record: { versions: V[] }, version: V): void {
    const last = record.versions.at(-1);
    if (last) {
      // A record's versions mostly keep their name: one string for all of them.
      if (last.name === version.name) version.name = last.name;
      if (version.from <= last.from) this.unsorted.add(record);
      record.versions.push(version);
      this.grown.add(record);
    } else {
      // Most records have one version: an array made with it has no spare room (one pushed to keeps
      // room for 16 more, about 130 bytes per record).
      record.versions = [version];
    }
  }

  /** Records given a second version (their arrays have spare room until copied). */
  private readonly grown = new Set<{ versions: unknown[] }>();

  /** One row of `table`, its columns in `FACT_COLUMNS` order. */
  add(table: FactTable, row: RawRow): void {
    const h = this.history;
    switch (table) {
      case 'units': {
        const id = row[0] as string;
        this.record('units', id);
        h.units.set(id, { id, aliases: listOf(row[1]), versions: [] });
        return;
      }
      case 'unit_versions': {
        const version: UnitVersion = {
          from: this.s(row[1] as string, 1),
          to: this.s(row[2] as string | null, 2),
          name: row[3] as string,
          type: this.s(row[4] as string, 4),
          parent: this.s(row[5] as string | null, 5),
        } as UnitVersion;
        if (row[9] !== null) version.status = row[9] as string;
        if (row[10] !== null) version.alsoUnder = JSON.parse(row[10] as string) as string[];
        version.prov = this.prov(row, 6);
        this.push(this.recordOf('units', row[0] as string), version);
        return;
      }
      case 'people': {
        const id = row[0] as string;
        this.record('people', id);
        h.people.set(id, {
          id,
          aliases: listOf(row[1]),
          unnamed: row[2] === 1,
          versions: [],
        });
        return;
      }
      case 'person_versions':
        this.push(this.recordOf('people', row[0] as string), {
          from: this.s(row[1] as string, 1),
          to: this.s(row[2] as string | null, 2),
          name: row[3] as string,
          level: this.s(row[4] as string | null, 4),
          title: this.s(row[5] as string | null, 5),
          unit: this.s(row[6] as string, 6),
          prov: this.prov(row, 7),
        });
        return;
      case 'businesses': {
        const id = row[0] as string;
        this.record('businesses', id);
        h.businesses.set(id, { id, aliases: listOf(row[1]), versions: [] });
        return;
      }
      case 'business_versions':
        this.push(this.recordOf('businesses', row[0] as string), {
          from: this.s(row[1] as string, 1),
          to: this.s(row[2] as string | null, 2),
          name: row[3] as string,
          unit: this.s(row[4] as string, 4),
          prov: this.prov(row, 5),
        });
        return;
      // Made as the rows come (not at `finish`): read apart, that work is spread over turns too.
      case 'posts':
        h.posts.push({
          unit: this.s(row[0] as string, 0),
          post: this.s(row[1] as string, 1),
          holder: this.s(row[2] as string | null, 2),
          concurrent: row[3] === 1,
          from: this.s(row[4] as string, 4),
          to: this.s(row[5] as string | null, 5),
          prov: this.prov(row, 6),
        });
        return;
      case 'report_lines':
        h.lines.push({
          person: this.s(row[0] as string, 0),
          manager: this.s(row[1] as string, 1),
          kind: row[2] as ReportKind,
          from: this.s(row[3] as string, 3),
          to: this.s(row[4] as string | null, 4),
          prov: this.prov(row, 5),
        });
        return;
      case 'lineage_events':
        this.events.push(row);
        return;
    }
  }

  /** The history of the rows added, with `plans` as its applied plans. */
  finish(plans: PlanSummary[]): History {
    const h = this.history;
    h.plans = plans;
    for (const record of this.unsorted) record.versions.sort(versionOrder);
    this.unsorted.clear();
    for (const record of this.grown) record.versions = record.versions.slice();
    this.grown.clear();
    const byId = <R>(map: Map<string, R>) =>
      new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!this.idsInOrder.units) h.units = byId(h.units);
    if (!this.idsInOrder.people) h.people = byId(h.people);
    if (!this.idsInOrder.businesses) h.businesses = byId(h.businesses);
    h.posts.sort(postOrder);
    h.lines.sort(lineOrder);
    h.events = this.events
      .sort((a, b) => (a[0] as string).localeCompare(b[0] as string) || (a[1] as number) - (b[1] as number))
      .map(
        (row): LineageEvent => ({
          date: this.s(row[0] as string, 0),
          kind: row[2] as LineageEvent['kind'],
          unit: this.s(row[3] as string | null, 3),
          from: JSON.parse(row[4] as string) as string[],
          to: JSON.parse(row[5] as string) as string[],
          fromNames: JSON.parse(row[6] as string) as string[],
          toNames: JSON.parse(row[7] as string) as string[],
          prov: this.prov(row, 8),
        }),
      );
    this.events.length = 0;
    this.texts.clear();
    return h;
  }
}

/** Rebuilds a history from table rows (the inverse of `historyToRows`). */
export function rowsToHistory(rows: FactRows, plans: PlanSummary[]): History {
  const reader = new HistoryReader();
  for (const table of FACT_TABLES) {
    const columns = FACT_COLUMNS[table] as readonly string[];
    for (const row of rows[table] as unknown as Array<Record<string, unknown>>)
      reader.add(
        table,
        columns.map((c) => row[c] ?? null),
      );
  }
  return reader.finish(plans);
}

const NULL_LATER_COLUMNS = ',"status":null,"also_under":null}';

/**
 * Keys rows by a hash of their content, one row at a time; a row repeated within one table gets a
 * counter (`KEY#2`), in the order the rows come.
 */
export class RowKeyer {
  private readonly issued = new Set<string>();

  key(row: object): string {
    let text = JSON.stringify(row);
    // Columns added after rows were first stored are left out of the key while null, so that the
    // keys of rows stored before them do not change.
    if (text.endsWith(NULL_LATER_COLUMNS)) text = `${text.slice(0, -NULL_LATER_COLUMNS.length)}}`;
    return this.keyOfText(text);
  }

  /** The key of a row whose text (`rowText`) is given. */
  keyOfText(text: string): string {
    const base = hash('sha1', text, 'hex');
    let key = base;
    for (let n = 2; this.issued.has(key); n++) key = `${base}#${n}`;
    this.issued.add(key);
    return key;
  }
}

/**
 * The keyer of a table's rows of `facts`: a stream's rows are never equal within a table (its records'
 * versions never begin on one day, its posts are one seat's each, its events are numbered), so they
 * need no count of the keys issued, which a million rows make slow to keep.
 */
export function keyerOf(facts: Facts): { keyOfText(text: string): string } {
  return isFactStream(facts) ? DISTINCT_ROWS : new RowKeyer();
}

const DISTINCT_ROWS = { keyOfText: (text: string) => hash('sha1', text, 'hex') };

/** Keys a table's rows given as cells (`tableCells`), as `keyRows` keys the same rows as objects. */
export function keyCells(table: FactTable, rows: Iterable<unknown[]>): Map<string, unknown[]> {
  const keyer = new RowKeyer();
  const keyed = new Map<string, unknown[]>();
  for (const cells of rows) keyed.set(keyer.keyOfText(rowText(table, cells)), cells);
  return keyed;
}

/** Keys rows by a hash of their content; a row repeated within one table gets a counter. */
export function keyRows<R extends object>(rows: Iterable<R>): Map<string, R> {
  const keyer = new RowKeyer();
  const keyed = new Map<string, R>();
  for (const row of rows) keyed.set(keyer.key(row), row);
  return keyed;
}
