import { isSeq, parseDocument } from 'yaml';
import type { Problem } from './errors.ts';
import type { History, Plan } from './model.ts';
import { type DiffChange, diffSnapshots } from './queries.ts';
import { checkPlans, type SequencedPlan } from './replay.ts';
import { Snapshot } from './snapshot.ts';
import type { Day } from './time.ts';

/**
 * The differences between two organizations on one day: units that exist in only one of them
 * or sit elsewhere, then every head, post, person, manager and business that differs
 * (`from` is the first organization, `to` the second).
 */
export function compareOrganizations(a: History, b: History, date: Day): DiffChange[] {
  const x = new Snapshot(a, date);
  const y = new Snapshot(b, date);
  const changes: DiffChange[] = [];
  const path = (snap: Snapshot, id: string) =>
    snap
      .pathOf(id)
      .map((u) => snap.unitName(u))
      .reverse()
      .join(' / ');
  for (const unit of x.units.values()) {
    const other = y.units.get(unit.id);
    if (!other) changes.push({ kind: 'unit-only-in-first', date, unit: unit.name, path: path(x, unit.id) });
    else if (other.name !== unit.name)
      changes.push({
        kind: 'unit-named-differently',
        date,
        unit: unit.name,
        from: unit.name,
        to: other.name,
      });
    else if (other.parent !== unit.parent) {
      changes.push({
        kind: 'unit-placed-differently',
        date,
        unit: unit.name,
        from: path(x, unit.id),
        to: path(y, unit.id),
      });
    }
  }
  for (const unit of y.units.values()) {
    if (!x.units.has(unit.id))
      changes.push({ kind: 'unit-only-in-second', date, unit: unit.name, path: path(y, unit.id) });
  }
  changes.sort((p, q) => p.kind.localeCompare(q.kind) || String(p.unit).localeCompare(String(q.unit)));
  return [...changes, ...diffSnapshots({ ...b, events: [] }, x, y, date)];
}

export interface PlanText {
  file: string;
  source: string;
}

export interface RebaseConflict {
  plan: string;
  operation: string;
  location?: Problem['location'];
  reason: string;
}

export interface RebaseResult {
  plans: PlanText[];
  conflicts: RebaseConflict[];
}

/**
 * Moves a scenario's plans onto the organization as it is now. Each operation that still applies
 * (after the ones kept before it) moves over; each that does not is listed with the reason, and
 * removed from its plan's text. Nothing is dropped silently.
 */
export function rebase(applied: SequencedPlan[], plans: Array<{ plan: Plan; text: PlanText }>): RebaseResult {
  const conflicts: RebaseConflict[] = [];
  const kept: PlanText[] = [];
  const base = [...applied];
  let seq = applied.reduce((max, a) => Math.max(max, a.seq), 0);
  for (const { plan, text } of plans) {
    const keptOps: Plan['changes'] = [];
    for (const op of plan.changes) {
      const candidate: Plan = { ...plan, changes: [...keptOps, op] };
      const result = checkPlans(base, [candidate]);
      if (result.ok) keptOps.push(op);
      else {
        const problem = result.problems[0];
        conflicts.push({
          plan: plan.id,
          operation: `${op.kind} (changes[${op.index}])`,
          ...(op.location ? { location: op.location } : {}),
          reason: problem?.message ?? 'refused',
        });
      }
    }
    if (keptOps.length === 0) continue;
    const doc = parseDocument(text.source);
    const changes = doc.get('changes');
    if (isSeq(changes)) {
      const keep = new Set(keptOps.map((op) => op.index));
      changes.items = changes.items.filter((_item, index) => keep.has(index));
    }
    const source = String(doc);
    kept.push({ file: text.file, source });
    base.push({ plan: { ...plan, changes: keptOps }, seq: ++seq });
  }
  return { plans: kept, conflicts };
}
