import { updateNames } from './day-changes.ts';
import {
  type BusinessRecord,
  type BusinessVersion,
  emptyHistory,
  HEAD_POST,
  type History,
  isSupersedeKind,
  type LineageEvent,
  type NewUnitSpec,
  type Operation,
  type PersonRecord,
  type PersonVersion,
  type PostVersion,
  type Provenance,
  type ReportKind,
  type SupersedeKind,
  type UnitRecord,
  type UnitVersion,
  type Versioned,
} from './model.ts';
import { didYouMean, nameKey, slugify } from './names.ts';
import { managerOf, type ReportingTree } from './reporting.ts';
import type { Day } from './time.ts';

/** Raised by an operation that cannot be carried out; `key` names the plan key at fault. */
export class OperationError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

type Payload<V extends Versioned> = Omit<V, 'from' | 'to' | 'prov'>;

/** Normalizes the ways people write the No. 1 position. */
export function normalizePost(post: string): string {
  const key = nameKey(post);
  return key === 'head' || key === 'no1' || key === 'no1position' ? HEAD_POST : post.trim();
}

interface ContentItem {
  kind: 'unit' | 'person' | 'business';
  id: string;
  name: string;
  aliases: string[];
  source: string;
}

/**
 * Applies operations, in date order, to a growing history. All state it keeps beside the
 * history is an index of what is open now (the last date applied), so each operation costs
 * in proportion to what it touches.
 */
export class OrgBuilder {
  readonly history: History;
  private date: Day = '0000-01-01';
  private prov: Provenance = { plan: '', inferred: false };
  private readonly unitNames: NameIndex = new Map();
  /** The open people's names (and aliases); null until first needed after `resume` (`personNames`). */
  private personNamesIndex: NameIndex | null = new Map();
  /** Whether `personNamesIndex` was built during the trial running: undoing the trial drops it. */
  private personNamesBuiltInTrial = false;
  private readonly businessNames: NameIndex = new Map();
  private readonly children = new Map<string, Set<string>>();
  private readonly members = new Map<string, Set<string>>();
  private readonly owned = new Map<string, Set<string>>();
  private readonly openPosts = new Map<string, PostVersion>();
  private readonly postsHeld = new Map<string, Set<PostVersion>>();
  private readonly postsInUnit = new Map<string, Set<PostVersion>>();
  /**
   * Each person's open lines, an array replaced (never changed) on every change: most people have one
   * line, and a Set for each of millions of people took twice the memory.
   */
  private readonly openLines = new Map<string, ReadonlyArray<History['lines'][number]>>();
  /** The same open lines by manager, so that a leaver's lines are found without a scan. */
  private readonly openLinesTo = new Map<string, Set<History['lines'][number]>>();
  private readonly liveRoots = new Set<string>();
  /** Live units under each unit as a further parent (`alsoUnder`). */
  private readonly alsoChildren = new Map<string, Set<string>>();
  /** Live units with further parents: while there are none, the unit graph is the tree of `parent`. */
  private readonly withFurtherParents = new Set<string>();
  /**
   * Every name any person ever had, so that a rehire by name finds the former record without a scan:
   * built when first needed (`formerNames`), then kept up to date. Imports hire by id and never need it:
   * for millions of people it would be a map entry each.
   */
  private everPersonNames: NameIndex | null = null;
  /** The trial during which `everPersonNames` was built: undoing the trial drops it. */
  private everNamesBuiltInTrial = false;
  /** While a trial runs: how to undo each change, and the sets as they were before the trial first changed them. */
  private journal: Array<() => void> | null = null;
  /** The successions recorded on `date` (`successionKey`s), read from the events when first needed. */
  private successionsToday: { date: Day; pairs: Set<string> } | null = null;
  private savedSets: Map<Set<unknown>, unknown[]> | null = null;
  private trialStart: { date: Day; prov: Provenance } | null = null;
  /** While a trial records them: the facts as they were before the trial first changed them. */
  private recorded: TrialBefore | null = null;
  /** What the operations since `markTouched()` changed. */
  touched: Touched = newTouched();

  constructor(history: History = emptyHistory()) {
    this.history = history;
  }

  /**
   * A builder that goes on from stored facts (`history`, as the replay of its plans leaves it,
   * empty intervals dropped) as of `date`, the latest effective date applied: the indexes of what
   * is open are rebuilt from the facts, without replaying a plan. The history is used, not copied.
   */
  static resume(history: History, date: Day): OrgBuilder {
    const b = new OrgBuilder(history);
    b.date = date;
    // Most checks never look a person up by name (an import's plans use ids): a million names are
    // indexed when first asked for.
    b.personNamesIndex = null;
    for (const [id, record] of history.units) {
      const open = b.openVersion(record.versions);
      if (!open) continue;
      b.index(b.unitNames, [open.name, ...record.aliases], id, true);
      if (open.parent !== null) b.addTo(b.children, open.parent, id);
      else b.liveRoots.add(id);
      if (open.alsoUnder) {
        for (const p of open.alsoUnder) b.addTo(b.alsoChildren, p, id);
        b.withFurtherParents.add(id);
      }
    }
    for (const [id, record] of history.people) {
      const open = b.openVersion(record.versions);
      if (!open) continue;
      b.addTo(b.members, open.unit, id);
    }
    for (const [id, record] of history.businesses) {
      const open = b.openVersion(record.versions);
      if (!open) continue;
      b.index(b.businessNames, [open.name, ...record.aliases], id, true);
      b.addTo(b.owned, open.unit, id);
    }
    for (const post of history.posts) {
      if (post.to !== null) continue;
      b.openPosts.set(b.postKey(post.unit, post.post), post);
      if (post.holder) b.addTo(b.postsHeld, post.holder, post);
      b.addTo(b.postsInUnit, post.unit, post);
    }
    for (const line of history.lines) {
      if (line.to !== null) continue;
      b.addLine(line);
      b.addTo(b.openLinesTo, line.manager, line);
    }
    return b;
  }

  /**
   * What the indexes of what is open hold, as text in a fixed order (empty entries left out, a name's
   * ids as a list however they are kept): equal for two builders whose indexes say the same. For
   * tests that a rollback restores them and that a resume rebuilds what applying built.
   */
  indexSnapshot(): string {
    const text = (item: unknown) => (typeof item === 'string' ? item : JSON.stringify(item));
    const entries = (map: Map<string, unknown>) =>
      [...map]
        .map(([key, value]): [string, string[]] => [
          key,
          (value instanceof Set || Array.isArray(value) ? [...value] : [value]).map(text).sort(),
        ])
        .filter(([, items]) => items.length > 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify({
      date: this.date,
      unitNames: entries(this.unitNames),
      personNames: entries(this.personNames),
      businessNames: entries(this.businessNames),
      everPersonNames: entries(this.formerNames()),
      children: entries(this.children),
      members: entries(this.members),
      owned: entries(this.owned),
      openPosts: entries(this.openPosts),
      postsHeld: entries(this.postsHeld),
      postsInUnit: entries(this.postsInUnit),
      openLines: entries(this.openLines),
      openLinesTo: entries(this.openLinesTo),
      liveRoots: [...this.liveRoots].sort(),
      alsoChildren: entries(this.alsoChildren),
      withFurtherParents: [...this.withFurtherParents].sort(),
    });
  }

  /** Sets the date and provenance of the operations that follow. Dates never go backwards. */
  /**
   * In a `snapshot` plan sibling names and cycles through further parents are left to the
   * end-of-plan check (the invariants), not checked per operation.
   */
  namesAtEnd = false;

  at(date: Day, prov: Provenance): void {
    if (date < this.date)
      throw new Error(`operations must be applied in date order (${date} < ${this.date})`);
    this.date = date;
    this.prov = prov;
  }

  get currentDate(): Day {
    return this.date;
  }

  /**
   * Starts a trial: everything applied from now on can be undone with `rollback()` (or kept with
   * `keep()`), leaving the builder exactly as it was, so that a plan can be tried against a kept
   * organization without replaying its history.
   */
  beginTrial(options: { recordBefore?: boolean } = {}): void {
    if (this.journal) throw new Error('a trial is already running');
    this.journal = [];
    this.savedSets = new Map();
    this.trialStart = { date: this.date, prov: this.prov };
    if (options.recordBefore) {
      this.recorded = {
        units: new Map(),
        people: new Map(),
        businesses: new Map(),
        posts: new Map(),
        lines: new Map(),
        createdPosts: new Set(),
        createdLines: new Set(),
        eventsFrom: this.history.events.length,
      };
    }
  }

  /** Whether a trial is running. */
  get inTrial(): boolean {
    return this.journal !== null;
  }

  /** What the running trial changed, as it was before (with `recordBefore`). */
  get trialBefore(): TrialBefore | null {
    return this.recorded;
  }

  private noteRecord(kind: 'units' | 'people' | 'businesses', id: string): void {
    const recorded = this.recorded?.[kind];
    if (!recorded || recorded.has(id)) return;
    const record = this.history[kind].get(id);
    recorded.set(
      id,
      record === undefined
        ? null
        : ({
            ...record,
            aliases: [...record.aliases],
            versions: record.versions.map((v: Versioned) => ({ ...v })),
          } as never),
    );
  }

  rollback(): void {
    const journal = this.journal;
    if (!journal || !this.savedSets || !this.trialStart) throw new Error('no trial is running');
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
    for (const [set, items] of this.savedSets) {
      set.clear();
      for (const item of items) set.add(item);
    }
    this.date = this.trialStart.date;
    this.prov = this.trialStart.prov;
    // Built from what the trial had done: built again, when next needed, from what is kept.
    if (this.everNamesBuiltInTrial) this.everPersonNames = null;
    if (this.personNamesBuiltInTrial) this.personNamesIndex = null;
    this.endTrial();
  }

  keep(): void {
    if (!this.journal) throw new Error('no trial is running');
    this.endTrial();
  }

  private endTrial(): void {
    this.everNamesBuiltInTrial = false;
    this.personNamesBuiltInTrial = false;
    this.journal = null;
    this.savedSets = null;
    this.trialStart = null;
    this.recorded = null;
  }

  /** Starts a new record of what is touched (per plan, for the invariants and the impact). */
  markTouched(): void {
    this.touched = newTouched();
    this.touched.eventsFrom = this.history.events.length;
  }

  // ---- undoable primitives -------------------------------------------------------------

  private saveSet(set: Set<unknown>): void {
    if (this.savedSets && !this.savedSets.has(set)) this.savedSets.set(set, [...set]);
  }

  private setKey<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.journal) {
      if (map.has(key)) {
        const previous = map.get(key) as V;
        this.journal.push(() => map.set(key, previous));
      } else this.journal.push(() => map.delete(key));
    }
    map.set(key, value);
  }

  private deleteKey<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    if (this.journal) {
      const previous = map.get(key) as V;
      this.journal.push(() => map.set(key, previous));
    }
    map.delete(key);
  }

  private addTo<V>(map: Map<string, Set<V>>, key: string, value: V): void {
    const set = map.get(key);
    if (set) {
      this.saveSet(set);
      set.add(value);
    } else this.setKey(map, key, new Set([value]));
  }

  private removeFrom<V>(map: Map<string, Set<V>>, key: string, value: V): void {
    const set = map.get(key);
    if (!set) return;
    this.saveSet(set);
    set.delete(value);
  }

  private pushTo<T>(list: T[], item: T): void {
    if (this.journal) this.journal.push(() => list.pop());
    list.push(item);
  }

  private setTo(version: Versioned, to: Day | null): void {
    if (this.journal) {
      const previous = version.to;
      this.journal.push(() => {
        version.to = previous;
      });
    }
    version.to = to;
  }

  apply(op: Operation): void {
    switch (op.kind) {
      case 'create':
        this.create(op.unit, op.type, op.parent, op.aliases, op.head, op.id);
        break;
      case 'rename':
        if (op.person !== undefined) this.renamePerson(op.person, op.to);
        else this.rename(op.unit ?? '', op.to);
        break;
      case 'move':
        this.move(op.unit, op.to);
        break;
      case 'update':
        this.update(op.unit, op.type, op.status, op.alsoUnder);
        break;
      case 'supersede':
        this.supersede(op.unit, op.by, op.as);
        break;
      case 'merge':
        this.merge(op.units, op.into, op.parent, op.rest);
        break;
      case 'split':
        this.split(op.unit, op.into, op.parent, op.rest);
        break;
      case 'dissolve':
        this.dissolve(op.unit, op.rest, op.successors, op.as);
        break;
      case 'transfer':
        if (op.business !== undefined) this.transferBusiness(op.business, op.to);
        else this.transferPerson(op.person ?? '', op.to);
        break;
      case 'appoint':
        this.appoint(this.person(op.person, 'person'), this.unit(op.unit, 'unit'), op.post, op.concurrent);
        break;
      case 'vacate':
        this.vacate(op.unit, op.post);
        break;
      case 'promote':
        this.promote(op.person, op.level, op.title);
        break;
      case 'hire':
        this.hire(op.person, op.unit, op.level, op.title, op.aliases, op.unnamed, op.id);
        break;
      case 'leave':
        this.leave(op.person);
        break;
      case 'report':
        this.report(op.person, op.to, op.reportKind);
        break;
      case 'launch':
        this.launch(op.business, op.unit, op.aliases);
        break;
      case 'retire':
        this.retire(op.business);
        break;
      case 'alias':
        this.alias(op);
        break;
    }
  }

  // ---- current state -------------------------------------------------------------------

  /** The holder of the head post of `unit` now, or null. */
  liveHead(unit: string): string | null {
    return this.openPosts.get(this.postKey(unit, HEAD_POST))?.holder ?? null;
  }

  /** Live units whose name or an alias has this name key. */
  liveUnitsNamed(key: string): Iterable<string> {
    return named(this.unitNames, key);
  }

  liveChildren(unit: string): ReadonlySet<string> {
    return this.children.get(unit) ?? EMPTY;
  }

  liveMembers(unit: string): ReadonlySet<string> {
    return this.members.get(unit) ?? EMPTY;
  }

  liveOwned(unit: string): ReadonlySet<string> {
    return this.owned.get(unit) ?? EMPTY;
  }

  livePostsIn(unit: string): ReadonlySet<PostVersion> {
    return this.postsInUnit.get(unit) ?? EMPTY;
  }

  livePostsHeld(person: string): ReadonlySet<PostVersion> {
    return this.postsHeld.get(person) ?? EMPTY;
  }

  liveLinesOf(person: string): ReadonlyArray<History['lines'][number]> {
    return this.openLines.get(person) ?? NO_LINES;
  }

  /** Every open reporting line (a scan: lines are few). */
  *liveLines(): Iterable<History['lines'][number]> {
    for (const lines of this.openLines.values()) yield* lines;
  }

  get liveRootIds(): ReadonlySet<string> {
    return this.liveRoots;
  }

  /** The organization now, as the reporting rules (`reporting.ts`) ask about it. */
  readonly live: ReportingTree = {
    solidManager: (person) => {
      for (const line of this.liveLinesOf(person))
        if (line.kind === 'solid' && this.livePerson(line.manager)) return line.manager;
      return null;
    },
    unitOf: (person) => this.livePerson(person)?.unit,
    headOf: (unit) => this.liveHead(unit),
    parentOf: (unit) => this.liveUnit(unit)?.parent ?? null,
    children: (unit) => this.liveChildren(unit),
  };

  /** The person's manager now, by the rules of `reporting.ts`. */
  liveManagerOf(person: string): string | null {
    return managerOf(this.live, person);
  }

  /** A unit's name now, or the last it had. */
  unitNameNow(id: string): string {
    return this.unitLabel(id);
  }

  personNameNow(id: string): string {
    return this.personLabel(id);
  }

  private openVersion<V extends Versioned>(versions: V[]): V | undefined {
    const last = versions.at(-1);
    return last && last.to === null ? last : undefined;
  }

  liveUnit(id: string): UnitVersion | undefined {
    const record = this.history.units.get(id);
    return record ? this.openVersion(record.versions) : undefined;
  }

  livePerson(id: string): PersonVersion | undefined {
    const record = this.history.people.get(id);
    return record ? this.openVersion(record.versions) : undefined;
  }

  liveBusiness(id: string): BusinessVersion | undefined {
    const record = this.history.businesses.get(id);
    return record ? this.openVersion(record.versions) : undefined;
  }

  /** The names and aliases of the people in the organization now, built from the history when first asked for. */
  private get personNames(): NameIndex {
    if (this.personNamesIndex) return this.personNamesIndex;
    const index: NameIndex = new Map();
    for (const [id, record] of this.history.people) {
      const open = this.openVersion(record.versions);
      if (!open) continue;
      for (const name of [open.name, ...record.aliases]) addName(index, nameKey(name), id);
    }
    this.personNamesIndex = index;
    this.personNamesBuiltInTrial = this.journal !== null;
    return index;
  }

  /** `everPersonNames`, built from the history the first time it is asked for. */
  private formerNames(): NameIndex {
    if (this.everPersonNames) return this.everPersonNames;
    const index: NameIndex = new Map();
    for (const [id, record] of this.history.people) {
      let previous: string | undefined;
      for (const v of record.versions) {
        // A record's versions mostly keep its name: index each name once.
        if (v.name !== previous) addName(index, nameKey(v.name), id);
        previous = v.name;
      }
    }
    this.everPersonNames = index;
    this.everNamesBuiltInTrial = this.journal !== null;
    return index;
  }

  /**
   * Who left the organization having had this name (a rehire by name): the one who left last (then the
   * smallest id), so that the answer depends on the facts and not on the order they were indexed in.
   */
  private formerPerson(key: string): string | undefined {
    let best: { id: string; left: Day } | undefined;
    for (const id of named(this.formerNames(), key)) {
      const versions = this.history.people.get(id)?.versions ?? [];
      if (this.livePerson(id)) continue;
      let left: Day | undefined;
      for (const v of versions) if (lived(v) && nameKey(v.name) === key && v.to! > (left ?? '')) left = v.to!;
      if (left === undefined) continue;
      if (!best || left > best.left || (left === best.left && id < best.id)) best = { id, left };
    }
    return best?.id;
  }

  private unitLabel(id: string): string {
    return this.liveUnit(id)?.name ?? lastLived(this.history.units.get(id)?.versions)?.name ?? id;
  }

  private personLabel(id: string): string {
    return this.livePerson(id)?.name ?? lastLived(this.history.people.get(id)?.versions)?.name ?? id;
  }

  /** Whether `ancestor` is `unit` or above it, through parents and further parents. */
  private isWithin(unit: string, ancestor: string): boolean {
    const seen = new Set<string>();
    if (this.withFurtherParents.size > 0) {
      const stack = [unit];
      while (stack.length > 0) {
        const current = stack.pop()!;
        if (current === ancestor) return true;
        if (seen.has(current)) continue;
        seen.add(current);
        const version = this.liveUnit(current);
        if (version?.parent) stack.push(version.parent);
        if (version?.alsoUnder) stack.push(...version.alsoUnder);
      }
      return false;
    }
    let current: string | null = unit;
    while (current !== null && !seen.has(current)) {
      if (current === ancestor) return true;
      seen.add(current);
      current = this.liveUnit(current)?.parent ?? null;
    }
    return false;
  }

  /** Whether any unit lives with further parents (then cycles can close through them). */
  get hasFurtherParents(): boolean {
    return this.withFurtherParents.size > 0;
  }

  // ---- name resolution -----------------------------------------------------------------

  private resolve(kind: 'unit' | 'person' | 'business', ref: string, key: string): string {
    const records: Map<
      string,
      { id: string; aliases: string[]; versions: Array<Versioned & { name: string }> }
    > =
      kind === 'unit'
        ? this.history.units
        : kind === 'person'
          ? this.history.people
          : this.history.businesses;
    // By id, the common case (every imported operation): no closure is made on the way, each of which
    // costs a property definition under the loader's keep-names transform.
    if (ref.charCodeAt(0) === 35 /* # */) {
      const id = ref.slice(1);
      const record = records.get(id);
      // The record's own id, not the text cut from the reference: every fact naming it shares one string.
      if (record !== undefined && this.openVersion(record.versions) !== undefined) return record.id;
      if (record !== undefined) throw new OperationError(this.goneMessage(kind, ref, id), key);
      throw new OperationError(`no ${kind} with id "${id}" on ${this.date}`, key);
    }
    return this.resolveName(kind, records, ref, key);
  }

  private resolveName(
    kind: 'unit' | 'person' | 'business',
    records: Map<string, { id: string; aliases: string[]; versions: Array<Versioned & { name: string }> }>,
    ref: string,
    key: string,
  ): string {
    const index =
      kind === 'unit' ? this.unitNames : kind === 'person' ? this.personNames : this.businessNames;
    const live = (id: string) => {
      const record = records.get(id);
      return record !== undefined && this.openVersion(record.versions) !== undefined;
    };
    const found = [...named(index, nameKey(ref))].sort().filter(live);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const labels = found.map((id) =>
        kind === 'unit' ? this.unitPath(id) : `${this.personLabel(id)} (${id})`,
      );
      throw new OperationError(`"${ref}" is ambiguous on ${this.date}: it names ${labels.join('; ')}`, key);
    }
    if (live(ref)) return ref;
    // A former name of a live record (a unit renamed since) still finds it.
    const wanted = nameKey(ref);
    // Names held for no time at all (replaced the day they were given) are not on record.
    const hadName = (r: { versions: Versioned[] }) =>
      r.versions.some((v) => lived(v) && nameKey((v as Versioned & { name: string }).name) === wanted);
    const formerly = [...records.values()].filter((r) => live(r.id) && hadName(r));
    if (formerly.length === 1) return formerly[0]!.id;
    const gone = [...records.values()].find((r) => !live(r.id) && hadName(r));
    if (gone) throw new OperationError(this.goneMessage(kind, ref, gone.id), key);
    const candidates: Array<[string, string]> = [];
    for (const record of records.values()) {
      const open = this.openVersion(record.versions);
      if (open) for (const name of [open.name, ...record.aliases]) candidates.push([name, open.name]);
    }
    throw new OperationError(`no ${kind} named "${ref}" on ${this.date}.${didYouMean(ref, candidates)}`, key);
  }

  private goneMessage(kind: 'unit' | 'person' | 'business', ref: string, id: string): string {
    if (kind === 'unit') {
      const event = [...this.history.events]
        .reverse()
        .find(
          (e) => e.from.includes(id) && (e.kind === 'merge' || e.kind === 'split' || e.kind === 'dissolve'),
        );
      if (event) {
        const verb =
          event.kind === 'merge' ? 'merged into' : event.kind === 'split' ? 'split into' : 'dissolved';
        const into = event.kind === 'dissolve' ? '' : ` ${event.toNames.join(', ')}`;
        return `unit "${ref}" no longer exists on ${this.date}: it was ${verb}${into} on ${event.date}`;
      }
    }
    const records: Map<string, { versions: Versioned[] }> =
      kind === 'unit'
        ? this.history.units
        : kind === 'person'
          ? this.history.people
          : this.history.businesses;
    const last = lastLived(records.get(id)?.versions);
    const ended = last?.to ? ` since ${last.to}` : '';
    const what = kind === 'person' ? 'is no longer in the organization' : 'no longer exists';
    return `${kind} "${ref}" ${what} on ${this.date}${ended}`;
  }

  unit(ref: string, key: string): string {
    return this.resolve('unit', ref, key);
  }

  person(ref: string, key: string): string {
    return this.resolve('person', ref, key);
  }

  business(ref: string, key: string): string {
    return this.resolve('business', ref, key);
  }

  private unitPath(id: string): string {
    const names: string[] = [];
    const seen = new Set<string>();
    let current: string | null = id;
    while (current !== null && !seen.has(current)) {
      seen.add(current);
      names.unshift(this.unitLabel(current));
      current = this.liveUnit(current)?.parent ?? null;
    }
    return names.join(' / ');
  }

  private index(map: NameIndex, names: string[], id: string, add: boolean): void {
    for (const name of names) {
      const key = nameKey(name);
      const ids = map.get(key);
      if (add) {
        if (ids === undefined) this.setKey(map, key, id);
        else if (typeof ids === 'string') {
          if (ids !== id) this.setKey(map, key, new Set([ids, id]));
        } else {
          this.saveSet(ids);
          ids.add(id);
        }
      } else if (ids === id) this.deleteKey(map, key);
      else if (ids !== undefined && typeof ids !== 'string') {
        this.saveSet(ids);
        ids.delete(id);
      }
    }
  }

  private newId(records: Map<string, unknown>, name: string): string {
    const base = slugify(name);
    let id = base;
    for (let n = 2; records.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  // ---- versioned writes ----------------------------------------------------------------

  /** Ends the open version at the current date and, unless `next` is null, opens a new one. */
  private advance<V extends Versioned>(versions: V[], next: Payload<V> | null): V | undefined {
    const open = this.openVersion(versions);
    if (open) this.setTo(open, this.date);
    if (next === null) return undefined;
    // The keys in the order the store's reader gives them (`HistoryReader`), so that facts read back
    // and facts kept print alike.
    const version = { from: this.date, to: null, ...next, prov: this.prov } as V;
    this.pushTo(versions, version);
    return version;
  }

  private setUnit(id: string, payload: Payload<UnitVersion> | null): void {
    let next = payload;
    if (next) {
      const { name, type, parent, status, alsoUnder } = next;
      next = { name, type, parent };
      if (status !== undefined) next.status = status;
      if (alsoUnder !== undefined) next.alsoUnder = alsoUnder;
    }
    this.noteRecord('units', id);
    const record = this.history.units.get(id)!;
    const open = this.openVersion(record.versions);
    this.touched.units.add(id);
    if (open) {
      this.index(this.unitNames, [open.name, ...record.aliases], id, false);
      if (open.parent !== null) this.removeFrom(this.children, open.parent, id);
      else {
        this.saveSet(this.liveRoots);
        this.liveRoots.delete(id);
      }
      if (open.alsoUnder) {
        for (const p of open.alsoUnder) this.removeFrom(this.alsoChildren, p, id);
        this.saveSet(this.withFurtherParents);
        this.withFurtherParents.delete(id);
      }
    }
    this.advance(record.versions, next);
    if (next) {
      this.index(this.unitNames, [next.name, ...record.aliases], id, true);
      if (next.parent !== null) this.addTo(this.children, next.parent, id);
      else {
        this.saveSet(this.liveRoots);
        this.liveRoots.add(id);
      }
      if (next.alsoUnder) {
        for (const p of next.alsoUnder) this.addTo(this.alsoChildren, p, id);
        this.saveSet(this.withFurtherParents);
        this.withFurtherParents.add(id);
      }
    }
  }

  private setPerson(id: string, payload: Payload<PersonVersion> | null): void {
    const next = payload && {
      name: payload.name,
      level: payload.level,
      title: payload.title,
      unit: payload.unit,
    };
    this.noteRecord('people', id);
    const record = this.history.people.get(id)!;
    const open = this.openVersion(record.versions);
    this.touched.people.add(id);
    if (open) {
      if (this.personNamesIndex) this.index(this.personNamesIndex, [open.name, ...record.aliases], id, false);
      this.removeFrom(this.members, open.unit, id);
    }
    this.advance(record.versions, next);
    if (next) {
      if (this.personNamesIndex) this.index(this.personNamesIndex, [next.name, ...record.aliases], id, true);
      if (this.everPersonNames) this.index(this.everPersonNames, [next.name], id, true);
      this.addTo(this.members, next.unit, id);
    }
  }

  private setBusiness(id: string, next: Payload<BusinessVersion> | null): void {
    this.noteRecord('businesses', id);
    const record = this.history.businesses.get(id)!;
    const open = this.openVersion(record.versions);
    this.touched.businesses.add(id);
    if (open) {
      this.index(this.businessNames, [open.name, ...record.aliases], id, false);
      this.removeFrom(this.owned, open.unit, id);
    }
    this.advance(record.versions, next);
    if (next) {
      this.index(this.businessNames, [next.name, ...record.aliases], id, true);
      this.addTo(this.owned, next.unit, id);
    }
  }

  private postKey(unit: string, post: string): string {
    return `${unit}\u0000${nameKey(post)}`;
  }

  private endPost(version: PostVersion): void {
    if (this.recorded && !this.recorded.posts.has(version) && !this.recorded.createdPosts.has(version))
      this.recorded.posts.set(version, { ...version });
    this.setTo(version, this.date);
    this.deleteKey(this.openPosts, this.postKey(version.unit, version.post));
    if (version.holder) this.removeFrom(this.postsHeld, version.holder, version);
    this.removeFrom(this.postsInUnit, version.unit, version);
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
    if (this.openPosts.has(this.postKey(unit, post))) this.touched.doubledPosts = true;
    this.recorded?.createdPosts.add(version);
    this.pushTo(this.history.posts, version);
    this.setKey(this.openPosts, this.postKey(unit, post), version);
    if (holder) this.addTo(this.postsHeld, holder, version);
    this.addTo(this.postsInUnit, unit, version);
    this.touchPost(version);
  }

  private touchPost(version: PostVersion): void {
    this.touched.postUnits.add(version.unit);
    if (version.holder) this.touched.postHolders.add(version.holder);
  }

  private event(
    kind: LineageEvent['kind'],
    unit: string | null,
    from: string[],
    to: string[],
    key?: string,
  ): void {
    if (isSupersedeKind(kind)) this.checkNewSuccessions(kind, from, to, key);
    this.pushTo(this.history.events, {
      date: this.date,
      kind,
      unit,
      from,
      to,
      fromNames: from.map((id) => this.unitLabel(id)),
      toNames: to.map((id) => this.unitLabel(id)),
      prov: this.prov,
    });
  }

  /**
   * Refuses a succession already on record that day (the same unit succeeded by the same unit, the
   * same way): it would be one fact told twice, and the lineage file, a set of rows, keeps it once.
   */
  private checkNewSuccessions(kind: SupersedeKind, from: string[], to: string[], key?: string): void {
    if (this.successionsToday?.date !== this.date) {
      const pairs = new Set<string>();
      // Events are recorded in date order: the day's are at the end.
      for (let i = this.history.events.length - 1; i >= 0; i--) {
        const event = this.history.events[i]!;
        if (event.date !== this.date) break;
        if (!isSupersedeKind(event.kind)) continue;
        for (const f of event.from) for (const t of event.to) pairs.add(successionKey(event.kind, f, t));
      }
      this.successionsToday = { date: this.date, pairs };
      // A trial that is undone takes its events back: the day's pairs are read again next time.
      this.journal?.push(() => {
        this.successionsToday = null;
      });
    }
    const { pairs } = this.successionsToday;
    const added: string[] = [];
    for (const f of from) {
      for (const t of to) {
        if (f === t) continue;
        const pair = successionKey(kind, f, t);
        if (pairs.has(pair))
          throw new OperationError(
            `"${this.unitLabel(f)}" is already recorded as succeeded by "${this.unitLabel(t)}" (${kind}) on ${this.date}`,
            key,
          );
        added.push(pair);
      }
    }
    for (const pair of added) pairs.add(pair);
    if (added.length > 0)
      this.journal?.push(() => {
        for (const pair of added) pairs.delete(pair);
      });
  }

  private checkSiblingName(
    parent: string | null,
    name: string,
    key: string,
    ignoring: Set<string> = new Set(),
  ): void {
    if (parent === null || this.namesAtEnd) return;
    const wanted = nameKey(name);
    // Through the name index (live units by name or alias), not the siblings: a parent may have thousands.
    for (const sibling of named(this.unitNames, wanted)) {
      if (ignoring.has(sibling) || this.liveUnit(sibling)?.parent !== parent) continue;
      if (nameKey(this.unitLabel(sibling)) === wanted) {
        throw new OperationError(
          `"${this.unitLabel(parent)}" already has a unit named "${this.unitLabel(sibling)}" on ${this.date}`,
          key,
        );
      }
    }
  }

  // ---- operations ----------------------------------------------------------------------

  private create(
    name: string,
    type: string,
    parentRef: string | null,
    aliases: string[],
    head?: string,
    id?: string,
  ): void {
    const earlier = id === undefined ? undefined : this.history.units.get(id);
    if (earlier) {
      // An id may come back after its unit ended (an HR system reactivating a department).
      const last = lastLived(earlier.versions);
      if (last && (last.to === null || last.to > this.date))
        throw new OperationError(`a unit with id "${id}" exists already`, 'id');
    }
    let parent: string | null = null;
    if (parentRef === null) {
      const [root] = this.liveRoots;
      if (root !== undefined) {
        throw new OperationError(
          `the organization already has a root, "${this.unitLabel(root)}"; give the new unit a parent`,
          'unit',
        );
      }
    } else parent = this.unit(parentRef, 'parent');
    this.checkSiblingName(parent, name, 'unit');
    const created = this.newUnit(name, type, parent, aliases, id);
    this.event('create', created, [], [created]);
    if (head !== undefined) this.appoint(this.person(head, 'head'), created, HEAD_POST, false);
  }

  private newUnit(
    name: string,
    type: string,
    parent: string | null,
    aliases: string[],
    chosenId?: string,
  ): string {
    const id = chosenId ?? this.newId(this.history.units, name);
    this.noteRecord('units', id);
    if (!this.history.units.has(id)) {
      const record: UnitRecord = { id, aliases: [...aliases], versions: [] };
      this.setKey(this.history.units, id, record);
    }
    this.setUnit(id, { name, type, parent });
    return id;
  }

  private rename(ref: string, to: string): void {
    const id = this.unit(ref, 'unit');
    const open = this.liveUnit(id)!;
    if (open.name === to) throw new OperationError(`unit "${open.name}" is already called "${to}"`, 'to');
    this.checkSiblingName(open.parent, to, 'to', new Set([id]));
    this.setUnit(id, unitPayload(open, to, open.type, open.parent));
    this.event('rename', id, [id], [id]);
    const last = this.history.events.at(-1)!;
    last.fromNames = [open.name];
  }

  private move(ref: string, toRef: string): void {
    const id = this.unit(ref, 'unit');
    const to = this.unit(toRef, 'to');
    const open = this.liveUnit(id)!;
    if (open.parent === to) {
      throw new OperationError(`unit "${open.name}" is already under "${this.unitLabel(to)}"`, 'to');
    }
    if (this.isWithin(to, id)) {
      throw new OperationError(
        `moving "${open.name}" under "${this.unitLabel(to)}" would make a cycle: "${this.unitLabel(to)}" is inside "${open.name}"`,
        'to',
      );
    }
    this.checkSiblingName(to, open.name, 'unit');
    const from = open.parent;
    this.setUnit(id, unitPayload(open, open.name, open.type, to));
    this.event('move', id, from === null ? [] : [from], [to]);
  }

  private update(ref: string, type?: string, status?: string | null, alsoUnderRefs?: string[]): void {
    const id = this.unit(ref, 'unit');
    const open = this.liveUnit(id)!;
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    const next = unitPayload(open, open.name, open.type, open.parent);
    if (type !== undefined && type !== open.type) {
      before.type = open.type;
      after.type = type;
      next.type = type;
    }
    if (status !== undefined && (status ?? undefined) !== open.status) {
      before.status = open.status ?? null;
      after.status = status;
      if (status === null) delete next.status;
      else next.status = status;
    }
    if (alsoUnderRefs !== undefined) {
      const further: string[] = [];
      alsoUnderRefs.forEach((r, i) => {
        const key = `also_under[${i}]`;
        const p = this.unit(r, key);
        if (further.includes(p)) return;
        if (p === open.parent)
          throw new OperationError(`"${this.unitLabel(p)}" is already the parent of "${open.name}"`, key);
        if (!this.namesAtEnd && this.isWithin(p, id))
          throw new OperationError(
            `"${open.name}" under "${this.unitLabel(p)}" would make a cycle: "${this.unitLabel(p)}" is inside "${open.name}"`,
            key,
          );
        further.push(p);
      });
      const current = open.alsoUnder ?? [];
      if (further.length !== current.length || further.some((p, i) => p !== current[i])) {
        before.also_under = current.map((u) => this.unitLabel(u)).join('; ');
        after.also_under = further.map((u) => this.unitLabel(u)).join('; ');
        if (further.length > 0) next.alsoUnder = further;
        else delete next.alsoUnder;
      }
    }
    if (Object.keys(after).length === 0)
      throw new OperationError(`unit "${open.name}" already has these values on ${this.date}`, 'unit');
    this.setUnit(id, next);
    this.pushTo(this.history.events, {
      date: this.date,
      kind: 'update',
      unit: id,
      from: [id],
      to: [id],
      fromNames: updateNames(open.name, before),
      toNames: updateNames(open.name, after),
      prov: this.prov,
    });
  }

  /** Records that other units succeeded `ref`, which stays on record (a closed organisation). */
  private supersede(ref: string, byRefs: string[], as: SupersedeKind): void {
    const id = this.unit(ref, 'unit');
    const by = byRefs.map((r, i) => this.unit(r, `by[${i}]`));
    if (by.includes(id))
      throw new OperationError(`unit "${this.unitLabel(id)}" cannot succeed itself`, `by[${by.indexOf(id)}]`);
    this.event(as, id, [id], by, 'by');
  }

  private contentsOf(sources: string[]): ContentItem[] {
    const items: ContentItem[] = [];
    const sourceSet = new Set(sources);
    for (const source of sources) {
      // By id: the order of the answer depends on the facts, not on the order they were indexed in.
      for (const child of sortedIds(this.children.get(source))) {
        if (sourceSet.has(child)) continue;
        items.push({
          kind: 'unit',
          id: child,
          name: this.unitLabel(child),
          aliases: this.history.units.get(child)!.aliases,
          source,
        });
      }
      for (const member of sortedIds(this.members.get(source))) {
        items.push({
          kind: 'person',
          id: member,
          name: this.personLabel(member),
          aliases: this.history.people.get(member)!.aliases,
          source,
        });
      }
      for (const business of sortedIds(this.owned.get(source))) {
        const record = this.history.businesses.get(business)!;
        items.push({
          kind: 'business',
          id: business,
          name: this.liveBusiness(business)!.name,
          aliases: record.aliases,
          source,
        });
      }
    }
    return items;
  }

  /** Checks that `target` can receive what the closing `sources` leave behind. */
  private checkReceiver(target: string, sources: string[], key: string): void {
    for (const source of sources) {
      if (this.isWithin(target, source)) {
        const what = target === source ? 'is itself' : 'is inside';
        throw new OperationError(
          `"${this.unitLabel(target)}" ${what} "${this.unitLabel(source)}", which this operation ends; choose a unit outside it`,
          key,
        );
      }
    }
  }

  /** Moves every item to its target unit, then ends the sources and their posts. */
  private closeUnits(sources: string[], placement: Map<ContentItem, string>): void {
    for (const source of sources) {
      for (const under of this.alsoChildren.get(source) ?? []) {
        if (sources.includes(under)) continue;
        throw new OperationError(
          `"${this.unitLabel(under)}" is also under "${this.unitLabel(source)}", which would end on ${this.date}; update its also_under first`,
        );
      }
    }
    for (const [item, target] of placement) {
      if (item.kind === 'unit') {
        const open = this.liveUnit(item.id)!;
        this.setUnit(item.id, unitPayload(open, open.name, open.type, target));
      } else if (item.kind === 'person') {
        const open = this.livePerson(item.id)!;
        this.setPerson(item.id, { ...payloadOf(open), unit: target });
      } else {
        const open = this.liveBusiness(item.id)!;
        this.setBusiness(item.id, { name: open.name, unit: target });
      }
    }
    for (const source of sources) {
      for (const post of [...(this.postsInUnit.get(source) ?? [])]) this.endPost(post);
      this.setUnit(source, null);
    }
  }

  private orphanError(orphans: ContentItem[], key: string): OperationError {
    const described = orphans.map((o) => {
      const relation = o.kind === 'unit' ? 'child unit' : o.kind === 'person' ? 'member' : 'business';
      return `${relation} "${o.name}" of "${this.unitLabel(o.source)}"`;
    });
    return new OperationError(
      `would orphan ${orphans.length} item${orphans.length === 1 ? '' : 's'} on ${this.date}: ${described.join('; ')}. ` +
        'Place them with takes: on a new unit or with rest:',
      key,
    );
  }

  private merge(refs: string[], into: string | NewUnitSpec[], parentRef?: string, restRef?: string): void {
    const sources = this.distinctUnits(refs, 'units');
    if (typeof into === 'string') {
      const target = this.unit(into, 'into');
      this.checkReceiver(target, sources, 'into');
      const rest = restRef === undefined ? target : this.unit(restRef, 'rest');
      this.checkReceiver(rest, sources, 'rest');
      const items = this.contentsOf(sources);
      this.closeUnits(sources, new Map(items.map((item) => [item, rest])));
      this.event('merge', null, sources, [target]);
      return;
    }
    let parent: string | null;
    if (parentRef !== undefined) parent = this.unit(parentRef, 'parent');
    else {
      const parents = new Set(sources.map((s) => this.liveUnit(s)!.parent));
      if (parents.size !== 1) {
        throw new OperationError(
          'the merged units have different parents; say where the new units go with parent:',
          'into',
        );
      }
      parent = [...parents][0] ?? null;
      if (parent === null) throw new OperationError('cannot merge the root into new units', 'units');
    }
    this.replaceWithNewUnits('merge', sources, into, parent, restRef);
  }

  private split(ref: string, into: NewUnitSpec[], parentRef?: string, restRef?: string): void {
    const source = this.unit(ref, 'unit');
    const parent = parentRef !== undefined ? this.unit(parentRef, 'parent') : this.liveUnit(source)!.parent;
    if (parent === null)
      throw new OperationError('cannot split the root; give the new units a parent:', 'unit');
    this.replaceWithNewUnits('split', [source], into, parent, restRef);
  }

  private replaceWithNewUnits(
    kind: 'merge' | 'split',
    sources: string[],
    specs: NewUnitSpec[],
    parent: string,
    restRef: string | undefined,
  ): void {
    this.checkReceiver(parent, sources, 'parent');
    const sourceSet = new Set(sources);
    const seenNames = new Set<string>();
    specs.forEach((spec, i) => {
      this.checkSiblingName(parent, spec.name, `into[${i}].name`, sourceSet);
      const key = nameKey(spec.name);
      if (seenNames.has(key))
        throw new OperationError(`two new units are named "${spec.name}"`, `into[${i}].name`);
      seenNames.add(key);
    });
    const items = this.contentsOf(sources);
    const placedBy = new Map<ContentItem, number>();
    specs.forEach((spec, i) => {
      (spec.takes ?? []).forEach((take, j) => {
        const wanted = nameKey(take);
        const matches = items.filter((item) =>
          [item.name, ...item.aliases].some((n) => nameKey(n) === wanted),
        );
        const where = `into[${i}].takes[${j}]`;
        if (matches.length === 0) {
          throw new OperationError(
            `"${take}" is not a child unit, member or business of ${sources.map((s) => `"${this.unitLabel(s)}"`).join(', ')} on ${this.date}.` +
              didYouMean(
                take,
                items.map((item) => item.name),
              ),
            where,
          );
        }
        if (matches.length > 1) throw new OperationError(`"${take}" names more than one item here`, where);
        const match = matches[0]!;
        const earlier = placedBy.get(match);
        if (earlier !== undefined && earlier !== i) {
          throw new OperationError(`"${take}" is taken by two new units`, where);
        }
        placedBy.set(match, i);
      });
    });
    let restIndex: number | undefined;
    let restUnit: string | undefined;
    if (restRef !== undefined) {
      restIndex = specs.findIndex((s) => nameKey(s.name) === nameKey(restRef));
      if (restIndex < 0) {
        restIndex = undefined;
        restUnit = this.unit(restRef, 'rest');
        this.checkReceiver(restUnit, sources, 'rest');
      }
    } else if (specs.length === 1) restIndex = 0;
    const orphans = items.filter((item) => !placedBy.has(item));
    if (orphans.length > 0 && restIndex === undefined && restUnit === undefined) {
      throw this.orphanError(orphans, kind === 'merge' ? 'units' : 'unit');
    }
    const created = specs.map((spec) => this.newUnit(spec.name, spec.type, parent, spec.aliases ?? []));
    const placement = new Map<ContentItem, string>();
    for (const item of items) {
      const index = placedBy.get(item) ?? restIndex;
      placement.set(item, index !== undefined ? created[index]! : restUnit!);
    }
    this.closeUnits(sources, placement);
    this.event(kind, null, sources, created);
    specs.forEach((spec, i) => {
      if (spec.head !== undefined) {
        this.appoint(this.person(spec.head, `into[${i}].head`), created[i]!, HEAD_POST, false);
      }
    });
  }

  private distinctUnits(refs: string[], key: string): string[] {
    const ids: string[] = [];
    refs.forEach((ref, i) => {
      const id = this.unit(ref, `${key}[${i}]`);
      if (ids.includes(id)) throw new OperationError(`"${ref}" is listed twice`, `${key}[${i}]`);
      ids.push(id);
    });
    for (const id of ids) {
      for (const other of ids) {
        if (id !== other && this.isWithin(id, other)) {
          throw new OperationError(
            `"${this.unitLabel(id)}" is inside "${this.unitLabel(other)}", also listed`,
            key,
          );
        }
      }
    }
    return ids;
  }

  private dissolve(ref: string, restRef?: string, successorRefs: string[] = [], as?: SupersedeKind): void {
    const id = this.unit(ref, 'unit');
    const successors = successorRefs.map((s, i) => this.unit(s, `successors[${i}]`));
    for (const [i, s] of successors.entries()) this.checkReceiver(s, [id], `successors[${i}]`);
    const items = this.contentsOf([id]);
    let rest: string | undefined = successors[0];
    if (restRef !== undefined) {
      rest = this.unit(restRef, 'rest');
      this.checkReceiver(rest, [id], 'rest');
    } else if (rest === undefined && items.length > 0) throw this.orphanError(items, 'unit');
    if (this.liveUnit(id)!.parent === null) throw new OperationError('cannot dissolve the root', 'unit');
    this.closeUnits([id], new Map(items.map((item) => [item, rest!])));
    if (successors.length > 0)
      this.event(as ?? (successors.length > 1 ? 'split' : 'merge'), null, [id], successors);
    else this.event('dissolve', id, [id], rest === undefined ? [] : [rest]);
  }

  private transferBusiness(ref: string, toRef: string): void {
    const id = this.business(ref, 'business');
    const to = this.unit(toRef, 'to');
    const open = this.liveBusiness(id)!;
    if (open.unit === to)
      throw new OperationError(`business "${open.name}" is already owned by "${this.unitLabel(to)}"`, 'to');
    this.setBusiness(id, { name: open.name, unit: to });
  }

  private transferPerson(ref: string, toRef: string): void {
    const id = this.person(ref, 'person');
    const to = this.unit(toRef, 'to');
    const open = this.livePerson(id)!;
    if (open.unit === to)
      throw new OperationError(`"${open.name}" is already in "${this.unitLabel(to)}"`, 'to');
    for (const post of [...(this.postsHeld.get(id) ?? [])]) {
      if (post.unit === open.unit) this.vacatePost(post);
    }
    this.setPerson(id, { ...payloadOf(open), unit: to });
  }

  /** Ends a holder's tenure; a named post stays on as a declared vacancy. */
  private vacatePost(post: PostVersion): void {
    this.endPost(post);
    if (post.post !== HEAD_POST) this.openPost(post.unit, post.post, null, false);
  }

  private appoint(person: string, unit: string, postName: string, concurrent: boolean): void {
    const post = normalizePost(postName);
    const current = this.openPosts.get(this.postKey(unit, post));
    if (current && current.holder === person && current.concurrent === concurrent) {
      throw new OperationError(
        `"${this.personLabel(person)}" already holds ${post === HEAD_POST ? 'the head post' : `"${post}"`} of "${this.unitLabel(unit)}" on ${this.date}`,
        'person',
      );
    }
    if (current) this.endPost(current);
    if (!concurrent) {
      for (const other of [...(this.postsHeld.get(person) ?? [])]) this.vacatePost(other);
      const open = this.livePerson(person)!;
      if (open.unit !== unit) this.setPerson(person, { ...payloadOf(open), unit });
    }
    this.openPost(unit, current?.post ?? post, person, concurrent);
  }

  private vacate(unitRef: string, postName: string): void {
    const unit = this.unit(unitRef, 'unit');
    const post = normalizePost(postName);
    const current = this.openPosts.get(this.postKey(unit, post));
    if (!current || current.holder === null) {
      throw new OperationError(
        `${post === HEAD_POST ? 'the head post' : `post "${post}"`} of "${this.unitLabel(unit)}" is already vacant on ${this.date}`,
        'post',
      );
    }
    this.vacatePost(current);
  }

  private promote(ref: string, level: string | null | undefined, title: string | null | undefined): void {
    const id = this.person(ref, 'person');
    const open = this.livePerson(id)!;
    const next = payloadOf(open);
    if (level !== undefined) next.level = level;
    if (title !== undefined) next.title = title;
    if (next.level === open.level && next.title === open.title) {
      const what = [
        level !== undefined ? (level === null ? 'has no level' : `is already at level ${level}`) : '',
        title !== undefined ? (title === null ? 'has no title' : `already has the title "${title}"`) : '',
      ].filter(Boolean);
      throw new OperationError(
        `"${open.name}" ${what.join(' and ')}`,
        level !== undefined ? 'level' : 'title',
      );
    }
    this.setPerson(id, next);
  }

  private renamePerson(ref: string, to: string): void {
    const id = this.person(ref, 'person');
    const open = this.livePerson(id)!;
    if (open.name === to) throw new OperationError(`"${open.name}" is already called that`, 'to');
    // Two people may share a name (hire with an id allows it); a reference by that name is then refused as ambiguous.
    this.setPerson(id, { ...payloadOf(open), name: to });
  }

  private hire(
    name: string,
    unitRef: string,
    level: string | undefined,
    title: string | undefined,
    aliases: string[],
    unnamed: boolean,
    chosenId?: string,
  ): void {
    const key = nameKey(name);
    if (chosenId !== undefined) {
      if (this.livePerson(chosenId))
        throw new OperationError(
          `a person with id "${chosenId}" is already in the organization on ${this.date}`,
          'id',
        );
    } else if ([...named(this.personNames, key)].some((id) => this.livePerson(id))) {
      throw new OperationError(`"${name}" is already in the organization on ${this.date}`, 'person');
    }
    const unit = this.unit(unitRef, 'unit');
    const formerId = chosenId ?? this.formerPerson(key);
    const former = formerId === undefined ? undefined : this.history.people.get(formerId);
    let id: string;
    if (former) {
      id = former.id;
      this.noteRecord('people', id);
      if (former.unnamed !== unnamed) {
        const was = former.unnamed;
        this.journal?.push(() => {
          former.unnamed = was;
        });
        former.unnamed = unnamed;
      }
      for (const alias of aliases) if (!former.aliases.includes(alias)) this.pushTo(former.aliases, alias);
    } else {
      id = chosenId ?? this.newId(this.history.people, name);
      const record: PersonRecord = { id, aliases: [...aliases], unnamed, versions: [] };
      this.noteRecord('people', id);
      this.setKey(this.history.people, id, record);
    }
    this.setPerson(id, { name, level: level ?? null, title: title ?? null, unit });
  }

  private leave(ref: string): void {
    const id = this.person(ref, 'person');
    for (const post of [...(this.postsHeld.get(id) ?? [])]) this.vacatePost(post);
    for (const line of this.openLines.get(id) ?? NO_LINES) this.endLine(line);
    for (const line of [...(this.openLinesTo.get(id) ?? [])])
      if (this.openLines.has(line.person)) this.endLine(line);
    this.setPerson(id, null);
  }

  private report(ref: string, toRef: string | null, kind: ReportKind | 'none'): void {
    const id = this.person(ref, 'person');
    const manager = toRef === null ? null : this.person(toRef, 'to');
    if (manager === id)
      throw new OperationError(`"${this.personLabel(id)}" cannot report to themselves`, 'to');
    const lines = this.openLines.get(id) ?? NO_LINES;
    if (kind === 'none') {
      const ending = lines.filter((line) => manager === null || line.manager === manager);
      if (ending.length === 0) {
        throw new OperationError(
          `"${this.personLabel(id)}" has no explicit reporting line to end on ${this.date}`,
          'person',
        );
      }
      for (const line of ending) this.endLine(line);
      return;
    }
    if (manager === null) throw new OperationError('report needs to: (the manager)', 'to');
    if (lines.some((line) => line.manager === manager && line.kind === kind)) {
      throw new OperationError(
        `"${this.personLabel(id)}" already has a ${kind} line to "${this.personLabel(manager)}"`,
        'to',
      );
    }
    for (const line of lines)
      if (kind === 'solid' ? line.kind === 'solid' : line.manager === manager) this.endLine(line);
    const line = { person: id, manager, kind, from: this.date, to: null, prov: this.prov };
    this.recorded?.createdLines.add(line);
    this.pushTo(this.history.lines, line);
    this.addLine(line);
    this.addTo(this.openLinesTo, manager, line);
    this.touched.linePeople.add(id);
    this.touched.linePeople.add(manager);
  }

  private addLine(line: History['lines'][number]): void {
    const had = this.openLines.get(line.person);
    this.setKey(this.openLines, line.person, had ? [...had, line] : [line]);
  }

  private endLine(line: History['lines'][number]): void {
    if (this.recorded && !this.recorded.lines.has(line) && !this.recorded.createdLines.has(line))
      this.recorded.lines.set(line, { ...line });
    this.setTo(line, this.date);
    const rest = (this.openLines.get(line.person) ?? NO_LINES).filter((open) => open !== line);
    if (rest.length > 0) this.setKey(this.openLines, line.person, rest);
    else this.deleteKey(this.openLines, line.person);
    this.removeFrom(this.openLinesTo, line.manager, line);
    this.touched.linePeople.add(line.person);
    this.touched.linePeople.add(line.manager);
  }

  private launch(name: string, unitRef: string, aliases: string[]): void {
    const key = nameKey(name);
    if ([...named(this.businessNames, key)].some((id) => this.liveBusiness(id))) {
      throw new OperationError(`business "${name}" already exists on ${this.date}`, 'business');
    }
    const unit = this.unit(unitRef, 'unit');
    const id = this.newId(this.history.businesses, name);
    const record: BusinessRecord = { id, aliases: [...aliases], versions: [] };
    this.noteRecord('businesses', id);
    this.setKey(this.history.businesses, id, record);
    this.setBusiness(id, { name, unit });
  }

  private retire(ref: string): void {
    this.setBusiness(this.business(ref, 'business'), null);
  }

  private alias(op: Extract<Operation, { kind: 'alias' }>): void {
    const [kind, ref] =
      op.unit !== undefined
        ? (['unit', op.unit] as const)
        : op.person !== undefined
          ? (['person', op.person] as const)
          : (['business', op.business ?? ''] as const);
    const id = this.resolve(kind, ref, kind);
    this.noteRecord(kind === 'unit' ? 'units' : kind === 'person' ? 'people' : 'businesses', id);
    const record = (
      kind === 'unit' ? this.history.units : kind === 'person' ? this.history.people : this.history.businesses
    ).get(id)!;
    const index =
      kind === 'unit' ? this.unitNames : kind === 'person' ? this.personNames : this.businessNames;
    op.add.forEach((alias, i) => {
      const clash = [...named(index, nameKey(alias))].find((other) => other !== id);
      if (clash !== undefined) {
        throw new OperationError(`alias "${alias}" already names another ${kind}`, `add[${i}]`);
      }
      if (!record.aliases.includes(alias)) this.pushTo(record.aliases, alias);
      this.index(index, [alias], id, true);
    });
  }
}

const EMPTY: ReadonlySet<never> = new Set();
const NO_LINES: ReadonlyArray<never> = Object.freeze([]);

/** A unit's next version: status and further parents carry over (less `parent`, should it be one of them). */
function unitPayload(
  open: UnitVersion,
  name: string,
  type: string,
  parent: string | null,
): Payload<UnitVersion> {
  const next: Payload<UnitVersion> = { name, type, parent };
  if (open.status !== undefined) next.status = open.status;
  if (open.alsoUnder !== undefined) {
    const further = parent === null ? open.alsoUnder : open.alsoUnder.filter((u) => u !== parent);
    if (further.length > 0) next.alsoUnder = further;
  }
  return next;
}

/**
 * Records by name key. Most names belong to one record: its id stands alone (a Set for each of
 * millions of names cost more memory than the records' versions); a Set once a name is shared.
 */
type NameIndex = Map<string, string | Set<string>>;

function sortedIds(ids: Set<string> | undefined): string[] {
  return ids ? [...ids].sort() : [];
}

function named(index: NameIndex, key: string): Iterable<string> {
  const ids = index.get(key);
  return ids === undefined ? EMPTY : typeof ids === 'string' ? [ids] : ids;
}

/** Whether a version held for some time: one replaced on the day it began is dropped from the record. */
function lived(v: Versioned): boolean {
  return v.to === null || v.from < v.to;
}

export function lastLived<V extends Versioned>(versions: V[] | undefined): V | undefined {
  if (!versions) return undefined;
  for (let i = versions.length - 1; i >= 0; i--) if (lived(versions[i]!)) return versions[i];
  return undefined;
}

function payloadOf(version: PersonVersion): Payload<PersonVersion> {
  return { name: version.name, level: version.level, title: version.title, unit: version.unit };
}

/** The facts a trial changed, as they were before it; null for records it created. */
export interface TrialBefore {
  units: Map<string, UnitRecord | null>;
  people: Map<string, PersonRecord | null>;
  businesses: Map<string, BusinessRecord | null>;
  /** Posts and lines that were open before the trial ended them (copies), and those it opened. */
  posts: Map<PostVersion, PostVersion>;
  lines: Map<History['lines'][number], History['lines'][number]>;
  createdPosts: Set<PostVersion>;
  createdLines: Set<History['lines'][number]>;
  eventsFrom: number;
}

/** What operations changed, by id: the starting points of the invariant check and of a plan's impact. */
export interface Touched {
  units: Set<string>;
  people: Set<string>;
  businesses: Set<string>;
  /** Units whose posts opened or ended, and people who took or left a post. */
  postUnits: Set<string>;
  postHolders: Set<string>;
  /** Both ends of every reporting line that began or ended. */
  linePeople: Set<string>;
  /** A post opened while another version of it was open (never done by the operations; checked all the same). */
  doubledPosts: boolean;
  /** The index in `history.events` of the first event recorded since. */
  eventsFrom: number;
}

function newTouched(): Touched {
  return {
    units: new Set(),
    people: new Set(),
    businesses: new Set(),
    postUnits: new Set(),
    postHolders: new Set(),
    linePeople: new Set(),
    doubledPosts: false,
    eventsFrom: 0,
  };
}

/** One unit succeeded by another, one way (`checkNewSuccessions`). */
function successionKey(kind: SupersedeKind, from: string, to: string): string {
  return `${kind}\u0000${from}\u0000${to}`;
}

/** Adds `id` under `key` to an index being built (not journaled: a trial drops an index it built). */
function addName(index: NameIndex, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, id);
  else if (typeof ids === 'string') {
    if (ids !== id) index.set(key, new Set([ids, id]));
  } else ids.add(id);
}
