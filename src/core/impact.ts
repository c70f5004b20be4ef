import type { History } from './model.ts';
import { type DiffChange, diffSnapshots } from './queries.ts';
import { Snapshot } from './snapshot.ts';
import type { Day } from './time.ts';

export interface Impact {
  date: Day;
  managerChanges: Array<{ person: string; from: string | null; to: string | null }>;
  chainChanges: Array<{ person: string; before: number; after: number }>;
  unitChanges: DiffChange[];
  spans: Array<{ person: string; before: number; after: number }>;
  layers: { before: number; after: number };
  headcount: Array<{ unit: string; before: number; after: number }>;
  businesses: Array<{ business: string; from: string | null; to: string | null }>;
  posts: Array<{ unit: string; post: string; from: string | null; to: string | null }>;
  /** People whose unit changed and who have nobody above them afterwards. */
  withoutHead: Array<{ person: string; unit: string }>;
}

/** How many people report to each manager (solid lines, derived or explicit). */
export function spansOf(snap: Snapshot): Map<string, number> {
  const spans = new Map<string, number>();
  for (const person of snap.people.keys()) {
    const manager = snap.managerOf(person);
    if (manager !== null) spans.set(manager, (spans.get(manager) ?? 0) + 1);
  }
  return spans;
}

/** The number of management layers: the longest chain from anyone to the top, counting both ends. */
export function layersOf(snap: Snapshot): number {
  let layers = 0;
  for (const person of snap.people.keys()) layers = Math.max(layers, snap.chainLength(person) + 1);
  return layers;
}

/** People in each top-level unit's subtree (the root's own members count under the root). */
export function headcountByTopUnit(snap: Snapshot): Map<string, number> {
  const counts = new Map<string, number>();
  const root = snap.roots[0];
  if (root === undefined) return counts;
  for (const person of snap.people.values()) {
    const path = snap.pathOf(person.unit);
    const top = path.length >= 2 ? path[path.length - 2]! : root;
    counts.set(top, (counts.get(top) ?? 0) + 1);
  }
  return counts;
}

/**
 * What a plan would do, on its effective date: `before` is the organization without the plan,
 * `after` with it. Names are those of the day (after for what exists after, before otherwise).
 */
export function impact(before: History, after: History, date: Day, planId?: string): Impact {
  const a = new Snapshot(before, date);
  const b = new Snapshot(after, date);
  const name = (id: string | null, snap: Snapshot) => (id === null ? null : snap.personName(id));
  const result: Impact = {
    date,
    managerChanges: [],
    chainChanges: [],
    unitChanges: [],
    spans: [],
    layers: { before: layersOf(a), after: layersOf(b) },
    headcount: [],
    businesses: [],
    posts: [],
    withoutHead: [],
  };
  for (const id of new Set([...a.people.keys(), ...b.people.keys()])) {
    if (!a.people.has(id) || !b.people.has(id)) continue;
    const from = a.managerOf(id);
    const to = b.managerOf(id);
    if (from !== to)
      result.managerChanges.push({ person: b.personName(id), from: name(from, a), to: name(to, b) });
    const chainBefore = a.chainOf(id).length;
    const chainAfter = b.chainOf(id).length;
    if (chainBefore !== chainAfter)
      result.chainChanges.push({ person: b.personName(id), before: chainBefore, after: chainAfter });
    const moved = a.people.get(id)!.unit !== b.people.get(id)!.unit;
    if (moved && to === null && b.headOf(b.people.get(id)!.unit) !== id) {
      result.withoutHead.push({ person: b.personName(id), unit: b.unitName(b.people.get(id)!.unit) });
    }
  }
  const spansA = spansOf(a);
  const spansB = spansOf(b);
  for (const id of new Set([...spansA.keys(), ...spansB.keys()])) {
    const x = spansA.get(id) ?? 0;
    const y = spansB.get(id) ?? 0;
    if (x !== y)
      result.spans.push({
        person: b.people.has(id) ? b.personName(id) : a.personName(id),
        before: x,
        after: y,
      });
  }
  const countsA = headcountByTopUnit(a);
  const countsB = headcountByTopUnit(b);
  for (const id of new Set([...countsA.keys(), ...countsB.keys()])) {
    const x = countsA.get(id) ?? 0;
    const y = countsB.get(id) ?? 0;
    if (x !== y)
      result.headcount.push({ unit: b.units.has(id) ? b.unitName(id) : a.unitName(id), before: x, after: y });
  }
  const changes = diffSnapshots(after, a, b, date);
  for (const change of changes) {
    if (change.kind.startsWith('unit-') && (planId === undefined || change.plan === planId))
      result.unitChanges.push(change);
  }
  addBusinessesAndPosts(result, changes);
  sortImpact(result);
  return result;
}

/** The business and post entries of a day's changes (in diff order), in the impact's shape. */
export function addBusinessesAndPosts(result: Impact, changes: DiffChange[]): void {
  for (const change of changes) {
    if (change.kind === 'business-transferred') {
      result.businesses.push({
        business: String(change.business),
        from: change.from as string,
        to: change.to as string,
      });
    } else if (change.kind === 'business-launched') {
      result.businesses.push({ business: String(change.business), from: null, to: change.unit as string });
    } else if (change.kind === 'business-retired') {
      result.businesses.push({ business: String(change.business), from: change.unit as string, to: null });
    } else if (change.kind === 'head-changed' || change.kind === 'post-changed') {
      result.posts.push({
        unit: String(change.unit),
        post: (change.post as string | undefined) ?? 'head',
        from: change.from as string | null,
        to: change.to as string | null,
      });
    }
  }
}

/** The impact's lists in the order it gives them: by the person's or the unit's name. */
export function sortImpact(result: Impact): void {
  const byName =
    <T>(key: (t: T) => string) =>
    (x: T, y: T) =>
      key(x).localeCompare(key(y));
  result.managerChanges.sort(byName((c) => c.person));
  result.chainChanges.sort(byName((c) => c.person));
  result.spans.sort(byName((c) => c.person));
  result.headcount.sort(byName((c) => c.unit));
  result.withoutHead.sort(byName((c) => c.person));
}
