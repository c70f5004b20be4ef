import { lastLived, normalizePost } from './apply.ts';
import { updateNames } from './day-changes.ts';
import {
  emptyHistory,
  HEAD_POST,
  type History,
  type LineageEvent,
  type Operation,
  type PersonRecord,
  type PersonVersion,
  type Plan,
  type PostVersion,
  type Progress,
  type Provenance,
  type ReportLineVersion,
  type UnitRecord,
  type UnitVersion,
} from './model.ts';
import { nameKey } from './names.ts';
import { compact, PROGRESS_EVERY, summarize } from './replay.ts';
import type { Day } from './time.ts';

/**
 * An organization's first plans (an import's dated plans, usually millions of changes) applied the
 * short way: the same facts `OrgBuilder` and `applyPlan` make of them, from lean indexes, without an
 * undo journal, name indexes or the located error messages. It answers only when it is sure: any
 * operation it does not carry (merges, splits, successors, statuses, further parents, references by
 * name, businesses) and any operation or day that might be refused gives `ok: false`, and the caller
 * applies the plans the usual way, which decides and locates the problems. Property-tested to store
 * what the usual way stores, row for row (`test/engine/first-import.test.ts`).
 */
export type FirstPlansResult = { ok: true; history: History } | { ok: false; reason: string };

/** A plan whose changes may be made as they are walked (an import's are millions: never all held). */
export interface FirstPlan {
  plan: Omit<Plan, 'changes'> & { changes: Iterable<Operation> };
  /** How many changes it has. */
  size: number;
}

/** Why the short way gives up: the usual way decides. */
class NotSure extends Error {}

export function applyFirstPlans(plans: readonly FirstPlan[], progress?: Progress): FirstPlansResult {
  const total = plans.reduce((n, p) => n + p.size, 0);
  const stage = `checking ${plans.length} plan${plans.length === 1 ? '' : 's'}`;
  const builder = new FirstBuilder();
  let done = 0;
  let previous: Day = '0000-01-01';
  try {
    for (const { plan, size } of plans) {
      if (plan.effective < previous) throw new NotSure('plans out of date order');
      previous = plan.effective;
      if (plan.snapshot !== true) throw new NotSure('not a snapshot plan');
      builder.startDay(plan.effective, plan.id);
      let i = 0;
      for (const change of plan.changes) {
        builder.apply(change);
        i += 1;
        if (progress && (done + i) % PROGRESS_EVERY === 0) progress(stage, done + i, total);
      }
      done += size;
      builder.endDay();
      progress?.(stage, done, total);
    }
  } catch (error) {
    if (error instanceof NotSure) return { ok: false, reason: error.message };
    throw error;
  }
  const history = builder.history();
  history.plans = plans.map(({ plan }, i) => summarize(plan, i + 1));
  compact(history);
  return { ok: true, history };
}

/** A person as the builder keeps them: the record and everything open about them, found in one lookup. */
interface PersonState {
  record: PersonRecord;
  open: PersonVersion | null;
  unit: UnitState | null;
  /** The open explicit solid line (imports make no dotted ones), and its manager. */
  solid: ReportLineVersion | null;
  manager: PersonState | null;
  /** Who holds an open solid line to this person. */
  reports: Set<PersonState> | null;
  posts: OpenPost[] | null;
  /** The day (its number) on which it was last touched, counted among candidates, walked. */
  touched: number;
  lineTouched: number;
  candidate: number;
  walk: number;
}

interface UnitState {
  record: UnitRecord;
  open: UnitVersion | null;
  parent: UnitState | null;
  children: Set<UnitState> | null;
  members: Set<PersonState> | null;
  /** Open posts by name key. */
  posts: Map<string, OpenPost> | null;
  touched: number;
  postTouched: number;
  shadow: number;
}

interface OpenPost {
  version: PostVersion;
  unit: UnitState;
  holder: PersonState | null;
}

const HEAD_KEY = nameKey(HEAD_POST);

class FirstBuilder {
  private date: Day = '0000-01-01';
  private prov: Provenance = { plan: '', inferred: false };
  /** Numbers the days, for the states' marks. */
  private day = 0;
  private marks = 0;
  private readonly units = new Map<string, UnitState>();
  private readonly people = new Map<string, PersonState>();
  private readonly posts: PostVersion[] = [];
  private readonly lines: ReportLineVersion[] = [];
  private readonly events: LineageEvent[] = [];
  /** Live units by parent and name key, counted: sibling names are checked at the end of each day. */
  private readonly siblingNames = new Map<string, number>();
  private readonly liveRoots = new Set<UnitState>();
  // What the day's operations touched, as `Touched` (for the end-of-day check).
  private touchedUnits: UnitState[] = [];
  private touchedPeople: PersonState[] = [];
  private touchedPostUnits: UnitState[] = [];
  private touchedLinePeople: PersonState[] = [];

  /** The facts: records in the order they were made (as `OrgBuilder` makes them). */
  history(): History {
    const history = emptyHistory();
    for (const [id, unit] of this.units) history.units.set(id, unit.record);
    for (const [id, person] of this.people) history.people.set(id, person.record);
    history.posts = this.posts;
    history.lines = this.lines;
    history.events = this.events;
    return history;
  }

  startDay(date: Day, planId: string): void {
    this.date = date;
    this.prov = { plan: planId, inferred: false };
    this.day += 1;
    this.touchedUnits = [];
    this.touchedPeople = [];
    this.touchedPostUnits = [];
    this.touchedLinePeople = [];
  }

  apply(op: Operation): void {
    if (op.inferred || op.quote !== undefined) throw new NotSure('an inferred or quoted change');
    switch (op.kind) {
      case 'create':
        if (op.head !== undefined || op.aliases.length > 0 || op.id === undefined)
          throw new NotSure('a unit created with a head, aliases or no id');
        this.create(op.id, op.unit, op.type, op.parent);
        return;
      case 'rename':
        if (op.person !== undefined) this.renamePerson(op.person, op.to);
        else this.renameUnit(op.unit ?? '', op.to);
        return;
      case 'move':
        this.move(op.unit, op.to);
        return;
      case 'update':
        if (op.status !== undefined || op.alsoUnder !== undefined)
          throw new NotSure('a status or further parents');
        this.update(op.unit, op.type);
        return;
      case 'dissolve':
        if (op.rest !== undefined || (op.successors !== undefined && op.successors.length > 0))
          throw new NotSure('a dissolve with successors or rest');
        this.dissolve(op.unit);
        return;
      case 'hire':
        if (op.aliases.length > 0 || op.unnamed || op.id === undefined)
          throw new NotSure('a hire with aliases, unnamed or without an id');
        this.hire(op.id, op.person, op.unit, op.level, op.title);
        return;
      case 'transfer':
        if (op.person === undefined) throw new NotSure('a business');
        this.transfer(op.person, op.to);
        return;
      case 'promote':
        this.promote(op.person, op.level, op.title);
        return;
      case 'leave':
        this.leave(op.person);
        return;
      case 'report':
        if (op.reportKind === 'dotted') throw new NotSure('a dotted line');
        this.report(op.person, op.to, op.reportKind === 'none');
        return;
      case 'appoint':
        this.appoint(this.personRef(op.person), this.unitRef(op.unit), op.post, op.concurrent);
        return;
      case 'vacate':
        this.vacate(op.unit, op.post);
        return;
      default:
        throw new NotSure(`a ${op.kind}`);
    }
  }

  // ---- what is live ----------------------------------------------------------------------

  /** A live record by `#id`; anything else (a name, a record gone) is for the usual way to word. */
  private unitRef(ref: string): UnitState {
    if (ref.charCodeAt(0) !== 35) throw new NotSure('a unit named, not given by id');
    const unit = this.units.get(ref.slice(1));
    if (unit?.open == null) throw new NotSure('a unit that is not there');
    return unit;
  }

  private personRef(ref: string): PersonState {
    if (ref.charCodeAt(0) !== 35) throw new NotSure('a person named, not given by id');
    const person = this.people.get(ref.slice(1));
    if (person?.open == null) throw new NotSure('a person who is not there');
    return person;
  }

  private unitLabel(id: string): string {
    const unit = this.units.get(id);
    if (!unit) return id;
    return unit.open?.name ?? lastLived(unit.record.versions)?.name ?? id;
  }

  private headOf(unit: UnitState): PersonState | null {
    return unit.posts?.get(HEAD_KEY)?.holder ?? null;
  }

  /** The person's manager now, by the rules of `reporting.ts` (`managerOf`), on the states. */
  private managerOf(person: PersonState): PersonState | null {
    if (person.solid !== null && person.manager?.open != null) return person.manager;
    const unit = person.unit;
    if (unit === null) return null;
    const head = this.headOf(unit);
    if (head !== null && head !== person) return head;
    let current = unit.parent;
    for (let steps = this.units.size; current !== null && steps > 0; steps--) {
      const above = this.headOf(current);
      if (above !== null && above !== person) return above;
      current = current.parent;
    }
    return null;
  }

  // ---- versioned writes (as OrgBuilder's) ------------------------------------------------

  private touchUnit(unit: UnitState): void {
    if (unit.touched === this.day) return;
    unit.touched = this.day;
    this.touchedUnits.push(unit);
  }

  private touchPerson(person: PersonState): void {
    if (person.touched === this.day) return;
    person.touched = this.day;
    this.touchedPeople.push(person);
  }

  private touchLine(person: PersonState): void {
    if (person.lineTouched === this.day) return;
    person.lineTouched = this.day;
    this.touchedLinePeople.push(person);
  }

  private setUnit(
    unit: UnitState,
    next: { name: string; type: string; parent: UnitState | null } | null,
  ): void {
    const open = unit.open;
    this.touchUnit(unit);
    if (open) {
      this.countName(open.parent, open.name, -1);
      if (unit.parent !== null) unit.parent.children?.delete(unit);
      else this.liveRoots.delete(unit);
    }
    if (open) open.to = this.date;
    if (next === null) {
      unit.open = null;
      unit.parent = null;
      return;
    }
    const parent = next.parent;
    const version: UnitVersion = {
      from: this.date,
      to: null,
      name: next.name,
      type: next.type,
      parent: parent === null ? null : parent.record.id,
      prov: this.prov,
    };
    unit.record.versions.push(version);
    unit.open = version;
    unit.parent = parent;
    this.countName(version.parent, version.name, 1);
    if (parent !== null) parent.children = added(parent.children, unit);
    else this.liveRoots.add(unit);
  }

  private countName(parent: string | null, name: string, delta: number): void {
    if (parent === null) return;
    const key = `${parent}\u0000${nameKey(name)}`;
    const n = (this.siblingNames.get(key) ?? 0) + delta;
    if (n === 0) this.siblingNames.delete(key);
    else this.siblingNames.set(key, n);
  }

  private setPerson(
    person: PersonState,
    next: { name: string; level: string | null; title: string | null; unit: UnitState } | null,
  ): void {
    const open = person.open;
    this.touchPerson(person);
    if (open) {
      open.to = this.date;
      person.unit?.members?.delete(person);
    }
    if (next === null) {
      person.open = null;
      person.unit = null;
      return;
    }
    const version: PersonVersion = {
      from: this.date,
      to: null,
      name: next.name,
      level: next.level,
      title: next.title,
      unit: next.unit.record.id,
      prov: this.prov,
    };
    person.record.versions.push(version);
    person.open = version;
    person.unit = next.unit;
    next.unit.members = added(next.unit.members, person);
  }

  private endPost(post: OpenPost): void {
    post.version.to = this.date;
    post.unit.posts?.delete(nameKey(post.version.post));
    const held = post.holder?.posts;
    if (held) held.splice(held.indexOf(post), 1);
    this.touchPost(post);
  }

  private openPost(unit: UnitState, name: string, holder: PersonState | null, concurrent: boolean): void {
    const key = nameKey(name);
    if (unit.posts?.has(key)) throw new NotSure('a post opened twice');
    const version: PostVersion = {
      unit: unit.record.id,
      post: name,
      holder: holder === null ? null : holder.record.id,
      concurrent,
      from: this.date,
      to: null,
      prov: this.prov,
    };
    this.posts.push(version);
    const post: OpenPost = { version, unit, holder };
    unit.posts ??= new Map();
    unit.posts.set(key, post);
    if (holder !== null) {
      holder.posts ??= [];
      holder.posts.push(post);
    }
    this.touchPost(post);
  }

  private touchPost(post: OpenPost): void {
    if (post.unit.postTouched !== this.day) {
      post.unit.postTouched = this.day;
      this.touchedPostUnits.push(post.unit);
    }
    // A post holder is a candidate for a new manager, as a line end is.
    if (post.holder !== null) this.touchLine(post.holder);
  }

  private vacatePost(post: OpenPost): void {
    this.endPost(post);
    if (post.version.post !== HEAD_POST) this.openPost(post.unit, post.version.post, null, false);
  }

  private event(kind: LineageEvent['kind'], unit: string | null, from: string[], to: string[]): LineageEvent {
    const event: LineageEvent = {
      date: this.date,
      kind,
      unit,
      from,
      to,
      fromNames: from.map((id) => this.unitLabel(id)),
      toNames: to.map((id) => this.unitLabel(id)),
      prov: this.prov,
    };
    this.events.push(event);
    return event;
  }

  private endLine(person: PersonState): void {
    const line = person.solid!;
    const manager = person.manager!;
    line.to = this.date;
    manager.reports?.delete(person);
    person.solid = null;
    person.manager = null;
    this.touchLine(person);
    this.touchLine(manager);
  }

  // ---- operations (as OrgBuilder's; where it would refuse, not sure) ----------------------

  private create(id: string, name: string, type: string, parentRef: string | null): void {
    let unit = this.units.get(id);
    if (unit) {
      const last = lastLived(unit.record.versions);
      if (last && (last.to === null || last.to > this.date)) throw new NotSure('a unit id in use');
    }
    let parent: UnitState | null = null;
    if (parentRef === null) {
      if (this.liveRoots.size > 0) throw new NotSure('a second root');
    } else parent = this.unitRef(parentRef);
    if (!unit) {
      unit = {
        record: { id, aliases: [], versions: [] },
        open: null,
        parent: null,
        children: null,
        members: null,
        posts: null,
        touched: 0,
        postTouched: 0,
        shadow: 0,
      };
      this.units.set(id, unit);
    }
    this.setUnit(unit, { name, type, parent });
    this.event('create', id, [], [id]);
  }

  private renameUnit(ref: string, to: string): void {
    const unit = this.unitRef(ref);
    const open = unit.open!;
    if (open.name === to) throw new NotSure('a rename to the same name');
    this.setUnit(unit, { name: to, type: open.type, parent: unit.parent });
    const id = unit.record.id;
    this.event('rename', id, [id], [id]).fromNames = [open.name];
  }

  private move(ref: string, toRef: string): void {
    const unit = this.unitRef(ref);
    const to = this.unitRef(toRef);
    const open = unit.open!;
    if (unit.parent === to || this.isWithin(to, unit)) throw new NotSure('a move in place or into itself');
    const from = open.parent;
    this.setUnit(unit, { name: open.name, type: open.type, parent: to });
    this.event('move', unit.record.id, from === null ? [] : [from], [to.record.id]);
  }

  /** Whether `ancestor` is `unit` or above it (a walk no longer than there are units). */
  private isWithin(unit: UnitState, ancestor: UnitState): boolean {
    let current: UnitState | null = unit;
    for (let steps = this.units.size + 1; current !== null; steps--) {
      if (current === ancestor) return true;
      if (steps === 0) throw new NotSure('a cycle of units');
      current = current.parent;
    }
    return false;
  }

  private update(ref: string, type: string | undefined): void {
    const unit = this.unitRef(ref);
    const open = unit.open!;
    if (type === undefined || type === open.type) throw new NotSure('an update that changes nothing');
    this.setUnit(unit, { name: open.name, type, parent: unit.parent });
    const id = unit.record.id;
    this.events.push({
      date: this.date,
      kind: 'update',
      unit: id,
      from: [id],
      to: [id],
      fromNames: updateNames(open.name, { type: open.type }),
      toNames: updateNames(open.name, { type }),
      prov: this.prov,
    });
  }

  private dissolve(ref: string): void {
    const unit = this.unitRef(ref);
    if ((unit.children?.size ?? 0) > 0 || (unit.members?.size ?? 0) > 0)
      throw new NotSure('a dissolve that would orphan');
    if (unit.parent === null) throw new NotSure('the root dissolved');
    for (const post of [...(unit.posts?.values() ?? [])]) this.endPost(post);
    this.setUnit(unit, null);
    const id = unit.record.id;
    this.event('dissolve', id, [id], []);
  }

  private hire(id: string, name: string, unitRef: string, level?: string, title?: string): void {
    let person = this.people.get(id);
    if (person?.open) throw new NotSure('a person id in use');
    const unit = this.unitRef(unitRef);
    if (!person) {
      person = {
        record: { id, aliases: [], unnamed: false, versions: [] },
        open: null,
        unit: null,
        solid: null,
        manager: null,
        reports: null,
        posts: null,
        touched: 0,
        lineTouched: 0,
        candidate: 0,
        walk: 0,
      };
      this.people.set(id, person);
    } else if (person.record.unnamed) throw new NotSure('an unnamed person rehired');
    this.setPerson(person, { name, level: level ?? null, title: title ?? null, unit });
  }

  private transfer(ref: string, toRef: string): void {
    const person = this.personRef(ref);
    const to = this.unitRef(toRef);
    const open = person.open!;
    if (person.unit === to) throw new NotSure('a transfer in place');
    for (const post of [...(person.posts ?? [])]) {
      if (post.unit === person.unit) this.vacatePost(post);
    }
    this.setPerson(person, { name: open.name, level: open.level, title: open.title, unit: to });
  }

  private promote(ref: string, level: string | null | undefined, title: string | null | undefined): void {
    const person = this.personRef(ref);
    const open = person.open!;
    const next = { name: open.name, level: open.level, title: open.title, unit: person.unit! };
    if (level !== undefined) next.level = level;
    if (title !== undefined) next.title = title;
    if (next.level === open.level && next.title === open.title) throw new NotSure('a promotion to the same');
    this.setPerson(person, next);
  }

  private renamePerson(ref: string, to: string): void {
    const person = this.personRef(ref);
    const open = person.open!;
    if (open.name === to) throw new NotSure('a rename to the same name');
    this.setPerson(person, { name: to, level: open.level, title: open.title, unit: person.unit! });
  }

  private leave(ref: string): void {
    const person = this.personRef(ref);
    for (const post of [...(person.posts ?? [])]) this.vacatePost(post);
    if (person.solid !== null) this.endLine(person);
    for (const report of [...(person.reports ?? [])]) if (report.solid !== null) this.endLine(report);
    this.setPerson(person, null);
  }

  private report(ref: string, toRef: string | null, end: boolean): void {
    const person = this.personRef(ref);
    const manager = toRef === null ? null : this.personRef(toRef);
    if (manager === person) throw new NotSure('a line to oneself');
    if (end) {
      if (person.solid === null || (manager !== null && person.manager !== manager))
        throw new NotSure('no line to end');
      this.endLine(person);
      return;
    }
    if (manager === null) throw new NotSure('a line without a manager');
    if (person.solid !== null) {
      if (person.manager === manager) throw new NotSure('a line held');
      this.endLine(person);
    }
    const line: ReportLineVersion = {
      person: person.record.id,
      manager: manager.record.id,
      kind: 'solid',
      from: this.date,
      to: null,
      prov: this.prov,
    };
    this.lines.push(line);
    person.solid = line;
    person.manager = manager;
    manager.reports = added(manager.reports, person);
    this.touchLine(person);
    this.touchLine(manager);
  }

  private appoint(person: PersonState, unit: UnitState, postName: string, concurrent: boolean): void {
    const post = normalizePost(postName);
    const current = unit.posts?.get(nameKey(post));
    if (current && current.holder === person && current.version.concurrent === concurrent)
      throw new NotSure('a post held already');
    if (current) this.endPost(current);
    if (!concurrent) {
      for (const other of [...(person.posts ?? [])]) this.vacatePost(other);
      const open = person.open!;
      if (person.unit !== unit)
        this.setPerson(person, { name: open.name, level: open.level, title: open.title, unit });
    }
    this.openPost(unit, current?.version.post ?? post, person, concurrent);
  }

  private vacate(unitRef: string, postName: string): void {
    const unit = this.unitRef(unitRef);
    const current = unit.posts?.get(nameKey(normalizePost(postName)));
    if (!current || current.holder === null) throw new NotSure('a post already vacant');
    this.vacatePost(current);
  }

  // ---- the end of a day: what `mayViolate` would suspect, so never missing a broken invariant ----

  endDay(): void {
    if (this.liveRoots.size > 1) throw new NotSure('several roots');
    if (this.liveRoots.size === 0 && this.touchedUnits.length > 0) {
      for (const unit of this.units.values()) if (unit.open) throw new NotSure('no root');
    }
    for (const unit of this.touchedUnits) {
      const version = unit.open;
      if (!version) {
        if ((unit.children?.size ?? 0) > 0 || (unit.members?.size ?? 0) > 0 || (unit.posts?.size ?? 0) > 0)
          throw new NotSure('a unit gone with something in it');
        continue;
      }
      const parent = unit.parent;
      if (parent === null) continue;
      if (!parent.open) throw new NotSure('a unit under one gone');
      if (this.isWithin(parent, unit)) throw new NotSure('a cycle of units');
      if ((this.siblingNames.get(`${version.parent}\u0000${nameKey(version.name)}`) ?? 0) > 1)
        throw new NotSure('two sibling units of one name');
    }
    for (const person of this.touchedPeople) {
      if (!person.open) {
        if ((person.posts?.length ?? 0) > 0) throw new NotSure('a leaver holding a post');
      } else if (!person.unit?.open) throw new NotSure('a person in a unit gone');
    }
    for (const unit of this.touchedPostUnits) {
      for (const post of unit.posts?.values() ?? []) {
        if (!unit.open) throw new NotSure('a post of a unit gone');
        if (post.holder !== null && !post.holder.open) throw new NotSure('a post held by a leaver');
      }
    }
    this.checkReporting();
  }

  /** No reporting cycle through anyone whose manager may have changed today (`managerCandidates`). */
  private checkReporting(): void {
    const day = this.day;
    const candidates: PersonState[] = [];
    const add = (person: PersonState | null) => {
      if (person?.open != null && person.candidate !== day) {
        person.candidate = day;
        candidates.push(person);
      }
    };
    for (const p of this.touchedPeople) add(p);
    for (const p of this.touchedLinePeople) add(p);
    // The head shadow of every unit touched or whose posts changed (`headShadow`): its members and
    // head, and below it, through units without a head, theirs.
    const stack: UnitState[] = [];
    const shadow = (start: UnitState) => {
      if (!start.open) return;
      const mark = ++this.marks;
      stack.push(start);
      start.shadow = mark;
      while (stack.length > 0) {
        const unit = stack.pop()!;
        for (const member of unit.members ?? []) add(member);
        add(this.headOf(unit));
        for (const child of unit.children ?? []) {
          if (child.shadow === mark) continue;
          child.shadow = mark;
          if (this.headOf(child) === null) stack.push(child);
          else {
            for (const member of child.members ?? []) add(member);
            add(this.headOf(child));
          }
        }
      }
    };
    for (const unit of this.touchedUnits) shadow(unit);
    for (const unit of this.touchedPostUnits) shadow(unit);
    // On the walk: 2 × day on the path being walked, 2 × day + 1 known to reach the top.
    const onPath = 2 * day;
    const clear = onPath + 1;
    const path: PersonState[] = [];
    for (const person of candidates) {
      let current: PersonState | null = person;
      while (current !== null && current.walk !== clear) {
        if (current.walk === onPath) throw new NotSure('a reporting cycle');
        current.walk = onPath;
        path.push(current);
        current = this.managerOf(current);
      }
      for (const p of path) p.walk = clear;
      path.length = 0;
    }
  }
}

function added<T>(set: Set<T> | null, item: T): Set<T> {
  if (set === null) return new Set<T>().add(item);
  set.add(item);
  return set;
}
