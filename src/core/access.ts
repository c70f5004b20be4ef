import { changeDays, emptyHistory, type History, type LineageEvent, type Versioned } from './model.ts';
import { Snapshot } from './snapshot.ts';
import type { Day } from './time.ts';

/** What an organization's facts are replaced by when they lie outside what a reader may see. */
export const OUTSIDE = '(outside your scope)';

interface Period {
  from: Day;
  to: Day | null;
  units: Set<string>;
  people: Set<string>;
}

/** For each period between changes: the units of the subtree under `scope`, and the people in it. */
function scopePeriods(history: History, scope: string): Period[] {
  const days = changeDays(history);
  return days.map((from, i) => {
    const snap = new Snapshot(history, from);
    const units = new Set<string>();
    if (snap.units.has(scope)) {
      const stack = [scope];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (units.has(id)) continue;
        units.add(id);
        for (const child of snap.units.get(id)?.children ?? []) stack.push(child);
      }
    }
    const people = new Set<string>();
    for (const person of snap.people.values()) if (units.has(person.unit)) people.add(person.id);
    for (const post of snap.posts) if (post.holder !== null && units.has(post.unit)) people.add(post.holder);
    return { from, to: days[i + 1] ?? null, units, people };
  });
}

function laterDay(a: Day, b: Day): Day {
  return a > b ? a : b;
}

function earlierDay(a: Day, b: Day): Day {
  return a < b ? a : b;
}

/** Cuts versions to the periods in which `keep` holds, joining pieces that touch. */
function clip<V extends Versioned>(
  versions: V[],
  periods: Period[],
  keep: (v: V, p: Period) => boolean,
  map: (v: V, p: Period) => V = (v) => v,
): V[] {
  const out: V[] = [];
  for (const v of versions) {
    for (const p of periods) {
      const from = laterDay(v.from, p.from);
      const to = v.to === null ? p.to : p.to === null ? v.to : earlierDay(v.to, p.to);
      if (to !== null && from >= to) continue;
      if (!keep(v, p)) continue;
      const last = out.at(-1);
      const piece = { ...map(v, p), from, to };
      if (
        last &&
        last.to === from &&
        JSON.stringify({ ...last, from: 0, to: 0 }) === JSON.stringify({ ...piece, from: 0, to: 0 })
      ) {
        last.to = to;
      } else out.push(piece);
    }
  }
  return out;
}

function periodAt(periods: Period[], day: Day): Period | undefined {
  return periods.find((p) => p.from <= day && (p.to === null || day < p.to));
}

/**
 * The organization as seen by someone whose grant covers only the subtree under `scope`:
 * every fact outside it, at its time, is gone; references out of it read `OUTSIDE`. All
 * queries run on the result, so no route can show more than the grant allows.
 */
export function restrictToSubtree(history: History, scope: string): History {
  const periods = scopePeriods(history, scope);
  const unitIn = (id: string, p: Period) => p.units.has(id);
  const outside = (id: string | null, p: Period) => (id === null || p.units.has(id) ? id : OUTSIDE);
  const restricted = emptyHistory();
  for (const record of history.units.values()) {
    const versions = clip(
      record.versions,
      periods,
      (_v, p) => unitIn(record.id, p),
      (v) => ({ ...v, parent: record.id === scope ? null : v.parent }),
    );
    if (versions.length > 0) restricted.units.set(record.id, { ...record, versions });
  }
  for (const record of history.people.values()) {
    // The unit is mapped per period, before pieces are joined: a person can stay in scope (by a
    // post) while their own unit leaves it.
    const versions = clip(
      record.versions,
      periods,
      (_v, p) => p.people.has(record.id),
      (v, p) => ({ ...v, unit: outside(v.unit, p) ?? OUTSIDE }),
    );
    if (versions.length > 0) restricted.people.set(record.id, { ...record, versions });
  }
  for (const record of history.businesses.values()) {
    const versions = clip(record.versions, periods, (v, p) => unitIn(v.unit, p));
    if (versions.length > 0) restricted.businesses.set(record.id, { ...record, versions });
  }
  restricted.posts = history.posts.flatMap((post) => clip([post], periods, (v, p) => unitIn(v.unit, p)));
  restricted.lines = history.lines.flatMap((line) =>
    clip([line], periods, (v, p) => p.people.has(v.person) && p.people.has(v.manager)),
  );
  restricted.events = history.events.filter((event: LineageEvent) => {
    const after = periodAt(periods, event.date);
    const before = [...periods].reverse().find((p) => p.from < event.date);
    const inside = (id: string) => (after?.units.has(id) ?? false) || (before?.units.has(id) ?? false);
    return [...event.from, ...event.to, ...(event.unit ? [event.unit] : [])].every(inside);
  });
  const plansSeen = new Set<string>();
  const note = (vs: Versioned[]) => {
    for (const v of vs) plansSeen.add(v.prov.plan);
  };
  for (const r of restricted.units.values()) note(r.versions);
  for (const r of restricted.people.values()) note(r.versions);
  for (const r of restricted.businesses.values()) note(r.versions);
  note(restricted.posts);
  note(restricted.lines);
  for (const e of restricted.events) plansSeen.add(e.prov.plan);
  restricted.plans = history.plans.filter((p) => plansSeen.has(p.id));
  return restricted;
}

/** The organization with every person's level removed (for readers without the confidential grant). */
export function withoutLevels(history: History): History {
  const people = new Map(
    [...history.people].map(([id, record]) => [
      id,
      { ...record, versions: record.versions.map((v) => ({ ...v, level: null })) },
    ]),
  );
  return { ...history, people };
}
