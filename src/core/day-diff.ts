import {
  businessChange,
  compareDayChanges,
  type DiffChange,
  lineChanges,
  personChanges,
  postChange,
  unitEventChange,
} from './day-changes.ts';
import {
  type BusinessVersion,
  HEAD_POST,
  type History,
  type LineageEvent,
  type PersonVersion,
  type PostVersion,
  type ReportLineVersion,
  type UnitVersion,
  type Versioned,
} from './model.ts';
import { headShadow, managerOf, type ReportingTree } from './reporting.ts';
import { versionAt } from './snapshot.ts';
import { type Day, within } from './time.ts';

// The diff read from version boundaries: what changed on a day is found from the facts that begin or
// end that day (and, for reporting lines, the units below a changed unit), never from a whole-
// organization snapshot. Its cost follows the changes in the window.

/** What begins or ends on one day. */
export interface DayTouches {
  units: Set<string>;
  people: Set<string>;
  businesses: Set<string>;
  postUnits: Set<string>;
  postHolders: Set<string>;
  linePeople: Set<string>;
}

/** Per history (kept in a WeakMap): facts grouped by the day they begin or end, and by owner. */
export class ChangeIndex {
  /** Every day on which some fact begins or ends, in order. */
  readonly days: Day[];
  private readonly byDay = new Map<Day, DayTouches>();
  readonly postsByUnit = new Map<string, PostVersion[]>();
  readonly linesByPerson = new Map<string, ReportLineVersion[]>();
  readonly eventsByDay = new Map<Day, LineageEvent[]>();
  /** Every unit that ever had `parent` as its parent; every person ever in a unit. */
  readonly everChildren = new Map<string, Set<string>>();
  readonly everMembers = new Map<string, Set<string>>();
  /** The position of each person and business record, to keep the snapshot diff's order. */
  readonly personOrder = new Map<string, number>();

  private static readonly kept = new WeakMap<History, ChangeIndex>();

  static of(history: History): ChangeIndex {
    let index = ChangeIndex.kept.get(history);
    if (!index) {
      index = new ChangeIndex(history);
      ChangeIndex.kept.set(history, index);
    }
    return index;
  }

  private constructor(readonly history: History) {
    const touch = (day: Day): DayTouches => {
      let t = this.byDay.get(day);
      if (!t) {
        t = {
          units: new Set(),
          people: new Set(),
          businesses: new Set(),
          postUnits: new Set(),
          postHolders: new Set(),
          linePeople: new Set(),
        };
        this.byDay.set(day, t);
      }
      return t;
    };
    const bounds = (v: Versioned, add: (t: DayTouches) => void) => {
      add(touch(v.from));
      if (v.to !== null) add(touch(v.to));
    };
    for (const record of history.units.values()) {
      for (const v of record.versions) {
        bounds(v, (t) => t.units.add(record.id));
        if (v.parent !== null) addTo(this.everChildren, v.parent, record.id);
      }
    }
    let position = 0;
    for (const record of history.people.values()) {
      this.personOrder.set(record.id, position++);
      for (const v of record.versions) {
        bounds(v, (t) => t.people.add(record.id));
        addTo(this.everMembers, v.unit, record.id);
      }
    }
    for (const record of history.businesses.values())
      for (const v of record.versions) bounds(v, (t) => t.businesses.add(record.id));
    for (const post of history.posts) {
      bounds(post, (t) => {
        t.postUnits.add(post.unit);
        if (post.holder !== null) t.postHolders.add(post.holder);
      });
      push(this.postsByUnit, post.unit, post);
    }
    for (const line of history.lines) {
      bounds(line, (t) => {
        t.linePeople.add(line.person);
        t.linePeople.add(line.manager);
      });
      push(this.linesByPerson, line.person, line);
    }
    for (const event of history.events) {
      push(this.eventsByDay, event.date, event);
      touch(event.date); // a succession may change no fact, yet is a change that day
    }
    this.days = [...this.byDay.keys()].sort();
  }

  touchesOn(day: Day): DayTouches | undefined {
    return this.byDay.get(day);
  }
}

/** The organization on one day, asked one fact at a time (answers as `Snapshot` gives them). */
export class DayView implements ReportingTree {
  private readonly units = new Map<string, UnitVersion | undefined>();
  private readonly people = new Map<string, PersonVersion | undefined>();
  private readonly managers = new Map<string, string | null>();

  constructor(
    readonly index: ChangeIndex,
    readonly day: Day,
  ) {}

  unit(id: string): UnitVersion | undefined {
    if (!this.units.has(id)) {
      const record = this.index.history.units.get(id);
      this.units.set(id, record ? versionAt(record.versions, this.day) : undefined);
    }
    return this.units.get(id);
  }

  person(id: string): PersonVersion | undefined {
    if (!this.people.has(id)) {
      const record = this.index.history.people.get(id);
      this.people.set(id, record ? versionAt(record.versions, this.day) : undefined);
    }
    return this.people.get(id);
  }

  business(id: string): BusinessVersion | undefined {
    const record = this.index.history.businesses.get(id);
    return record ? versionAt(record.versions, this.day) : undefined;
  }

  postsOf(unit: string): PostVersion[] {
    return (this.index.postsByUnit.get(unit) ?? []).filter((p) => within(this.day, p.from, p.to));
  }

  headOf(unit: string): string | null {
    for (const post of this.postsOf(unit)) if (post.post === HEAD_POST) return post.holder;
    return null;
  }

  linesOf(person: string): ReportLineVersion[] {
    return (this.index.linesByPerson.get(person) ?? []).filter((l) => within(this.day, l.from, l.to));
  }

  children(unit: string): string[] {
    return [...(this.index.everChildren.get(unit) ?? [])].filter((c) => this.unit(c)?.parent === unit);
  }

  members(unit: string): string[] {
    return [...(this.index.everMembers.get(unit) ?? [])].filter((m) => this.person(m)?.unit === unit);
  }

  solidManager(person: string): string | null {
    const solid = this.linesOf(person).find((l) => l.kind === 'solid');
    return solid && this.person(solid.manager) ? solid.manager : null;
  }

  unitOf(person: string): string | undefined {
    return this.person(person)?.unit;
  }

  parentOf(unit: string): string | null {
    return this.unit(unit)?.parent ?? null;
  }

  managerOf(person: string): string | null {
    let manager = this.managers.get(person);
    if (manager === undefined) {
      manager = managerOf(this, person);
      this.managers.set(person, manager);
    }
    return manager;
  }

  unitName(id: string): string {
    return this.unit(id)?.name ?? this.index.history.units.get(id)?.versions.at(-1)?.name ?? id;
  }

  personName(id: string): string {
    return this.person(id)?.name ?? this.index.history.people.get(id)?.versions.at(-1)?.name ?? id;
  }

  parentName(unit: string | null): string | null {
    if (unit === null) return null;
    const parent = this.unit(unit)?.parent ?? null;
    return parent === null ? null : this.unitName(parent);
  }

  /**
   * The people whose manager may differ from another day's because `unit` changed: its members and
   * head, and those of every unit below it reached through units without a head.
   */
  shadow(unit: string, into: Set<string>): void {
    headShadow(this, unit, (u) => {
      for (const m of this.members(u)) into.add(m);
      const head = this.headOf(u);
      if (head !== null) into.add(head);
    });
  }
}

/**
 * The people whose facts may differ on `after`'s day from `before`'s (null: no day before): those a fact
 * of theirs begins or ends for, and the head shadow of every unit that changed and is there both days.
 * A unit that begins or ends that day shadows no one new: its members and head begin or end a fact
 * then, and so do its child units (made, moved or ended), whose own shadows reach below them.
 */
export function peopleTouched(t: DayTouches, before: DayView | null, after: DayView): Set<string> {
  const people = new Set(t.people);
  for (const id of t.linePeople) people.add(id);
  for (const id of t.postHolders) people.add(id);
  if (before === null) return people;
  for (const unit of new Set([...t.units, ...t.postUnits])) {
    if (!before.unit(unit) || !after.unit(unit)) continue;
    after.shadow(unit, people);
    before.shadow(unit, people);
  }
  return people;
}

/**
 * The changes of one day, `before` being the organization on any day since the previous change day
 * and `after` that day: the same entries, in the same order, as the snapshot diff (`stepDiff`).
 */
export function dayChanges(before: DayView, after: DayView): DiffChange[] {
  const index = after.index;
  const date = after.day;
  const t = index.touchesOn(date);
  if (!t) return [];
  const changes: DiffChange[] = [];
  for (const unit of t.postUnits) {
    const pairs = new Map<string, { a?: PostVersion; b?: PostVersion }>();
    for (const p of before.postsOf(unit)) pairs.set(`${p.unit}\u0000${p.post}`, { a: p });
    for (const p of after.postsOf(unit)) {
      const key = `${p.unit}\u0000${p.post}`;
      pairs.set(key, { ...pairs.get(key), b: p });
    }
    if (!after.unit(unit)) continue;
    for (const { a, b } of pairs.values()) {
      const change = postChange(date, a, b, before, after);
      if (change) changes.push(change);
    }
  }
  const order = index.personOrder;
  const people = [...peopleTouched(t, before, after)].sort(
    (x, y) => (order.get(x) ?? 0) - (order.get(y) ?? 0),
  );
  for (const id of people) {
    const managers = (): [string | null, string | null] => [before.managerOf(id), after.managerOf(id)];
    changes.push(...personChanges(date, before.person(id), after.person(id), before, after, managers));
  }
  for (const id of t.businesses) {
    const change = businessChange(date, before.business(id), after.business(id), before, after);
    if (change) changes.push(change);
  }
  for (const person of t.linePeople)
    changes.push(...lineChanges(date, before.linesOf(person), after.linesOf(person), before, after));
  changes.sort(compareDayChanges);
  const events = (index.eventsByDay.get(date) ?? []).map((e) =>
    unitEventChange(
      e,
      (id) => after.unitName(id),
      (id) => after.parentName(id),
    ),
  );
  return [...events, ...changes];
}

/** The changes between `from` and `to`, day by day over the days on which some fact begins or ends. */
export function diffByDays(history: History, from: Day, to: Day): DiffChange[] {
  const index = ChangeIndex.of(history);
  const days = index.days;
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]! <= from) lo = mid + 1;
    else hi = mid;
  }
  const changes: DiffChange[] = [];
  let before = new DayView(index, from);
  for (let i = lo; i < days.length && days[i]! <= to; i++) {
    const after = new DayView(index, days[i]!);
    // One by one: a day of an import holds millions of changes, more than a call's arguments may be.
    for (const change of dayChanges(before, after)) changes.push(change);
    before = after;
  }
  return changes;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
