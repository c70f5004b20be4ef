// A synthetic organization with history, as plans: a tree of about `depth` levels, people spread over
// it with heads, and `years` of monthly restructurings (moves, merges, splits, appointments, hires,
// leavers, promotions). Deterministic for a given seed.
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
  // Monthly restructurings touching a few units and people each.
  let day = start;
  let next = options.people;
  const live = new Set(Array.from({ length: options.people }, (_, p) => p));
  const months = options.years * 12;
  for (let m = 1; m <= months; m++) {
    day = addDays(day, 30);
    const monthChanges: unknown[] = [];
    const touched = new Set<number>();
    for (let k = 0; k < 3; k++) {
      const unit = 1 + Math.floor(rand() * (options.units - 1));
      const target = Math.floor(rand() * options.units);
      // Move a leaf-ish unit elsewhere, but never under itself: only to a unit with a smaller index
      // that is not its descendant (indices grow with depth, so a smaller index is never below it).
      if (target < unit && !touched.has(unit) && !isBelow(parents, target, unit)) {
        monthChanges.push({ move: { unit: `#u${unit}`, to: `#u${target}` } });
        parents[unit] = target;
        touched.add(unit);
      }
    }
    const changedPeople = new Set<number>();
    for (let k = 0; k < Math.max(2, Math.round(options.people / 2000)); k++) {
      const person = Math.floor(rand() * next);
      // Heads stay put (their units keep a head); one change per person a month.
      if (!live.has(person) || person < options.units || changedPeople.has(person)) continue;
      changedPeople.add(person);
      const r = rand();
      const to = Math.floor(rand() * options.units);
      if (r < 0.4 && to !== unitOf[person]) {
        monthChanges.push({ transfer: { person: `#p${person}`, to: `#u${to}` } });
        unitOf[person] = to;
      } else if (r < 0.7) {
        const level = levels[person] === 'M6' ? 'M7' : 'M6';
        monthChanges.push({ promote: { person: `#p${person}`, level } });
        levels[person] = level;
      } else if (r >= 0.7) {
        monthChanges.push({ leave: { person: `#p${person}` } });
        live.delete(person);
      }
    }
    for (let k = 0; k < 2; k++) {
      const unit = Math.floor(rand() * options.units);
      unitOf[next] = unit;
      levels[next] = 'P4';
      monthChanges.push({
        hire: { person: `Person ${next}`, unit: `#u${unit}`, id: `p${next}`, level: 'P4' },
      });
      live.add(next);
      next += 1;
    }
    plans.push({ plan: `month-${m}`, title: `Restructuring ${m}`, effective: day, changes: monthChanges });
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
