import { normalizePost } from './apply.ts';
import { updateNames } from './day-changes.ts';
import {
  emptyHistory,
  HEAD_POST,
  type History,
  type LineageEvent,
  type Operation,
  type PersonVersion,
  type Plan,
  type PostVersion,
  type Progress,
  type Provenance,
  type ReportLineVersion,
  type UnitVersion,
  type Versioned,
} from './model.ts';
import { nameKey } from './names.ts';
import { compact, summarize } from './replay.ts';
import { headShadow, managerOf, type ReportingTree } from './reporting.ts';
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

/** Why the short way gives up: the usual way decides. */
class NotSure extends Error {}

const EMPTY: ReadonlySet<never> = new Set();
const NO_POSTS: readonly PostVersion[] = Object.freeze([]);
const NO_LINES: readonly ReportLineVersion[] = Object.freeze([]);

/** Operations between two reports of progress (as `applyPlan` tells them). */
const PROGRESS_EVERY = 50_000;

export function applyFirstPlans(plans: Plan[], progress?: Progress): FirstPlansResult {
  const total = plans.reduce((n, p) => n + p.changes.length, 0);
  const stage = `checking ${plans.length} plan${plans.length === 1 ? '' : 's'}`;
  const builder = new FirstBuilder();
  let done = 0;
  let previous: Day = '0000-01-01';
  try {
    for (const plan of plans) {
      if (plan.effective < previous) throw new NotSure('plans out of date order');
      previous = plan.effective;
      if (plan.snapshot !== true) throw new NotSure('not a snapshot plan');
      builder.startDay(plan.effective, plan.id);
      const changes = plan.changes;
      for (let i = 0; i < changes.length; i++) {
        builder.apply(changes[i]!);
        if (progress && (done + i + 1) % PROGRESS_EVERY === 0) progress(stage, done + i + 1, total);
      }
      done += changes.length;
      builder.endDay();
      progress?.(stage, done, total);
    }
  } catch (error) {
    if (error instanceof NotSure) return { ok: false, reason: error.message };
    throw error;
  }
  const history = builder.history;
  history.plans = plans.map((plan, i) => summarize(plan, i + 1));
  compact(history);
  return { ok: true, history };
}

class FirstBuilder {
  readonly history: History = emptyHistory();
  private date: Day = '0000-01-01';
  private prov: Provenance = { plan: '', inferred: false };
  private readonly children = new Map<string, Set<string>>();
  private readonly members = new Map<string, Set<string>>();
  /** Live units by parent and name key, counted: sibling names are checked at the end of each day. */
  private readonly siblingNames = new Map<string, number>();
  private readonly liveRoots = new Set<string>();
  private readonly openPosts = new Map<string, PostVersion>();
  private readonly postsHeld = new Map<string, PostVersion[]>();
  private readonly postsInUnit = new Map<string, PostVersion[]>();
  private readonly openLines = new Map<string, readonly ReportLineVersion[]>();
  private readonly openLinesTo = new Map<string, Set<ReportLineVersion>>();
  // What the day's operations touched, as `Touched` (for the end-of-day check).
  private touchedUnits = new Set<string>();
  private touchedPeople = new Set<string>();
  private touchedPostUnits = new Set<string>();
  private touchedPostHolders = new Set<string>();
  private touchedLinePeople = new Set<string>();

  startDay(date: Day, planId: string): void {
    this.date = date;
    this.prov = { plan: planId, inferred: false };
    this.touchedUnits = new Set();
    this.touchedPeople = new Set();
    this.touchedPostUnits = new Set();
    this.touchedPostHolders = new Set();
    this.touchedLinePeople = new Set();
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
        this.report(op.person, op.to, op.reportKind);
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

  private openVersion<V extends Versioned>(versions: V[]): V | undefined {
    const last = versions[versions.length - 1];
    return last !== undefined && last.to === null ? last : undefined;
  }

  private liveUnit(id: string): UnitVersion | undefined {
    const record = this.history.units.get(id);
    return record ? this.openVersion(record.versions) : undefined;
  }

  private livePerson(id: string): PersonVersion | undefined {
    const record = this.history.people.get(id);
    return record ? this.openVersion(record.versions) : undefined;
  }

  private liveHead(unit: string): string | null {
    return this.openPosts.get(postKey(unit, HEAD_POST))?.holder ?? null;
  }

  /** A live record by `#id`; anything else (a name, a record gone) is for the usual way to word. */
  private unitRef(ref: string): string {
    if (ref.charCodeAt(0) !== 35) throw new NotSure('a unit named, not given by id');
    const record = this.history.units.get(ref.slice(1));
    if (record === undefined || this.openVersion(record.versions) === undefined)
      throw new NotSure('a unit that is not there');
    return record.id;
  }

  private personRef(ref: string): string {
    if (ref.charCodeAt(0) !== 35) throw new NotSure('a person named, not given by id');
    const record = this.history.people.get(ref.slice(1));
    if (record === undefined || this.openVersion(record.versions) === undefined)
      throw new NotSure('a person who is not there');
    return record.id;
  }

  private unitLabel(id: string): string {
    const versions = this.history.units.get(id)?.versions;
    return this.liveUnit(id)?.name ?? (versions && lastLived(versions)?.name) ?? id;
  }

  private readonly live: ReportingTree = {
    solidManager: (person) => {
      for (const line of this.openLines.get(person) ?? NO_LINES)
        if (line.kind === 'solid' && this.livePerson(line.manager)) return line.manager;
      return null;
    },
    unitOf: (person) => this.livePerson(person)?.unit,
    headOf: (unit) => this.liveHead(unit),
    parentOf: (unit) => this.liveUnit(unit)?.parent ?? null,
    children: (unit) => this.children.get(unit) ?? EMPTY,
  };

  // ---- versioned writes (as OrgBuilder's) ------------------------------------------------

  private advance<V extends Versioned>(versions: V[], next: Omit<V, 'from' | 'to' | 'prov'> | null): void {
    const open = this.openVersion(versions);
    if (open) open.to = this.date;
    if (next === null) return;
    versions.push({ from: this.date, to: null, ...next, prov: this.prov } as unknown as V);
  }

  private setUnit(id: string, next: { name: string; type: string; parent: string | null } | null): void {
    const record = this.history.units.get(id)!;
    const open = this.openVersion(record.versions);
    this.touchedUnits.add(id);
    if (open) {
      this.countName(open.parent, open.name, -1);
      if (open.parent !== null) this.children.get(open.parent)?.delete(id);
      else this.liveRoots.delete(id);
    }
    this.advance(record.versions, next);
    if (next) {
      this.countName(next.parent, next.name, 1);
      if (next.parent !== null) addTo(this.children, next.parent, id);
      else this.liveRoots.add(id);
    }
  }

  private countName(parent: string | null, name: string, delta: number): void {
    if (parent === null) return;
    const key = `${parent}\u0000${nameKey(name)}`;
    const n = (this.siblingNames.get(key) ?? 0) + delta;
    if (n === 0) this.siblingNames.delete(key);
    else this.siblingNames.set(key, n);
  }

  private setPerson(id: string, next: Omit<PersonVersion, 'from' | 'to' | 'prov'> | null): void {
    const record = this.history.people.get(id)!;
    const open = this.openVersion(record.versions);
    this.touchedPeople.add(id);
    if (open) this.members.get(open.unit)?.delete(id);
    this.advance(
      record.versions,
      next && { name: next.name, level: next.level, title: next.title, unit: next.unit },
    );
    if (next) addTo(this.members, next.unit, id);
  }

  private endPost(version: PostVersion): void {
    version.to = this.date;
    this.openPosts.delete(postKey(version.unit, version.post));
    if (version.holder) removeFrom(this.postsHeld, version.holder, version);
    removeFrom(this.postsInUnit, version.unit, version);
    this.touchPost(version);
  }

  private openPost(unit: string, post: string, holder: string | null, concurrent: boolean): void {
    const version: PostVersion = {
      unit,
      post,
      holder,
      concurrent,
      from: this.date,
      to: null,
      prov: this.prov,
    };
    const key = postKey(unit, post);
    if (this.openPosts.has(key)) throw new NotSure('a post opened twice');
    this.history.posts.push(version);
    this.openPosts.set(key, version);
    if (holder) pushTo(this.postsHeld, holder, version);
    pushTo(this.postsInUnit, unit, version);
    this.touchPost(version);
  }

  private touchPost(version: PostVersion): void {
    this.touchedPostUnits.add(version.unit);
    if (version.holder) this.touchedPostHolders.add(version.holder);
  }

  private vacatePost(post: PostVersion): void {
    this.endPost(post);
    if (post.post !== HEAD_POST) this.openPost(post.unit, post.post, null, false);
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
    this.history.events.push(event);
    return event;
  }

  private addLine(line: ReportLineVersion): void {
    const had = this.openLines.get(line.person);
    this.openLines.set(line.person, had ? [...had, line] : [line]);
  }

  private endLine(line: ReportLineVersion): void {
    line.to = this.date;
    const rest = (this.openLines.get(line.person) ?? NO_LINES).filter((open) => open !== line);
    if (rest.length > 0) this.openLines.set(line.person, rest);
    else this.openLines.delete(line.person);
    this.openLinesTo.get(line.manager)?.delete(line);
    this.touchedLinePeople.add(line.person);
    this.touchedLinePeople.add(line.manager);
  }

  // ---- operations (as OrgBuilder's; where it would refuse, not sure) ----------------------

  private create(id: string, name: string, type: string, parentRef: string | null): void {
    const earlier = this.history.units.get(id);
    if (earlier) {
      const last = lastLived(earlier.versions);
      if (last && (last.to === null || last.to > this.date)) throw new NotSure('a unit id in use');
    }
    let parent: string | null = null;
    if (parentRef === null) {
      if (this.liveRoots.size > 0) throw new NotSure('a second root');
    } else parent = this.unitRef(parentRef);
    if (!earlier) this.history.units.set(id, { id, aliases: [], versions: [] });
    this.setUnit(id, { name, type, parent });
    this.event('create', id, [], [id]);
  }

  private renameUnit(ref: string, to: string): void {
    const id = this.unitRef(ref);
    const open = this.liveUnit(id)!;
    if (open.name === to) throw new NotSure('a rename to the same name');
    this.setUnit(id, { name: to, type: open.type, parent: open.parent });
    this.event('rename', id, [id], [id]).fromNames = [open.name];
  }

  private move(ref: string, toRef: string): void {
    const id = this.unitRef(ref);
    const to = this.unitRef(toRef);
    const open = this.liveUnit(id)!;
    if (open.parent === to || this.isWithin(to, id)) throw new NotSure('a move in place or into itself');
    const from = open.parent;
    this.setUnit(id, { name: open.name, type: open.type, parent: to });
    this.event('move', id, from === null ? [] : [from], [to]);
  }

  private isWithin(unit: string, ancestor: string): boolean {
    const seen = new Set<string>();
    let current: string | null = unit;
    while (current !== null && !seen.has(current)) {
      if (current === ancestor) return true;
      seen.add(current);
      current = this.liveUnit(current)?.parent ?? null;
    }
    return false;
  }

  private update(ref: string, type: string | undefined): void {
    const id = this.unitRef(ref);
    const open = this.liveUnit(id)!;
    if (type === undefined || type === open.type) throw new NotSure('an update that changes nothing');
    this.setUnit(id, { name: open.name, type, parent: open.parent });
    this.history.events.push({
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
    const id = this.unitRef(ref);
    if ((this.children.get(id)?.size ?? 0) > 0 || (this.members.get(id)?.size ?? 0) > 0)
      throw new NotSure('a dissolve that would orphan');
    if (this.liveUnit(id)!.parent === null) throw new NotSure('the root dissolved');
    for (const post of [...(this.postsInUnit.get(id) ?? NO_POSTS)]) this.endPost(post);
    this.setUnit(id, null);
    this.event('dissolve', id, [id], []);
  }

  private hire(id: string, name: string, unitRef: string, level?: string, title?: string): void {
    if (this.livePerson(id)) throw new NotSure('a person id in use');
    const unit = this.unitRef(unitRef);
    if (!this.history.people.has(id))
      this.history.people.set(id, { id, aliases: [], unnamed: false, versions: [] });
    else if (this.history.people.get(id)!.unnamed) throw new NotSure('an unnamed person rehired');
    this.setPerson(id, { name, level: level ?? null, title: title ?? null, unit });
  }

  private transfer(ref: string, toRef: string): void {
    const id = this.personRef(ref);
    const to = this.unitRef(toRef);
    const open = this.livePerson(id)!;
    if (open.unit === to) throw new NotSure('a transfer in place');
    for (const post of [...(this.postsHeld.get(id) ?? NO_POSTS)]) {
      if (post.unit === open.unit) this.vacatePost(post);
    }
    this.setPerson(id, { name: open.name, level: open.level, title: open.title, unit: to });
  }

  private promote(ref: string, level: string | null | undefined, title: string | null | undefined): void {
    const id = this.personRef(ref);
    const open = this.livePerson(id)!;
    const next = { name: open.name, level: open.level, title: open.title, unit: open.unit };
    if (level !== undefined) next.level = level;
    if (title !== undefined) next.title = title;
    if (next.level === open.level && next.title === open.title) throw new NotSure('a promotion to the same');
    this.setPerson(id, next);
  }

  private renamePerson(ref: string, to: string): void {
    const id = this.personRef(ref);
    const open = this.livePerson(id)!;
    if (open.name === to) throw new NotSure('a rename to the same name');
    this.setPerson(id, { name: to, level: open.level, title: open.title, unit: open.unit });
  }

  private leave(ref: string): void {
    const id = this.personRef(ref);
    for (const post of [...(this.postsHeld.get(id) ?? NO_POSTS)]) this.vacatePost(post);
    for (const line of this.openLines.get(id) ?? NO_LINES) this.endLine(line);
    for (const line of [...(this.openLinesTo.get(id) ?? EMPTY)])
      if (this.openLines.has(line.person)) this.endLine(line);
    this.setPerson(id, null);
  }

  private report(ref: string, toRef: string | null, kind: 'solid' | 'dotted' | 'none'): void {
    const id = this.personRef(ref);
    const manager = toRef === null ? null : this.personRef(toRef);
    if (manager === id) throw new NotSure('a line to oneself');
    const lines = this.openLines.get(id) ?? NO_LINES;
    if (kind === 'none') {
      const ending = lines.filter((line) => manager === null || line.manager === manager);
      if (ending.length === 0) throw new NotSure('no line to end');
      for (const line of ending) this.endLine(line);
      return;
    }
    if (manager === null) throw new NotSure('a line without a manager');
    if (lines.some((line) => line.manager === manager && line.kind === kind))
      throw new NotSure('a line held');
    for (const line of lines)
      if (kind === 'solid' ? line.kind === 'solid' : line.manager === manager) this.endLine(line);
    const line: ReportLineVersion = { person: id, manager, kind, from: this.date, to: null, prov: this.prov };
    this.history.lines.push(line);
    this.addLine(line);
    addTo(this.openLinesTo, manager, line);
    this.touchedLinePeople.add(id);
    this.touchedLinePeople.add(manager);
  }

  private appoint(person: string, unit: string, postName: string, concurrent: boolean): void {
    const post = normalizePost(postName);
    const current = this.openPosts.get(postKey(unit, post));
    if (current && current.holder === person && current.concurrent === concurrent)
      throw new NotSure('a post held already');
    if (current) this.endPost(current);
    if (!concurrent) {
      for (const other of [...(this.postsHeld.get(person) ?? NO_POSTS)]) this.vacatePost(other);
      const open = this.livePerson(person)!;
      if (open.unit !== unit)
        this.setPerson(person, { name: open.name, level: open.level, title: open.title, unit });
    }
    this.openPost(unit, current?.post ?? post, person, concurrent);
  }

  private vacate(unitRef: string, postName: string): void {
    const unit = this.unitRef(unitRef);
    const current = this.openPosts.get(postKey(unit, normalizePost(postName)));
    if (!current || current.holder === null) throw new NotSure('a post already vacant');
    this.vacatePost(current);
  }

  // ---- the end of a day: what `mayViolate` would suspect, so never missing a broken invariant ----

  endDay(): void {
    if (this.liveRoots.size > 1) throw new NotSure('several roots');
    if (this.liveRoots.size === 0 && this.touchedUnits.size > 0) {
      for (const id of this.history.units.keys()) if (this.liveUnit(id)) throw new NotSure('no root');
    }
    for (const unit of this.touchedUnits) {
      const version = this.liveUnit(unit);
      if (!version) {
        if ((this.children.get(unit)?.size ?? 0) > 0 || (this.members.get(unit)?.size ?? 0) > 0)
          throw new NotSure('a unit gone with something in it');
        if ((this.postsInUnit.get(unit)?.length ?? 0) > 0) throw new NotSure('a unit gone with posts');
        continue;
      }
      if (version.parent === null) continue;
      if (!this.liveUnit(version.parent)) throw new NotSure('a unit under one gone');
      if (this.climbsIntoCycle(unit)) throw new NotSure('a cycle of units');
      if ((this.siblingNames.get(`${version.parent}\u0000${nameKey(version.name)}`) ?? 0) > 1)
        throw new NotSure('two sibling units of one name');
    }
    for (const person of this.touchedPeople) {
      const version = this.livePerson(person);
      if (!version) {
        if ((this.postsHeld.get(person)?.length ?? 0) > 0) throw new NotSure('a leaver holding a post');
      } else if (!this.liveUnit(version.unit)) throw new NotSure('a person in a unit gone');
    }
    for (const unit of this.touchedPostUnits) {
      const keys = new Set<string>();
      for (const post of this.postsInUnit.get(unit) ?? NO_POSTS) {
        const key = nameKey(post.post);
        if (keys.has(key)) throw new NotSure('two posts of one name');
        keys.add(key);
        if (!this.liveUnit(post.unit)) throw new NotSure('a post of a unit gone');
        if (post.holder !== null && !this.livePerson(post.holder))
          throw new NotSure('a post held by a leaver');
      }
    }
    this.checkReporting();
  }

  private climbsIntoCycle(unit: string): boolean {
    const seen = new Set<string>();
    let current: string | null = unit;
    while (current !== null) {
      if (seen.has(current)) return true;
      seen.add(current);
      current = this.liveUnit(current)?.parent ?? null;
    }
    return false;
  }

  /** No reporting cycle through anyone whose manager may have changed today (`managerCandidates`). */
  private checkReporting(): void {
    const candidates = new Set<string>();
    const addLive = (person: string) => {
      if (this.livePerson(person)) candidates.add(person);
    };
    for (const p of this.touchedPeople) addLive(p);
    for (const p of this.touchedLinePeople) addLive(p);
    for (const p of this.touchedPostHolders) addLive(p);
    const visit = (unit: string) => {
      for (const m of this.members.get(unit) ?? EMPTY) candidates.add(m);
      const head = this.liveHead(unit);
      if (head !== null) addLive(head);
    };
    const shadowed = new Set<string>();
    for (const unit of this.touchedUnits) if (this.liveUnit(unit)) shadowed.add(unit);
    for (const unit of this.touchedPostUnits) if (this.liveUnit(unit)) shadowed.add(unit);
    // A unit already in another's shadow adds nobody new: skip what an ancestor's walk covered.
    for (const unit of shadowed) headShadow(this.live, unit, visit);
    // 1: on the path being walked; 2: known to reach the top.
    const state = new Map<string, 1 | 2>();
    const path: string[] = [];
    for (const person of candidates) {
      let current: string | null = person;
      while (current !== null) {
        const seen = state.get(current);
        if (seen === 2) break;
        if (seen === 1) throw new NotSure('a reporting cycle');
        state.set(current, 1);
        path.push(current);
        current = managerOf(this.live, current);
      }
      for (const p of path) state.set(p, 2);
      path.length = 0;
    }
  }
}

function postKey(unit: string, post: string): string {
  return `${unit}\u0000${nameKey(post)}`;
}

function addTo<V>(map: Map<string, Set<V>>, key: string, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function removeFrom<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

function lived(v: Versioned): boolean {
  return v.to === null || v.from < v.to;
}

function lastLived<V extends Versioned>(versions: V[]): V | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (lived(versions[i]!)) return versions[i];
  return undefined;
}
