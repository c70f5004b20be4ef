import { hash } from 'node:crypto';
import {
  emptyHistory,
  type History,
  type LineageEvent,
  type PlanSummary,
  type Provenance,
  type ReportKind,
  type UnitVersion,
} from '../core/model.ts';
import { type Database, FACT_TABLES, type FactTable } from './schema.ts';

type Bookkeeping = 'org_id' | 'fact_key' | 'recorded_at' | 'superseded_at';
export type FactRow<T extends FactTable> = Omit<Database[T], Bookkeeping>;
export type FactRows = { [T in FactTable]: Array<FactRow<T>> };

function provColumns(prov: Provenance) {
  return { plan_id: prov.plan, inferred: prov.inferred ? 1 : 0, quote: prov.quote ?? null };
}

function provFromRow(row: { plan_id: string; inferred: number; quote: string | null }): Provenance {
  return {
    plan: row.plan_id,
    inferred: row.inferred === 1,
    ...(row.quote !== null ? { quote: row.quote } : {}),
  };
}

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

/** One table's rows of the organization's facts, one at a time (an import's are millions). */
export function* tableRows(history: History, table: FactTable): Generator<object> {
  switch (table) {
    case 'units':
      for (const unit of history.units.values())
        yield { unit_id: unit.id, aliases: JSON.stringify(unit.aliases) };
      return;
    case 'unit_versions':
      for (const unit of history.units.values()) {
        for (const v of unit.versions) {
          yield {
            unit_id: unit.id,
            valid_from: v.from,
            valid_to: v.to,
            name: v.name,
            type: v.type,
            parent_id: v.parent,
            ...provColumns(v.prov),
            // Last, so that keyRows can leave them out of the key when null (see there).
            status: v.status ?? null,
            also_under: v.alsoUnder === undefined ? null : JSON.stringify(v.alsoUnder),
          };
        }
      }
      return;
    case 'people':
      for (const person of history.people.values()) {
        yield {
          person_id: person.id,
          aliases: JSON.stringify(person.aliases),
          unnamed: person.unnamed ? 1 : 0,
        };
      }
      return;
    case 'person_versions':
      for (const person of history.people.values()) {
        for (const v of person.versions) {
          yield {
            person_id: person.id,
            valid_from: v.from,
            valid_to: v.to,
            name: v.name,
            level: v.level,
            title: v.title,
            unit_id: v.unit,
            ...provColumns(v.prov),
          };
        }
      }
      return;
    case 'businesses':
      for (const business of history.businesses.values())
        yield { business_id: business.id, aliases: JSON.stringify(business.aliases) };
      return;
    case 'business_versions':
      for (const business of history.businesses.values()) {
        for (const v of business.versions) {
          yield {
            business_id: business.id,
            valid_from: v.from,
            valid_to: v.to,
            name: v.name,
            unit_id: v.unit,
            ...provColumns(v.prov),
          };
        }
      }
      return;
    case 'posts':
      for (const p of history.posts) {
        yield {
          unit_id: p.unit,
          post: p.post,
          holder_id: p.holder,
          concurrent: p.concurrent ? 1 : 0,
          valid_from: p.from,
          valid_to: p.to,
          ...provColumns(p.prov),
        };
      }
      return;
    case 'report_lines':
      for (const l of history.lines) {
        yield {
          person_id: l.person,
          manager_id: l.manager,
          kind: l.kind,
          valid_from: l.from,
          valid_to: l.to,
          ...provColumns(l.prov),
        };
      }
      return;
    case 'lineage_events': {
      const ordinals = new Map<string, number>();
      for (const e of history.events) {
        const ordinal = ordinals.get(e.date) ?? 0;
        ordinals.set(e.date, ordinal + 1);
        yield {
          event_date: e.date,
          ordinal,
          kind: e.kind,
          unit_id: e.unit,
          from_ids: JSON.stringify(e.from),
          to_ids: JSON.stringify(e.to),
          from_names: JSON.stringify(e.fromNames),
          to_names: JSON.stringify(e.toNames),
          ...provColumns(e.prov),
        };
      }
      return;
    }
  }
}

/**
 * Rows come back from a database in no particular order; sorting them on every column makes
 * the rebuilt history, and so every answer, the same on every engine.
 */
function sorted<R extends object>(rows: R[], first: (keyof R)[]): R[] {
  if (rows.length === 0) return [];
  const keys = [...first, ...(Object.keys(rows[0]!) as (keyof R)[]).filter((k) => !first.includes(k))];
  const text = (value: unknown) =>
    typeof value === 'string' ? value : value === null || value === undefined ? '\uffff' : String(value);
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const x = a[key];
      const y = b[key];
      if (x === y) continue;
      const xs = text(x);
      const ys = text(y);
      if (xs !== ys) return xs < ys ? -1 : 1;
    }
    return 0;
  });
}

/** Rows with unique ids, by id (as `sorted` would order them, at a plain comparison each). */
function byId<R extends object>(rows: R[], id: keyof R): R[] {
  return [...rows].sort((a, b) => (a[id] < b[id] ? -1 : a[id] > b[id] ? 1 : 0));
}

/**
 * Versions grouped by record, each record's in the order `sorted(rows, ['valid_from'])` gives them
 * (a record's versions rarely share a start, so most groups need one comparison or none).
 */
function inRecordOrder<R extends { valid_from: string }>(rows: R[], id: keyof R): R[] {
  const groups = new Map<unknown, R[]>();
  for (const row of rows) {
    const group = groups.get(row[id]);
    if (group) group.push(row);
    else groups.set(row[id], [row]);
  }
  const out: R[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) out.push(group[0]!);
    else out.push(...sorted(group, ['valid_from']));
  }
  return out;
}

/** Rebuilds a history from table rows (the inverse of `historyToRows`). */
export function rowsToHistory(rows: FactRows, plans: PlanSummary[]): History {
  const history = emptyHistory();
  history.plans = plans;
  // Each distinct date, reference, level, title and provenance once: every row brings its own copy,
  // which would otherwise double the history's memory. (Names and record ids are mostly distinct.)
  const texts = new Map<string, string>();
  const s = <T extends string | null>(value: T): T => {
    if (value === null) return value;
    const known = texts.get(value);
    if (known !== undefined) return known as T;
    texts.set(value, value);
    return value;
  };
  // Most rows are stated (not inferred) and unquoted: those are found by plan id alone.
  const plain = new Map<string, Provenance>();
  const provs = new Map<string, Provenance>();
  const provOf = (row: { plan_id: string; inferred: number; quote: string | null }): Provenance => {
    const simple = row.inferred === 0 && row.quote === null;
    const key = simple ? row.plan_id : `${row.inferred}${row.quote ?? ''}\u0000${row.plan_id}`;
    const cache = simple ? plain : provs;
    let found = cache.get(key);
    if (!found) {
      found = provFromRow(row);
      cache.set(key, found);
    }
    return found;
  };
  for (const row of byId(rows.units, 'unit_id')) {
    history.units.set(row.unit_id, {
      id: row.unit_id,
      aliases: JSON.parse(row.aliases) as string[],
      versions: [],
    });
  }
  for (const row of inRecordOrder(rows.unit_versions, 'unit_id')) {
    const version: UnitVersion = {
      from: s(row.valid_from),
      to: s(row.valid_to),
      name: row.name,
      type: s(row.type),
      parent: s(row.parent_id),
      prov: provOf(row),
    };
    if (row.status !== null) version.status = row.status;
    if (row.also_under !== null) version.alsoUnder = JSON.parse(row.also_under) as string[];
    history.units.get(row.unit_id)?.versions.push(version);
  }
  for (const row of byId(rows.people, 'person_id')) {
    history.people.set(row.person_id, {
      id: row.person_id,
      aliases: JSON.parse(row.aliases) as string[],
      unnamed: row.unnamed === 1,
      versions: [],
    });
  }
  for (const row of inRecordOrder(rows.person_versions, 'person_id')) {
    history.people.get(row.person_id)?.versions.push({
      from: s(row.valid_from),
      to: s(row.valid_to),
      name: row.name,
      level: s(row.level),
      title: s(row.title),
      unit: s(row.unit_id),
      prov: provOf(row),
    });
  }
  for (const row of byId(rows.businesses, 'business_id')) {
    history.businesses.set(row.business_id, {
      id: row.business_id,
      aliases: JSON.parse(row.aliases) as string[],
      versions: [],
    });
  }
  for (const row of inRecordOrder(rows.business_versions, 'business_id')) {
    history.businesses.get(row.business_id)?.versions.push({
      from: s(row.valid_from),
      to: s(row.valid_to),
      name: row.name,
      unit: s(row.unit_id),
      prov: provOf(row),
    });
  }
  history.posts = sorted(rows.posts, ['valid_from', 'unit_id', 'post']).map((row) => ({
    unit: s(row.unit_id),
    post: s(row.post),
    holder: s(row.holder_id),
    concurrent: row.concurrent === 1,
    from: s(row.valid_from),
    to: s(row.valid_to),
    prov: provOf(row),
  }));
  history.lines = sorted(rows.report_lines, ['valid_from', 'person_id']).map((row) => ({
    person: s(row.person_id),
    manager: s(row.manager_id),
    kind: row.kind as ReportKind,
    from: s(row.valid_from),
    to: s(row.valid_to),
    prov: provOf(row),
  }));
  history.events = [...rows.lineage_events]
    .sort((a, b) => a.event_date.localeCompare(b.event_date) || a.ordinal - b.ordinal)
    .map(
      (row): LineageEvent => ({
        date: s(row.event_date),
        kind: row.kind as LineageEvent['kind'],
        unit: s(row.unit_id),
        from: JSON.parse(row.from_ids) as string[],
        to: JSON.parse(row.to_ids) as string[],
        fromNames: JSON.parse(row.from_names) as string[],
        toNames: JSON.parse(row.to_names) as string[],
        prov: provOf(row),
      }),
    );
  return history;
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
    const base = hash('sha1', text, 'hex');
    let key = base;
    for (let n = 2; this.issued.has(key); n++) key = `${base}#${n}`;
    this.issued.add(key);
    return key;
  }
}

/** Keys rows by a hash of their content; a row repeated within one table gets a counter. */
export function keyRows<R extends object>(rows: Iterable<R>): Map<string, R> {
  const keyer = new RowKeyer();
  const keyed = new Map<string, R>();
  for (const row of rows) keyed.set(keyer.key(row), row);
  return keyed;
}
