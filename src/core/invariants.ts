import type { History } from './model.ts';
import { nameKey } from './names.ts';
import { Snapshot } from './snapshot.ts';
import type { Day } from './time.ts';

/**
 * Checks PRODUCT.md's invariants on the organization as of `date` and returns one message
 * per violation (empty when the organization is sound). Invariant 4 (nothing orphaned by a
 * merge, split or dissolve) is enforced by those operations themselves; here it shows up as
 * a member, post or business whose unit is gone.
 */
export function checkInvariants(history: History, date: Day): string[] {
  const snap = new Snapshot(history, date);
  const problems: string[] = [];
  // Everything is visited in the order of ids, so that the problems (their order, where a cycle is
  // said to start) depend on the facts alone, not on the order the history was built or read in.
  const byId = <T>(map: Map<string, T>): T[] => [...map.keys()].sort().map((id) => map.get(id)!);
  const units = byId(snap.units);
  const roots = [...snap.roots].sort();

  // 1. One root, live parents, no cycle.
  if (snap.units.size > 0 && snap.roots.length !== 1) {
    problems.push(
      snap.roots.length === 0
        ? 'the unit tree has no root'
        : `the unit tree has ${roots.length} roots: ${roots.map((r) => snap.unitName(r)).join(', ')}`,
    );
  }
  for (const unit of units) {
    if (unit.parent !== null && !snap.units.has(unit.parent)) {
      problems.push(`unit "${unit.name}" has a parent that no longer exists (${snap.unitName(unit.parent)})`);
    }
  }
  const reachable = new Set<string>();
  const stack = [...snap.roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const child of snap.units.get(id)?.children ?? []) stack.push(child);
  }
  for (const unit of units) {
    if (!reachable.has(unit.id) && unit.parent !== null && snap.units.has(unit.parent)) {
      problems.push(`unit "${unit.name}" is part of a cycle in the unit tree`);
    }
  }

  // 1b. Further parents are live, and no cycle closes through them.
  const further = units.filter((u) => u.alsoUnder !== undefined);
  for (const unit of further) {
    for (const p of unit.alsoUnder!) {
      if (!snap.units.has(p))
        problems.push(`unit "${unit.name}" is also under a unit that no longer exists (${snap.unitName(p)})`);
    }
  }
  if (further.length > 0) {
    const state = new Map<string, 'open' | 'done'>();
    const reported = new Set<string>();
    const visit = (id: string, path: string[]): void => {
      state.set(id, 'open');
      const unit = snap.units.get(id)!;
      for (const p of [unit.parent, ...(unit.alsoUnder ?? [])]) {
        if (p === null || !snap.units.has(p)) continue;
        if (state.get(p) === 'open') {
          const cycle = path.slice(path.indexOf(p));
          if (!cycle.some((u) => reported.has(u))) {
            for (const u of cycle) reported.add(u);
            problems.push(
              `units form a cycle through their parents: ${[...cycle, p].map((u) => snap.unitName(u)).join(' → ')}`,
            );
          }
        } else if (!state.has(p)) visit(p, [...path, p]);
      }
      state.set(id, 'done');
    };
    for (const unit of units) if (!state.has(unit.id)) visit(unit.id, [unit.id]);
  }

  // 2. At most one holder per post; holders and posts belong to live people and units.
  const seenPosts = new Map<string, string | null>();
  const posts = [...snap.posts].sort(
    (a, b) => compare(a.unit, b.unit) || compare(a.post, b.post) || compare(a.holder ?? '', b.holder ?? ''),
  );
  for (const post of posts) {
    const key = `${post.unit}\u0000${post.post}`;
    if (seenPosts.has(key)) {
      problems.push(`post "${post.post}" of "${snap.unitName(post.unit)}" has more than one holder`);
    }
    seenPosts.set(key, post.holder);
    if (!snap.units.has(post.unit)) {
      problems.push(
        `post "${post.post}" belongs to unit "${snap.unitName(post.unit)}", which no longer exists`,
      );
    }
    if (post.holder !== null && !snap.people.has(post.holder)) {
      problems.push(`post "${post.post}" of "${snap.unitName(post.unit)}" is held by someone who has left`);
    }
  }

  // 3. Reporting chains have no cycle.
  const inCycle = new Set<string>();
  const people = byId(snap.people);
  for (const { id: person } of people) {
    if (inCycle.has(person)) continue;
    const order: string[] = [];
    const position = new Map<string, number>();
    let current: string | null = person;
    while (current !== null && !position.has(current)) {
      position.set(current, order.length);
      order.push(current);
      current = snap.managerOf(current);
    }
    if (current !== null) {
      const cycle = order.slice(position.get(current));
      if (!cycle.some((p) => inCycle.has(p))) {
        for (const p of cycle) inCycle.add(p);
        problems.push(
          `reporting lines form a cycle: ${[...cycle, current].map((p) => snap.personName(p)).join(' → ')}`,
        );
      }
    }
  }

  // 4/5. Every member and every business has a live unit.
  for (const person of people) {
    if (!snap.units.has(person.unit)) {
      problems.push(
        `person "${person.name}" belongs to "${snap.unitName(person.unit)}", which no longer exists`,
      );
    }
  }
  for (const business of byId(snap.businesses)) {
    if (!snap.units.has(business.unit)) {
      problems.push(
        `business "${business.name}" is owned by "${snap.unitName(business.unit)}", which no longer exists`,
      );
    }
  }

  // 6. Sibling units have distinct names.
  for (const unit of units) {
    const names = new Map<string, string>();
    for (const child of [...unit.children].sort()) {
      const key = nameKey(snap.unitName(child));
      if (names.has(key)) problems.push(`two units named "${snap.unitName(child)}" under "${unit.name}"`);
      names.set(key, child);
    }
  }
  return problems;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
