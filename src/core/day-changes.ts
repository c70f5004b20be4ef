import { HEAD_POST, type LineageEvent } from './model.ts';
import type { Day } from './time.ts';

// How one day's changes are worded and ordered, shared by the diff (snapshot and version-boundary
// versions) and by a plan's impact.

export interface DiffChange {
  kind: string;
  date: Day;
  plan?: string;
  [field: string]: unknown;
}

/** Within one day: structural events in the order they happened, then the rest grouped by kind and sorted by name. */
const KIND_ORDER = [
  'head-changed',
  'post-changed',
  'person-joined',
  'person-moved',
  'person-renamed',
  'manager-changed',
  'level-changed',
  'title-changed',
  'person-left',
  'business-launched',
  'business-transferred',
  'business-retired',
  'line-added',
  'line-ended',
];

function subject(change: DiffChange): string {
  return [change.unit, change.person, change.business, change.post, change.to]
    .map((v) => (v === undefined || v === null ? '' : String(v)))
    .join('\u0000');
}

/** The order of one day's changes other than unit events: by kind, then by what they are about. */
export function compareDayChanges(a: DiffChange, b: DiffChange): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || subject(a).localeCompare(subject(b));
}

/**
 * A lineage event as a diff entry, named as on its day: `unitName` gives a unit's name that day (or
 * its last), `parentName` the name of its parent that day (null for none).
 */
export function unitEventChange(
  e: LineageEvent,
  unitName: (id: string) => string,
  parentName: (id: string) => string | null,
): DiffChange {
  const date = e.date;
  const plan = e.prov.plan;
  const unit = e.unit === null ? undefined : e.kind === 'rename' ? e.toNames[0] : unitName(e.unit);
  switch (e.kind) {
    case 'create':
      return { kind: 'unit-created', date, unit, parent: e.unit === null ? null : parentName(e.unit), plan };
    case 'rename':
      return { kind: 'unit-renamed', date, unit, from: e.fromNames[0], to: e.toNames[0], plan };
    case 'move':
      return { kind: 'unit-moved', date, unit, from: e.fromNames[0] ?? null, to: e.toNames[0], plan };
    case 'merge':
      return { kind: 'unit-merged', date, units: e.fromNames, into: e.toNames, plan };
    case 'split':
      return { kind: 'unit-split', date, unit: e.fromNames[0], into: e.toNames, plan };
    case 'dissolve':
      return { kind: 'unit-dissolved', date, unit: e.fromNames[0], rest: e.toNames[0] ?? null, plan };
    case 'replace':
      return { kind: 'unit-replaced', date, unit: e.fromNames[0], by: e.toNames, plan };
    case 'update':
      return {
        kind: 'unit-updated',
        date,
        unit: e.fromNames[0],
        from: updateFields(e.fromNames),
        to: updateFields(e.toNames),
        plan,
      };
  }
}

/** An update event's names: the unit's name, then `field=value` for each field that changed. */
export function updateNames(name: string, fields: Record<string, string | null>): string[] {
  return [name, ...Object.entries(fields).map(([k, v]) => `${k}=${v ?? ''}`)];
}

function updateFields(names: string[]): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const entry of names.slice(1)) {
    const at = entry.indexOf('=');
    const value = entry.slice(at + 1);
    fields[entry.slice(0, at)] = value === '' ? null : value;
  }
  return fields;
}

/** Names as on one side of a change (a day, or the organization without or with a plan). */
export interface Names {
  unitName(id: string): string;
  personName(id: string): string;
}

interface Planned {
  prov: { plan: string };
}

export interface PostFacts extends Planned {
  unit: string;
  post: string;
  holder: string | null;
  concurrent: boolean;
}

/** A post whose holder differs between `a` (before) and `b` (after), or undefined if it does not. */
export function postChange(
  date: Day,
  a: PostFacts | undefined,
  b: PostFacts | undefined,
  before: Names,
  after: Names,
): DiffChange | undefined {
  const from = a?.holder ?? null;
  const to = b?.holder ?? null;
  if (from === to) return undefined;
  const { unit, post } = (b ?? a)!;
  const change: DiffChange = {
    kind: post === HEAD_POST ? 'head-changed' : 'post-changed',
    date,
    unit: after.unitName(unit),
  };
  if (post !== HEAD_POST) change.post = post;
  change.from = from === null ? null : before.personName(from);
  change.to = to === null ? null : after.personName(to);
  if (b) {
    change.concurrent = b.concurrent;
    change.plan = b.prov.plan;
  }
  return change;
}

export interface PersonFacts extends Planned {
  name: string;
  unit: string;
  level: string | null;
  title: string | null;
}

/** What changed for one person; `managers` is asked only for someone there before and after. */
export function personChanges(
  date: Day,
  a: PersonFacts | undefined,
  b: PersonFacts | undefined,
  before: Names,
  after: Names,
  managers: () => [string | null, string | null],
): DiffChange[] {
  if (!a && b)
    return [{ kind: 'person-joined', date, person: b.name, unit: after.unitName(b.unit), plan: b.prov.plan }];
  if (a && !b) return [{ kind: 'person-left', date, person: a.name, unit: before.unitName(a.unit) }];
  if (!a || !b) return [];
  const changes: DiffChange[] = [];
  const plan = b.prov.plan;
  const person = b.name;
  if (a.unit !== b.unit) {
    const from = before.unitName(a.unit);
    changes.push({ kind: 'person-moved', date, person, from, to: after.unitName(b.unit), plan });
  }
  if (a.name !== b.name)
    changes.push({ kind: 'person-renamed', date, person, from: a.name, to: b.name, plan });
  if (a.level !== b.level)
    changes.push({ kind: 'level-changed', date, person, from: a.level, to: b.level, plan });
  if (a.title !== b.title)
    changes.push({ kind: 'title-changed', date, person, from: a.title, to: b.title, plan });
  const [ma, mb] = managers();
  if (ma !== mb) {
    const from = ma === null ? null : before.personName(ma);
    changes.push({
      kind: 'manager-changed',
      date,
      person,
      from,
      to: mb === null ? null : after.personName(mb),
    });
  }
  return changes;
}

export interface BusinessFacts extends Planned {
  name: string;
  unit: string;
}

/** A business launched, retired or transferred between `a` (before) and `b` (after). */
export function businessChange(
  date: Day,
  a: BusinessFacts | undefined,
  b: BusinessFacts | undefined,
  before: Names,
  after: Names,
): DiffChange | undefined {
  if (!a && b)
    return {
      kind: 'business-launched',
      date,
      business: b.name,
      unit: after.unitName(b.unit),
      plan: b.prov.plan,
    };
  if (a && !b) return { kind: 'business-retired', date, business: a.name, unit: before.unitName(a.unit) };
  if (a && b && a.unit !== b.unit) {
    const from = before.unitName(a.unit);
    return {
      kind: 'business-transferred',
      date,
      business: b.name,
      from,
      to: after.unitName(b.unit),
      plan: b.prov.plan,
    };
  }
  return undefined;
}

export interface LineFacts extends Planned {
  person: string;
  manager: string;
  kind: string;
}

/** Lines present after and not before (added), then before and not after (ended). */
export function lineChanges(
  date: Day,
  linesBefore: LineFacts[],
  linesAfter: LineFacts[],
  before: Names,
  after: Names,
): DiffChange[] {
  const key = (l: LineFacts) => `${l.person}\u0000${l.manager}\u0000${l.kind}`;
  const keysBefore = new Set(linesBefore.map(key));
  const keysAfter = new Set(linesAfter.map(key));
  const changes: DiffChange[] = [];
  for (const l of linesAfter) {
    if (keysBefore.has(key(l))) continue;
    const person = after.personName(l.person);
    changes.push({
      kind: 'line-added',
      date,
      person,
      to: after.personName(l.manager),
      lineKind: l.kind,
      plan: l.prov.plan,
    });
  }
  for (const l of linesBefore) {
    if (keysAfter.has(key(l))) continue;
    const person = before.personName(l.person);
    changes.push({ kind: 'line-ended', date, person, to: before.personName(l.manager), lineKind: l.kind });
  }
  return changes;
}
