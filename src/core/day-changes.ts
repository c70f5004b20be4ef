import type { LineageEvent } from './model.ts';
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
  }
}
