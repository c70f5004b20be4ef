import type { OrgBuilder } from './apply.ts';
import { nameKey } from './names.ts';
import { headShadow } from './reporting.ts';

// Questions about a builder's organization now, asked only around what the last operations touched,
// so that their cost follows the change rather than the size of the organization.

/**
 * Everyone in the organization now whose manager may differ from before the touched operations:
 * the people touched, both ends of changed lines, post holders, and the members and heads in the
 * head shadow of every unit touched or whose posts changed. A superset; never misses one.
 */
export function managerCandidates(builder: OrgBuilder): Set<string> {
  const t = builder.touched;
  const out = new Set<string>();
  const addLive = (person: string) => {
    if (builder.livePerson(person)) out.add(person);
  };
  for (const p of t.people) addLive(p);
  for (const p of t.linePeople) addLive(p);
  for (const p of t.postHolders) addLive(p);
  const visit = (unit: string) => {
    for (const m of builder.liveMembers(unit)) out.add(m);
    const head = builder.liveHead(unit);
    if (head !== null) addLive(head);
  };
  for (const unit of new Set([...t.units, ...t.postUnits])) {
    if (builder.liveUnit(unit)) headShadow(builder.live, unit, visit);
  }
  return out;
}

/**
 * The people who report to `manager` now (solid lines, derived or explicit): members of the units
 * they head, heads found by looking up through headless units, and explicit solid lines.
 */
export function reportsOf(builder: OrgBuilder, manager: string, solidTo: Map<string, string[]>): string[] {
  const candidates = new Set<string>(solidTo.get(manager) ?? []);
  for (const post of builder.livePostsHeld(manager)) {
    if (post.post !== 'head') continue;
    headShadow(builder.live, post.unit, (unit) => {
      for (const m of builder.liveMembers(unit)) candidates.add(m);
      const head = builder.liveHead(unit);
      if (head !== null) candidates.add(head);
    });
  }
  const reports: string[] = [];
  for (const person of candidates) {
    if (person !== manager && builder.liveManagerOf(person) === manager) reports.push(person);
  }
  return reports;
}

/** Who holds an explicit solid line to whom, now. */
export function solidLinesTo(builder: OrgBuilder): Map<string, string[]> {
  const to = new Map<string, string[]>();
  for (const line of builder.liveLines()) {
    if (line.kind !== 'solid') continue;
    const list = to.get(line.manager);
    if (list) list.push(line.person);
    else to.set(line.manager, [line.person]);
  }
  return to;
}

/**
 * Whether the organization now might break an invariant of `checkInvariants`, judged only from
 * what was touched since `markTouched()`. It may say yes when all is well (the caller then runs the
 * full check, which decides and words the problems), but never no when an invariant is broken, as
 * long as the organization kept them all before the touched operations.
 */
export function mayViolate(builder: OrgBuilder): boolean {
  const t = builder.touched;
  if (t.doubledPosts) return true;
  // With further parents a cycle can close away from what was touched: leave it to the full check.
  if (builder.hasFurtherParents && t.units.size > 0) return true;
  if (builder.liveRootIds.size !== 1 && (builder.liveRootIds.size > 1 || anyLiveUnit(builder))) return true;
  for (const unit of t.units) {
    const version = builder.liveUnit(unit);
    if (!version) {
      if (
        builder.liveChildren(unit).size > 0 ||
        builder.liveMembers(unit).size > 0 ||
        builder.liveOwned(unit).size > 0 ||
        builder.livePostsIn(unit).size > 0
      )
        return true;
      continue;
    }
    if (version.parent === null) continue;
    if (!builder.liveUnit(version.parent)) return true;
    if (climbsIntoCycle(builder, unit)) return true;
    const key = nameKey(version.name);
    for (const other of builder.liveUnitsNamed(key)) {
      if (other === unit || builder.liveUnit(other)?.parent !== version.parent) continue;
      if (nameKey(builder.unitNameNow(other)) === key) return true;
    }
  }
  for (const person of t.people) {
    const version = builder.livePerson(person);
    if (!version) {
      if (builder.livePostsHeld(person).size > 0) return true;
    } else if (!builder.liveUnit(version.unit)) return true;
  }
  for (const business of t.businesses) {
    const version = builder.liveBusiness(business);
    if (version && !builder.liveUnit(version.unit)) return true;
  }
  for (const unit of t.postUnits) {
    const keys = new Set<string>();
    for (const post of builder.livePostsIn(unit)) {
      const key = nameKey(post.post);
      if (keys.has(key)) return true;
      keys.add(key);
      if (!builder.liveUnit(post.unit)) return true;
      if (post.holder !== null && !builder.livePerson(post.holder)) return true;
    }
  }
  return reportingCycle(builder, managerCandidates(builder));
}

function anyLiveUnit(builder: OrgBuilder): boolean {
  for (const id of builder.history.units.keys()) if (builder.liveUnit(id)) return true;
  return false;
}

function climbsIntoCycle(builder: OrgBuilder, unit: string): boolean {
  const seen = new Set<string>();
  let current: string | null = unit;
  while (current !== null) {
    if (seen.has(current)) return true;
    seen.add(current);
    current = builder.liveUnit(current)?.parent ?? null;
  }
  return false;
}

function reportingCycle(builder: OrgBuilder, candidates: Set<string>): boolean {
  const clear = new Set<string>();
  for (const person of candidates) {
    const path = new Set<string>();
    let current: string | null = person;
    while (current !== null && !clear.has(current)) {
      if (path.has(current)) return true;
      path.add(current);
      current = builder.liveManagerOf(current);
    }
    for (const p of path) clear.add(p);
  }
  return false;
}
