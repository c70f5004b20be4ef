import { OrgBuilder } from './apply.ts';
import {
  type BusinessFacts,
  businessChange,
  compareDayChanges,
  type DiffChange,
  type PostFacts,
  postChange,
  unitEventChange,
} from './day-changes.ts';
import type { Problem } from './errors.ts';
import { addBusinessesAndPosts, type Impact, sortImpact } from './impact.ts';
import { managerCandidates, reportsOf, solidLinesTo } from './live-org.ts';
import {
  emptyHistory,
  type History,
  type LineageEvent,
  lineOrder,
  type Plan,
  type PlanSummary,
  type Progress,
  postOrder,
  type Versioned,
} from './model.ts';
import {
  applyPlan,
  applyUnchecked,
  compact,
  locateViolations,
  replayOrder,
  type SequencedPlan,
} from './replay.ts';
import type { Day } from './time.ts';

export type Verdict = { ok: true } | { ok: false; problems: Problem[] };

/** One person's place on the plan's day, without or with the plan. */
interface Place {
  unit: string;
  manager: string | null;
  chain: number;
  top: string | null;
}

/** Totals over everyone, kept for the organization as applied (computed once, on first use). */
interface Totals {
  chainCounts: Map<number, number>;
  spans: Map<string, number>;
  topCounts: Map<string, number>;
}

/**
 * The organization as applied, kept replayed in memory, so that a plan dated on or after every
 * applied plan is checked, and its impact computed, by trying it on top (and undoing it), at a cost
 * that follows what the plan touches instead of replaying the whole history. Plans dated earlier
 * (which can break later ones) go through the full replay of `checkPlans`.
 */
export class LiveOrg {
  private totals: Totals | undefined;
  /**
   * What kept plans changed since the facts were last put in the order the store gives them back
   * (`storeOrder`): the records whose versions changed or that are new, and whether posts or lines did.
   */
  private unordered = {
    units: new Set<string>(),
    people: new Set<string>(),
    businesses: new Set<string>(),
    newRecords: false,
    posts: false,
    lines: false,
  };

  private constructor(
    private readonly builder: OrgBuilder,
    /** The applied plans' ids and sequence numbers (their operations are not kept). */
    private readonly applied: Array<{ id: string; seq: number }>,
    /** The latest effective date of an applied plan. */
    private lastDay: Day,
  ) {}

  /** The latest effective date of an applied plan. */
  get last(): Day {
    return this.lastDay;
  }

  /** The highest sequence number applied. */
  get lastSeq(): number {
    return this.applied.reduce((max, a) => Math.max(max, a.seq), 0);
  }

  /**
   * Starts applying `plans` (in order, each covered): they are tried, and if accepted, the trial stays
   * open with the facts they change — the touched units, people and businesses, the posts and lines
   * that open or end, the lineage events of their days — as they are without the plans (`before`) and
   * as they are with them (`after`), empty intervals dropped as the replay drops them. Storing `after`
   * in place of `before` is applying the plans; then `keep()`, or `abort()` if storing failed. Until
   * one of them is called, nothing else may use this organization.
   */
  begin(
    plans: Plan[],
    progress?: Progress,
  ):
    | { ok: true; before: History; after: History; keep(stored: PlanSummary[]): void; abort(): void }
    | { ok: false; problems: Problem[] } {
    const b = this.builder;
    const all = this.sequenced(plans);
    if (this.applied.length === 0) return this.beginFresh(plans, all, progress);
    b.beginTrial({ recordBefore: true });
    try {
      const refused = this.tryPlans(plans, progress);
      if (refused) return { ok: false, problems: refused };
    } catch (error) {
      b.rollback();
      throw error;
    }
    const was = b.trialBefore!;
    // Covered plans come in date order: the first is the earliest.
    const firstDay = plans[0]!.effective;
    let eventsFrom = b.history.events.length;
    while (eventsFrom > 0 && b.history.events[eventsFrom - 1]!.date >= firstDay) eventsFrom--;
    const copyEvents = (events: LineageEvent[]) =>
      events.map((e) => ({ ...e, from: [...e.from], to: [...e.to] }));
    const before = emptyHistory();
    const after = emptyHistory();
    for (const [id, record] of was.units) {
      if (record) before.units.set(id, { ...record, versions: kept(record.versions) });
      const now = b.history.units.get(id)!;
      after.units.set(id, { id, aliases: [...now.aliases], versions: kept(now.versions) });
    }
    for (const [id, record] of was.people) {
      if (record) before.people.set(id, { ...record, versions: kept(record.versions) });
      const now = b.history.people.get(id)!;
      after.people.set(id, {
        id,
        aliases: [...now.aliases],
        unnamed: now.unnamed,
        versions: kept(now.versions),
      });
    }
    for (const [id, record] of was.businesses) {
      if (record) before.businesses.set(id, { ...record, versions: kept(record.versions) });
      const now = b.history.businesses.get(id)!;
      after.businesses.set(id, { id, aliases: [...now.aliases], versions: kept(now.versions) });
    }
    before.posts = kept([...was.posts.values()]);
    after.posts = kept([...was.posts.keys(), ...was.createdPosts]);
    before.lines = kept([...was.lines.values()]);
    after.lines = kept([...was.lines.keys(), ...was.createdLines]);
    before.events = copyEvents(b.history.events.slice(eventsFrom, Math.max(eventsFrom, was.eventsFrom)));
    after.events = copyEvents(b.history.events.slice(eventsFrom));
    let open = true;
    const finish = () => {
      if (!open) throw new Error('this trial has already been kept or aborted');
      open = false;
    };
    return {
      ok: true,
      before,
      after,
      keep: (stored: PlanSummary[]) => {
        finish();
        b.keep();
        for (const { plan, seq } of all) this.applied.push({ id: plan.id, seq });
        for (const plan of plans) if (plan.effective > this.lastDay) this.lastDay = plan.effective;
        this.totals = undefined;
        this.noteStored(stored);
        const u = this.unordered;
        for (const [id, record] of was.units) {
          u.units.add(id);
          if (!record) u.newRecords = true;
        }
        for (const [id, record] of was.people) {
          u.people.add(id);
          if (!record) u.newRecords = true;
        }
        for (const [id, record] of was.businesses) {
          u.businesses.add(id);
          if (!record) u.newRecords = true;
        }
        if (was.posts.size > 0 || was.createdPosts.size > 0) u.posts = true;
        if (was.lines.size > 0 || was.createdLines.size > 0) u.lines = true;
      },
      abort: () => {
        finish();
        b.rollback();
      },
    };
  }

  /** A fresh organization applied plans it could not undo (its first plans, applied without a trial): drop it. */
  get broken(): boolean {
    return this.isBroken;
  }

  private isBroken = false;

  /**
   * The first plans of an organization (an import, usually the largest plans there are) are applied
   * without a trial: there is nothing to undo to but emptiness, and the journal and the copies of a
   * trial would double the memory. If they are refused or not stored, this organization is broken.
   */
  private beginFresh(
    plans: Plan[],
    all: SequencedPlan[],
    progress?: Progress,
  ):
    | { ok: true; before: History; after: History; keep(stored: PlanSummary[]): void; abort(): void }
    | { ok: false; problems: Problem[] } {
    const b = this.builder;
    this.isBroken = true;
    const told = changesTold(plans, progress);
    for (const [i, plan] of plans.entries()) {
      const problems = applyPlan(
        b,
        plan,
        (violations) =>
          locateViolations(applyUnchecked(new OrgBuilder(), plans.slice(0, i)), plan, violations),
        told.within,
      );
      if (problems) return { ok: false, problems };
      told.planDone(plan);
    }
    compact(b.history);
    let open = true;
    return {
      ok: true,
      before: emptyHistory(),
      after: b.history,
      keep: (stored: PlanSummary[]) => {
        if (!open) throw new Error('this trial has already been kept or aborted');
        open = false;
        this.isBroken = false;
        for (const { plan, seq } of all) this.applied.push({ id: plan.id, seq });
        for (const plan of plans) if (plan.effective > this.lastDay) this.lastDay = plan.effective;
        this.totals = undefined;
        this.noteStored(stored);
        this.unorderAll();
      },
      abort: () => {
        open = false;
      },
    };
  }

  /**
   * Every fact is to be put in store order (built from plans, not read from the store). Their versions
   * were compacted as the plans were kept (`beginFresh`): no record needs listing for that.
   */
  private unorderAll(): void {
    const u = this.unordered;
    u.newRecords = true;
    u.posts = true;
    u.lines = true;
  }

  /** The applied plans as the store lists them, in the order they were applied. */
  private noteStored(stored: PlanSummary[]): void {
    const h = this.builder.history;
    h.plans = [...h.plans, ...stored];
  }

  /**
   * The organization's facts as the store gives them back (`OrgStore.history`): the same records,
   * versions, posts, lines, events and plans, in the same order, so that every answer from them is the
   * one a fresh read would give. A new history object each time over this organization's records,
   * which its later plans change: a reader must not hold it across a plan being applied (the engine
   * hands it out only while none is). Not while a trial is open.
   */
  storeOrder(): History {
    if (this.builder.inTrial) throw new Error('the facts are not in store order while a trial is open');
    const h = this.builder.history;
    const u = this.unordered;
    const lived = (v: Versioned) => v.to === null || v.from < v.to;
    const compact = <V extends Versioned>(records: Map<string, { versions: V[] }>, ids: Set<string>) => {
      for (const id of ids) {
        const record = records.get(id);
        if (record && !record.versions.every(lived)) record.versions = record.versions.filter(lived);
      }
      ids.clear();
    };
    compact(h.units, u.units);
    compact(h.people, u.people);
    compact(h.businesses, u.businesses);
    if (u.newRecords) {
      h.units = byId(h.units);
      h.people = byId(h.people);
      h.businesses = byId(h.businesses);
      u.newRecords = false;
    }
    if (u.posts) {
      h.posts = h.posts.filter(lived).sort(postOrder);
      u.posts = false;
    }
    if (u.lines) {
      h.lines = h.lines.filter(lived).sort(lineOrder);
      u.lines = false;
    }
    return { ...h };
  }

  /** Replays the applied plans; null when they do not replay (they always should). */
  static of(applied: SequencedPlan[]): LiveOrg | null {
    const ordered = replayOrder(applied);
    const builder = new OrgBuilder();
    for (const entry of ordered) {
      if (applyPlan(builder, entry.plan, (violations) => violations.map((message) => ({ message }))))
        return null;
    }
    compact(builder.history);
    const summaries = ordered.map(({ plan, seq }) => ({ id: plan.id, seq }));
    const live = new LiveOrg(builder, summaries, ordered.at(-1)?.plan.effective ?? '0000-01-01');
    live.unorderAll();
    return live;
  }

  /**
   * Goes on from the stored facts of the applied plans (`history`, which it then owns and changes)
   * instead of replaying them: the cost of reading the facts, not of parsing and replaying every plan.
   */
  static resume(history: History, applied: PlanSummary[]): LiveOrg {
    let last = '0000-01-01';
    for (const plan of applied) if (plan.effective > last) last = plan.effective;
    const summaries = applied.map(({ id, seq }) => ({ id, seq }));
    return new LiveOrg(OrgBuilder.resume(history, last), summaries, last);
  }

  /**
   * Applies `plans` (in a trial the caller started); on a refusal rolls the trial back and returns
   * the problems, located.
   */
  private tryPlans(plans: Plan[], progress?: Progress): Problem[] | null {
    const b = this.builder;
    let broken: string[] | null = null;
    const told = changesTold(plans, progress);
    for (const [i, plan] of plans.entries()) {
      const problems = applyPlan(
        b,
        plan,
        (violations) => {
          broken = violations;
          return [];
        },
        told.within,
      );
      told.planDone(plan);
      if (!problems) continue;
      b.rollback();
      return broken ? this.locate(plans.slice(0, i), plan, broken) : problems;
    }
    return null;
  }

  /**
   * Where `plan` breaks the invariants: tried again after `before` (accepted), an operation at a
   * time, in a trial that is rolled back.
   */
  private locate(before: Plan[], plan: Plan, violations: string[]): Problem[] {
    const b = this.builder;
    b.beginTrial();
    try {
      return locateViolations(applyUnchecked(b, before), plan, violations);
    } finally {
      b.rollback();
    }
  }

  /** Whether these plans, applied in this order, can be tried here (each on or after the last plan, none applied already). */
  covers(plans: Plan[]): boolean {
    const ids = new Set(this.applied.map((a) => a.id));
    let last = this.last;
    for (const plan of plans) {
      if (plan.effective < last || ids.has(plan.id)) return false;
      ids.add(plan.id);
      last = plan.effective;
    }
    return true;
  }

  /** The plans with the sequence numbers they get when applied. */
  private sequenced(plans: Plan[]): SequencedPlan[] {
    let seq = this.lastSeq;
    return plans.map((plan) => ({ plan, seq: ++seq }));
  }

  /** Checks plans as `checkPlans` would (same problems), without changing the organization. */
  check(plans: Plan[]): Verdict {
    this.builder.beginTrial();
    let refused: Problem[] | null;
    try {
      refused = this.tryPlans(plans);
    } catch (error) {
      this.builder.rollback();
      throw error;
    }
    if (refused) return { ok: false, problems: refused };
    this.builder.rollback();
    return { ok: true };
  }

  /** What `plan` would change on its date: the same answer as `impact()` of the two histories. */
  impact(plan: Plan): { ok: true; impact: Impact } | { ok: false; problems: Problem[] } {
    const b = this.builder;
    const totals = this.totalsNow();
    const date = plan.effective;

    // 1. With the plan: who may have a new manager, who is in a moved subtree, and the plan's posts,
    //    businesses and unit events, named as on the day with the plan.
    const tried = this.tryPlan(plan);
    if (!tried.ok) return tried;
    const { touched } = tried;
    const changed = managerCandidates(b);
    for (const p of touched.people) changed.add(p);
    const movedPeople = new Set<string>();
    for (const unit of touched.units) {
      if (!parentChanged(b, unit, date)) continue;
      const stack = [unit];
      while (stack.length > 0) {
        const u = stack.pop()!;
        for (const m of b.liveMembers(u)) movedPeople.add(m);
        for (const c of b.liveChildren(u)) stack.push(c);
      }
    }
    for (const p of movedPeople) changed.add(p);
    const afterPlace = new Map<string, Place>();
    const chainMemo = new Map<string, number>();
    for (const p of changed) {
      const place = placeOf(b, p, chainMemo);
      if (place) afterPlace.set(p, place);
    }
    // Only what the plan touched can have another name with the plan than without it.
    const afterPersonNames = new Map([...touched.people].map((p) => [p, b.personNameNow(p)]));
    const afterUnitNames = new Map([...touched.units].map((u) => [u, b.unitNameNow(u)]));
    const withoutHeadAfter = new Set<string>();
    for (const p of touched.people) {
      const place = afterPlace.get(p);
      if (place && place.manager === null && b.liveHead(place.unit) !== p) withoutHeadAfter.add(p);
    }
    const unitEvents = b.history.events.slice(touched.eventsFrom).map((e) =>
      unitEventChange(
        e,
        (id) => b.unitNameNow(id),
        (id) => {
          const parent = b.liveUnit(id)?.parent ?? null;
          return parent === null ? null : b.unitNameNow(parent);
        },
      ),
    );
    const postsAfter = postsOf(b, touched.postUnits);
    const businessesAfter = businessesOf(b, touched.businesses);
    const liveUnitsAfter = new Set([...touched.postUnits].filter((u) => b.liveUnit(u)));
    const liveAfter = new Set([...touched.people].filter((p) => b.livePerson(p)));
    const liveUnitsAfterAll = new Set([...touched.units].filter((u) => b.liveUnit(u)));
    b.rollback();

    // 2. Without the plan: the same people, posts and businesses.
    const beforePlace = new Map<string, Place>();
    const beforeMemo = new Map<string, number>();
    for (const p of changed) {
      const place = placeOf(b, p, beforeMemo);
      if (place) beforePlace.set(p, place);
    }
    const postsBefore = postsOf(b, touched.postUnits);
    const businessesBefore = businessesOf(b, touched.businesses);

    // 3. With the plan again: everyone below a person whose chain got longer or shorter.
    const chainDelta = new Map<string, { before: number; after: number }>();
    const retried = this.tryPlan(plan);
    if (!retried.ok) return retried;
    try {
      const solidTo = solidLinesTo(b);
      const stack: string[] = [];
      for (const [p, after] of afterPlace) {
        const before = beforePlace.get(p);
        if (before && before.chain !== after.chain) stack.push(p);
      }
      while (stack.length > 0) {
        const x = stack.pop()!;
        const xBefore = chainDelta.get(x) ?? {
          before: beforePlace.get(x)!.chain,
          after: afterPlace.get(x)!.chain,
        };
        for (const r of reportsOf(b, x, solidTo)) {
          if (changed.has(r) || chainDelta.has(r)) continue;
          chainDelta.set(r, { before: xBefore.before + 1, after: xBefore.after + 1 });
          stack.push(r);
        }
      }
    } finally {
      b.rollback();
    }

    // 4. The answer, shaped and ordered as `impact()` shapes it.
    const personBefore = (id: string) => b.personNameNow(id);
    const unitBefore = (id: string) => b.unitNameNow(id);
    const personAfterName = (id: string) => afterPersonNames.get(id) ?? b.personNameNow(id);
    const unitAfterName = (id: string) => afterUnitNames.get(id) ?? b.unitNameNow(id);
    const result: Impact = {
      date,
      managerChanges: [],
      chainChanges: [],
      unitChanges: unitEvents,
      spans: [],
      layers: { before: 0, after: 0 },
      headcount: [],
      businesses: [],
      posts: [],
      withoutHead: [],
    };
    const chainCounts = new Map(totals.chainCounts);
    const spans = new Map<string, { before: number; after: number }>();
    const spanOf = (m: string) => countFrom(spans, totals.spans, m);
    const tops = new Map<string, { before: number; after: number }>();
    const topOf = (u: string) => countFrom(tops, totals.topCounts, u);
    const bump = (map: Map<number, number>, key: number, by: number) =>
      map.set(key, (map.get(key) ?? 0) + by);
    for (const p of changed) {
      const a = beforePlace.get(p);
      const z = afterPlace.get(p);
      if (a) {
        bump(chainCounts, a.chain, -1);
        if (a.manager !== null) spanOf(a.manager).after -= 1;
        if (a.top !== null) topOf(a.top).after -= 1;
      }
      if (z) {
        bump(chainCounts, z.chain, 1);
        if (z.manager !== null) spanOf(z.manager).after += 1;
        if (z.top !== null) topOf(z.top).after += 1;
      }
      if (!a || !z) continue;
      const name = personAfterName(p);
      if (a.manager !== z.manager) {
        result.managerChanges.push({
          person: name,
          from: a.manager === null ? null : personBefore(a.manager),
          to: z.manager === null ? null : personAfterName(z.manager),
        });
      }
      if (a.chain !== z.chain) result.chainChanges.push({ person: name, before: a.chain, after: z.chain });
      if (a.unit !== z.unit && withoutHeadAfter.has(p))
        result.withoutHead.push({ person: name, unit: unitAfterName(z.unit) });
    }
    for (const [p, delta] of chainDelta) {
      bump(chainCounts, delta.before, -1);
      bump(chainCounts, delta.after, 1);
      result.chainChanges.push({ person: personAfterName(p), before: delta.before, after: delta.after });
    }
    result.layers = {
      before: layersFrom(totals.chainCounts),
      after: layersFrom(chainCounts),
    };
    for (const [m, s] of spans) {
      if (s.before === s.after) continue;
      const alive = !touched.people.has(m) || liveAfter.has(m);
      result.spans.push({
        person: alive ? personAfterName(m) : personBefore(m),
        before: s.before,
        after: s.after,
      });
    }
    for (const [u, t] of tops) {
      if (t.before === t.after) continue;
      const live = !touched.units.has(u) || liveUnitsAfterAll.has(u);
      result.headcount.push({
        unit: live ? unitAfterName(u) : unitBefore(u),
        before: t.before,
        after: t.after,
      });
    }
    const before = { unitName: unitBefore, personName: personBefore };
    const after = { unitName: unitAfterName, personName: personAfterName };
    const dayChanges: DiffChange[] = [];
    for (const key of new Set([...postsAfter.keys(), ...postsBefore.keys()])) {
      const a = postsBefore.get(key);
      const z = postsAfter.get(key);
      if (!liveUnitsAfter.has((z ?? a)!.unit)) continue;
      const change = postChange(date, a, z, before, after);
      if (change) dayChanges.push(change);
    }
    for (const [id, z] of businessesAfter) {
      const change = businessChange(date, businessesBefore.get(id), z, before, after);
      if (change) dayChanges.push(change);
    }
    dayChanges.sort(compareDayChanges);
    addBusinessesAndPosts(result, dayChanges);
    sortImpact(result);
    return { ok: true, impact: result };
  }

  /** Applies `plan` in a trial that the caller must roll back; refused plans are rolled back here. */
  private tryPlan(
    plan: Plan,
  ): { ok: true; touched: OrgBuilder['touched'] } | { ok: false; problems: Problem[] } {
    const b = this.builder;
    b.beginTrial();
    let problems: Problem[] | null;
    try {
      problems = this.tryPlans([plan]);
    } catch (error) {
      b.rollback();
      throw error;
    }
    if (problems) return { ok: false, problems };
    return { ok: true, touched: b.touched };
  }

  /** Chain lengths, spans and headcount per top-level unit over everyone, as applied. */
  private totalsNow(): Totals {
    if (this.totals) return this.totals;
    const b = this.builder;
    const totals: Totals = { chainCounts: new Map(), spans: new Map(), topCounts: new Map() };
    const memo = new Map<string, number>();
    for (const id of b.history.people.keys()) {
      const place = placeOf(b, id, memo);
      if (!place) continue;
      totals.chainCounts.set(place.chain, (totals.chainCounts.get(place.chain) ?? 0) + 1);
      if (place.manager !== null) totals.spans.set(place.manager, (totals.spans.get(place.manager) ?? 0) + 1);
      if (place.top !== null) totals.topCounts.set(place.top, (totals.topCounts.get(place.top) ?? 0) + 1);
    }
    this.totals = totals;
    return totals;
  }
}

/** Copies of the versions, without the empty intervals a replay drops. */
/**
 * Records by id, as the store gives them back. Most are in order already (only the newest were
 * added at the end): sorting such nearly sorted entries costs little more than copying them.
 */
function byId<R>(records: Map<string, R>): Map<string, R> {
  let previous: string | undefined;
  let ordered = true;
  for (const id of records.keys()) {
    if (previous !== undefined && id < previous) {
      ordered = false;
      break;
    }
    previous = id;
  }
  if (ordered) return records;
  return new Map([...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function kept<V extends Versioned>(versions: V[]): V[] {
  return versions.filter((v) => v.to === null || v.from < v.to).map((v) => ({ ...v }));
}

/** The entry for `key` in `changes`, starting from its total (before and after alike). */
function countFrom(
  changes: Map<string, { before: number; after: number }>,
  totals: Map<string, number>,
  key: string,
): { before: number; after: number } {
  let entry = changes.get(key);
  if (!entry) {
    const count = totals.get(key) ?? 0;
    entry = { before: count, after: count };
    changes.set(key, entry);
  }
  return entry;
}

function layersFrom(chainCounts: Map<number, number>): number {
  let layers = 0;
  for (const [chain, count] of chainCounts) if (count > 0) layers = Math.max(layers, chain + 1);
  return layers;
}

/** A live person's unit, manager, chain length and top-level unit now; undefined if not in the organization. */
function placeOf(b: OrgBuilder, person: string, memo: Map<string, number>): Place | undefined {
  const version = b.livePerson(person);
  if (!version) return undefined;
  return {
    unit: version.unit,
    manager: b.liveManagerOf(person),
    chain: chainLength(b, person, memo),
    top: topUnit(b, version.unit),
  };
}

/** The length of `Snapshot.chainOf`: managers up to the top, stopping at a repeat. */
function chainLength(b: OrgBuilder, person: string, memo: Map<string, number>): number {
  const known = memo.get(person);
  if (known !== undefined) return known;
  const chain: string[] = [];
  const seen = new Set<string>([person]);
  let current = b.liveManagerOf(person);
  let rest = 0;
  while (current !== null && !seen.has(current)) {
    const cached = memo.get(current);
    if (cached !== undefined) {
      rest = cached + 1;
      break;
    }
    chain.push(current);
    seen.add(current);
    current = b.liveManagerOf(current);
  }
  // Memoize only along a chain that ended without a repeat: a repeat makes lengths depend on the start.
  const length = chain.length + rest;
  if (current === null || rest > 0) {
    for (let i = chain.length - 1, n = rest; i >= 0; i--, n++) memo.set(chain[i]!, n);
    memo.set(person, length);
  }
  return length;
}

/** The top-level unit above `unit` (`headcountByTopUnit`: the root counts its own members). */
function topUnit(b: OrgBuilder, unit: string): string | null {
  let child: string | null = null;
  let current: string | null = unit;
  const seen = new Set<string>();
  while (current !== null && !seen.has(current)) {
    seen.add(current);
    const parent: string | null = b.liveUnit(current)?.parent ?? null;
    if (parent === null) return child ?? current;
    child = current;
    current = parent;
  }
  return null;
}

/** Whether a live unit is new on `date` or has another parent than any version that ended that day. */
function parentChanged(b: OrgBuilder, unit: string, date: Day): boolean {
  const versions = b.history.units.get(unit)?.versions ?? [];
  const open = versions.at(-1);
  if (!open || open.to !== null || open.from !== date) return false;
  const ended = versions.filter((v) => v !== open && v.to === date);
  return ended.length === 0 || ended.some((v) => v.parent !== open.parent);
}

function postsOf(b: OrgBuilder, units: Set<string>): Map<string, PostFacts> {
  const posts = new Map<string, PostFacts>();
  for (const unit of units) {
    for (const v of b.livePostsIn(unit)) {
      const { post, holder, concurrent, prov } = v;
      posts.set(`${v.unit}\u0000${post}`, {
        unit: v.unit,
        post,
        holder,
        concurrent,
        prov: { plan: prov.plan },
      });
    }
  }
  return posts;
}

function businessesOf(b: OrgBuilder, ids: Set<string>): Map<string, BusinessFacts | undefined> {
  const out = new Map<string, BusinessFacts | undefined>();
  for (const id of ids) {
    const v = b.liveBusiness(id);
    out.set(id, v ? { name: v.name, unit: v.unit, prov: { plan: v.prov.plan } } : undefined);
  }
  return out;
}

/** Tells `progress` how many of the plans' changes are applied: within a plan, and after each. */
function changesTold(
  plans: Plan[],
  progress: Progress | undefined,
): { within: ((applied: number) => void) | undefined; planDone(plan: Plan): void } {
  let total = 0;
  for (const plan of plans) total += plan.changes.length;
  let before = 0;
  const stage = `checking ${plans.length} plan${plans.length === 1 ? '' : 's'}`;
  return {
    within: progress && ((applied) => progress(stage, before + applied, total)),
    planDone(plan) {
      before += plan.changes.length;
      progress?.(stage, before, total);
    },
  };
}
