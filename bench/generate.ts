// A synthetic organization with history, as plans: a tree of about 12 levels, people spread over it
// with heads, and `years` of history — weekly hires, leavers, transfers and promotions at realistic
// rates, and monthly restructurings (moves, merges, splits, new heads). Deterministic for a given seed.
import { stringify } from 'yaml';
import type { Plan } from '../src/core/model.ts';
import { addDays } from '../src/core/time.ts';
import { parsePlan } from '../src/formats/plan-file.ts';

export interface GeneratedOrganization {
  plans: Array<{ plan: Plan; source: string }>;
  /** The first day of history and the last day a plan takes effect. */
  start: string;
  end: string;
}

/** A small deterministic pseudo-random generator (mulberry32). */
export function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateOrganization(options: {
  people: number;
  units: number;
  years: number;
  seed?: number;
}): GeneratedOrganization {
  const rand = random(options.seed ?? 42);
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
  const start = '2015-01-01';
  const changes: unknown[] = [{ create: { unit: 'Company', type: 'company', id: 'u0' } }];
  const parents: number[] = [-1];
  // Units: a tree whose depth grows slowly (about 12 levels for 100k units).
  const fanout = Math.max(2, Math.round(options.units ** (1 / 11)));
  for (let i = 1; i < options.units; i++) {
    const parent = Math.floor((i - 1) / fanout);
    parents.push(parent);
    changes.push({ create: { unit: `Unit ${i}`, type: 'unit', parent: `#u${parent}`, id: `u${i}` } });
  }
  const unitOf: number[] = [];
  const levels: string[] = [];
  for (let p = 0; p < options.people; p++) {
    const unit = p < options.units ? p : Math.floor(rand() * options.units);
    const level = pick(['P4', 'P5', 'P6', 'M5', 'M6']);
    unitOf.push(unit);
    levels.push(level);
    changes.push({ hire: { person: `Person ${p}`, unit: `#u${unit}`, id: `p${p}`, level } });
    if (p < options.units) changes.push({ appoint: { person: `#p${p}`, unit: `#u${unit}` } });
  }
  const plans = [{ plan: 'generated-base', title: 'Generated organization', effective: start, changes }];
  // Then `years` of history: every week the ordinary flow of an HR system (hires and leavers at about
  // 12% a year, transfers at 8%, promotions at 5%), and every 30 days a restructuring (units moved,
  // merged and split, a new head appointed).
  let next = options.people;
  const live = new Set(Array.from({ length: options.people }, (_, p) => p));
  const liveUnits = Array.from({ length: options.units }, (_, u) => u);
  const closed = new Set<number>();
  const refOf: string[] = Array.from({ length: options.units }, (_, u) => `#u${u}`);
  const membersOf: Array<Set<number>> = Array.from({ length: options.units }, () => new Set());
  for (const [p, u] of unitOf.entries()) membersOf[u]!.add(p);
  const headOf: number[] = Array.from({ length: options.units }, (_, u) => u);
  const heads = new Set(Array.from({ length: Math.min(options.units, options.people) }, (_, p) => p));
  const childrenOf: Array<Set<number>> = Array.from({ length: options.units }, () => new Set());
  parents.forEach((parent, u) => {
    if (parent >= 0) childrenOf[parent]!.add(u);
  });
  const liveUnit = (): number => {
    for (;;) {
      const u = liveUnits[Math.floor(rand() * liveUnits.length)]!;
      if (!closed.has(u)) return u;
    }
  };
  const setParent = (unit: number, parent: number) => {
    childrenOf[parents[unit]!]?.delete(unit);
    parents[unit] = parent;
    childrenOf[parent]!.add(unit);
  };
  const moveMember = (person: number, unit: number) => {
    membersOf[unitOf[person]!]!.delete(person);
    unitOf[person] = unit;
    membersOf[unit]!.add(person);
  };
  const randomPerson = (): number | undefined => {
    for (let tries = 0; tries < 20; tries++) {
      const person = Math.floor(rand() * next);
      if (live.has(person) && !heads.has(person)) return person;
    }
    return undefined;
  };
  const restructuring = (): unknown[] => {
    const monthChanges: unknown[] = [];
    const touched = new Set<number>();
    // Moves: a unit under another that is not below it.
    for (let k = 0; k < 3; k++) {
      const unit = liveUnit();
      const target = liveUnit();
      if (unit === 0 || touched.has(unit) || target === parents[unit] || isBelow(parents, target, unit))
        continue;
      monthChanges.push({ move: { unit: refOf[unit], to: refOf[target] } });
      setParent(unit, target);
      touched.add(unit);
    }
    // A merge: a unit into one of its siblings, which takes its people and child units.
    const merged = liveUnit();
    const parent = parents[merged]!;
    const sibling = [...(childrenOf[parent] ?? [])].find((s) => s !== merged && !touched.has(s));
    if (merged !== 0 && parent >= 0 && sibling !== undefined && !touched.has(merged)) {
      monthChanges.push({ merge: { units: [refOf[merged]], into: refOf[sibling] } });
      for (const person of [...membersOf[merged]!]) moveMember(person, sibling);
      for (const child of [...childrenOf[merged]!]) setParent(child, sibling);
      if (headOf[merged]! >= 0) heads.delete(headOf[merged]!);
      headOf[merged] = -1;
      childrenOf[parent]!.delete(merged);
      closed.add(merged);
      touched.add(merged).add(sibling);
    }
    // A split: a unit without child units into two new ones; its people go to the first.
    const split = liveUnit();
    if (split !== 0 && !touched.has(split) && childrenOf[split]!.size === 0) {
      const first = parents.length;
      const names = [`Unit ${split} North`, `Unit ${split} South`];
      monthChanges.push({
        split: {
          unit: refOf[split],
          into: names.map((name) => ({ name, type: 'unit' })),
          rest: names[0],
        },
      });
      for (const [i, name] of names.entries()) {
        const id = first + i;
        parents.push(parents[split]!);
        childrenOf.push(new Set());
        childrenOf[parents[split]!]!.add(id);
        membersOf.push(new Set());
        headOf.push(-1);
        refOf.push(name);
        liveUnits.push(id);
      }
      for (const person of [...membersOf[split]!]) moveMember(person, first);
      if (headOf[split]! >= 0) heads.delete(headOf[split]!);
      headOf[split] = -1;
      childrenOf[parents[split]!]!.delete(split);
      closed.add(split);
      touched.add(split);
    }
    // A new head: someone from the unit (or a new hire would be); the former head stays a member.
    const headed = liveUnit();
    const candidate = [...membersOf[headed]!].find((p) => !heads.has(p) && live.has(p));
    if (!touched.has(headed) && candidate !== undefined) {
      monthChanges.push({ appoint: { person: `#p${candidate}`, unit: refOf[headed] } });
      if (headOf[headed]! >= 0) heads.delete(headOf[headed]!);
      headOf[headed] = candidate;
      heads.add(candidate);
    }
    return monthChanges;
  };
  const hrFlow = (): unknown[] => {
    const weekChanges: unknown[] = [];
    const changed = new Set<number>();
    const weekly = (rate: number) => Math.max(1, Math.round((live.size * rate) / 52));
    for (let k = 0; k < weekly(0.12); k++) {
      const person = randomPerson();
      if (person === undefined || changed.has(person)) continue;
      changed.add(person);
      weekChanges.push({ leave: { person: `#p${person}` } });
      live.delete(person);
      membersOf[unitOf[person]!]!.delete(person);
    }
    for (let k = 0; k < weekly(0.08); k++) {
      const person = randomPerson();
      const to = liveUnit();
      if (person === undefined || changed.has(person) || to === unitOf[person]) continue;
      changed.add(person);
      weekChanges.push({ transfer: { person: `#p${person}`, to: refOf[to] } });
      moveMember(person, to);
    }
    for (let k = 0; k < weekly(0.05); k++) {
      const person = randomPerson();
      if (person === undefined || changed.has(person)) continue;
      changed.add(person);
      const level = levels[person] === 'M6' ? 'M7' : 'M6';
      weekChanges.push({ promote: { person: `#p${person}`, level } });
      levels[person] = level;
    }
    for (let k = 0; k < weekly(0.12); k++) {
      const unit = liveUnit();
      unitOf[next] = unit;
      membersOf[unit]!.add(next);
      levels[next] = 'P4';
      weekChanges.push({
        hire: { person: `Person ${next}`, unit: refOf[unit], id: `p${next}`, level: 'P4' },
      });
      live.add(next);
      next += 1;
    }
    return weekChanges;
  };
  const timeline: Array<{ day: string; kind: 'month' | 'week'; n: number }> = [];
  const days = options.years * 360;
  for (let m = 1; m * 30 <= days; m++) timeline.push({ day: addDays(start, m * 30), kind: 'month', n: m });
  for (let w = 1; w * 7 <= days; w++) timeline.push({ day: addDays(start, w * 7), kind: 'week', n: w });
  timeline.sort((a, b) => a.day.localeCompare(b.day) || (a.kind === 'month' ? -1 : 1));
  let day = start;
  for (const entry of timeline) {
    day = entry.day;
    const entryChanges = entry.kind === 'month' ? restructuring() : hrFlow();
    if (entryChanges.length === 0) continue;
    plans.push({
      plan: `${entry.kind}-${entry.n}`,
      title: entry.kind === 'month' ? `Restructuring ${entry.n}` : `Week ${entry.n}`,
      effective: day,
      changes: entryChanges,
    });
  }
  const parsed = plans.map((p) => {
    const source = stringify(p);
    return { plan: parsePlan(source, `${p.plan}.yaml`), source };
  });
  return { plans: parsed, start, end: day };
}

function isBelow(parents: number[], unit: number, ancestor: number): boolean {
  let current = unit;
  while (current >= 0) {
    if (current === ancestor) return true;
    current = parents[current] ?? -1;
  }
  return false;
}
