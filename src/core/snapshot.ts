import {
  type BusinessRecord,
  HEAD_POST,
  type History,
  type PersonRecord,
  type Provenance,
  type ReportKind,
  type UnitRecord,
  type Versioned,
} from './model.ts';
import { headAbove, managerOf, type ReportingTree } from './reporting.ts';
import { type Day, within } from './time.ts';

export interface UnitState {
  id: string;
  name: string;
  type: string;
  parent: string | null;
  status?: string;
  /** Further parents, besides `parent`. */
  alsoUnder?: string[];
  aliases: string[];
  prov: Provenance;
  children: string[];
  members: string[];
  businesses: string[];
}

export interface PersonState {
  id: string;
  name: string;
  level: string | null;
  title: string | null;
  unit: string;
  aliases: string[];
  unnamed: boolean;
  prov: Provenance;
}

export interface PostState {
  unit: string;
  post: string;
  holder: string | null;
  concurrent: boolean;
  prov: Provenance;
}

export interface LineState {
  person: string;
  manager: string;
  kind: ReportKind;
  prov: Provenance;
}

export interface BusinessState {
  id: string;
  name: string;
  unit: string;
  aliases: string[];
  prov: Provenance;
}

export function versionAt<V extends Versioned>(versions: readonly V[], day: Day): V | undefined {
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (within(day, v.from, v.to)) return v;
  }
  return undefined;
}

const byName = (names: Map<string, { name: string }>) => (a: string, b: string) =>
  (names.get(a)?.name ?? a).localeCompare(names.get(b)?.name ?? b);

/** The organization as it stands on one day: every fact whose interval contains that day. */
export class Snapshot implements ReportingTree {
  readonly units = new Map<string, UnitState>();
  readonly people = new Map<string, PersonState>();
  readonly businesses = new Map<string, BusinessState>();
  readonly posts: PostState[] = [];
  readonly lines: LineState[] = [];
  readonly roots: string[] = [];
  private readonly postsByUnit = new Map<string, PostState[]>();
  private readonly postsByPerson = new Map<string, PostState[]>();
  private readonly managerCache = new Map<string, string | null>();
  private reports: Map<string, string[]> | undefined;
  private readonly chainLengths = new Map<string, number>();
  /** Each person's first solid line of the day (the one `solidManager` reads), by person. */
  private readonly solidLines = new Map<string, LineState>();

  constructor(
    readonly history: History,
    readonly date: Day,
  ) {
    for (const unit of history.units.values()) this.addUnit(unit);
    for (const person of history.people.values()) this.addPerson(person);
    for (const business of history.businesses.values()) this.addBusiness(business);
    for (const post of history.posts) {
      if (!within(date, post.from, post.to)) continue;
      const state: PostState = {
        unit: post.unit,
        post: post.post,
        holder: post.holder,
        concurrent: post.concurrent,
        prov: post.prov,
      };
      this.posts.push(state);
      push(this.postsByUnit, post.unit, state);
      if (post.holder) push(this.postsByPerson, post.holder, state);
    }
    for (const line of history.lines) {
      if (within(date, line.from, line.to)) {
        const state: LineState = {
          person: line.person,
          manager: line.manager,
          kind: line.kind,
          prov: line.prov,
        };
        this.lines.push(state);
        if (line.kind === 'solid' && !this.solidLines.has(line.person))
          this.solidLines.set(line.person, state);
      }
    }
    for (const unit of this.units.values()) {
      const parent = unit.parent === null ? undefined : this.units.get(unit.parent);
      if (parent) parent.children.push(unit.id);
      else if (unit.parent === null) this.roots.push(unit.id);
    }
    for (const person of this.people.values()) this.units.get(person.unit)?.members.push(person.id);
    for (const business of this.businesses.values())
      this.units.get(business.unit)?.businesses.push(business.id);
    const unitOrder = byName(this.units);
    for (const unit of this.units.values()) {
      unit.children.sort(unitOrder);
      unit.members.sort(byName(this.people));
      unit.businesses.sort(byName(this.businesses));
    }
  }

  private addUnit(record: UnitRecord): void {
    const v = versionAt(record.versions, this.date);
    if (!v) return;
    const state: UnitState = {
      id: record.id,
      name: v.name,
      type: v.type,
      parent: v.parent,
      aliases: record.aliases,
      prov: v.prov,
      children: [],
      members: [],
      businesses: [],
    };
    if (v.status !== undefined) state.status = v.status;
    if (v.alsoUnder !== undefined) state.alsoUnder = v.alsoUnder;
    this.units.set(record.id, state);
  }

  private addPerson(record: PersonRecord): void {
    const v = versionAt(record.versions, this.date);
    if (!v) return;
    this.people.set(record.id, {
      id: record.id,
      name: v.name,
      level: v.level,
      title: v.title,
      unit: v.unit,
      aliases: record.aliases,
      unnamed: record.unnamed,
      prov: v.prov,
    });
  }

  private addBusiness(record: BusinessRecord): void {
    const v = versionAt(record.versions, this.date);
    if (!v) return;
    this.businesses.set(record.id, {
      id: record.id,
      name: v.name,
      unit: v.unit,
      aliases: record.aliases,
      prov: v.prov,
    });
  }

  postsOfUnit(unit: string): PostState[] {
    return this.postsByUnit.get(unit) ?? [];
  }

  postsOfPerson(person: string): PostState[] {
    return this.postsByPerson.get(person) ?? [];
  }

  headOf(unit: string): string | null {
    for (const post of this.postsOfUnit(unit)) if (post.post === HEAD_POST) return post.holder;
    return null;
  }

  /** The nearest head strictly above `unit` who is not `except`. */
  headAbove(unit: string, except: string | null): string | null {
    return headAbove(this, unit, except);
  }

  solidManager(person: string): string | null {
    const solid = this.solidLines.get(person);
    return solid && this.people.has(solid.manager) ? solid.manager : null;
  }

  unitOf(person: string): string | undefined {
    return this.people.get(person)?.unit;
  }

  parentOf(unit: string): string | null {
    return this.units.get(unit)?.parent ?? null;
  }

  children(unit: string): string[] {
    return this.units.get(unit)?.children ?? [];
  }

  /** The person's manager, by the rules of `reporting.ts`. */
  managerOf(person: string): string | null {
    let manager = this.managerCache.get(person);
    if (manager === undefined) {
      manager = managerOf(this, person);
      this.managerCache.set(person, manager);
    }
    return manager;
  }

  /** The people whose manager (`managerOf`) is `person`, in the order of `people`. */
  reportsOf(person: string): readonly string[] {
    if (!this.reports) {
      // Everyone's manager, found once: answering for one person means asking for everybody.
      this.reports = new Map();
      for (const other of this.people.keys()) {
        const manager = this.managerOf(other);
        if (manager === null || manager === other) continue;
        const list = this.reports.get(manager);
        if (list) list.push(other);
        else this.reports.set(manager, [other]);
      }
    }
    return this.reports.get(person) ?? [];
  }

  /** The chain of managers from the person's manager up to the top; stops at a repeat. */
  chainOf(person: string): string[] {
    const chain: string[] = [];
    const seen = new Set<string>([person]);
    let current = this.managerOf(person);
    while (current !== null && !seen.has(current)) {
      chain.push(current);
      seen.add(current);
      current = this.managerOf(current);
    }
    return chain;
  }

  /**
   * `chainOf(person).length`, each person's found once from their manager's (every person's, for
   * statistics, would otherwise walk every chain).
   */
  chainLength(person: string): number {
    const known = this.chainLengths.get(person);
    if (known !== undefined) return known;
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | null = person;
    let length = 0;
    while (current !== null) {
      const found = this.chainLengths.get(current);
      if (found !== undefined) {
        length = found;
        break;
      }
      if (onPath.has(current)) {
        // A cycle (never, in a checked organization): each on the path walks its own chain.
        for (const p of path) this.chainLengths.set(p, this.chainOf(p).length);
        return this.chainLengths.get(person)!;
      }
      onPath.add(current);
      path.push(current);
      current = this.managerOf(current);
    }
    // `path` ends with the last person walked: below a known length, or at the top (0).
    for (let i = path.length - 1; i >= 0; i--) {
      if (i < path.length - 1 || current !== null) length += 1;
      this.chainLengths.set(path[i]!, length);
    }
    return length;
  }

  /** Units from `unit` up to the root, starting with `unit`. */
  pathOf(unit: string): string[] {
    const path: string[] = [];
    const seen = new Set<string>();
    let current: string | null = unit;
    while (current !== null && !seen.has(current) && this.units.has(current)) {
      path.push(current);
      seen.add(current);
      current = this.units.get(current)?.parent ?? null;
    }
    return path;
  }

  isWithin(unit: string, ancestor: string): boolean {
    return this.pathOf(unit).includes(ancestor);
  }

  unitName(id: string): string {
    return this.units.get(id)?.name ?? lastName(this.history.units.get(id)) ?? id;
  }

  personName(id: string): string {
    return this.people.get(id)?.name ?? lastName(this.history.people.get(id)) ?? id;
  }
}

function lastName(record: { versions: Array<{ name: string }> } | undefined): string | undefined {
  return record?.versions.at(-1)?.name;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const snapshots = new WeakMap<History, Map<Day, Snapshot>>();
const SNAPSHOTS_PER_HISTORY = 32;

/**
 * The snapshot of a history on a day, kept for reuse (the most recently used 32 days per history).
 * Only for histories that no longer change — applied ones; the replay builds its own.
 */
export function snapshotAt(history: History, date: Day): Snapshot {
  let byDate = snapshots.get(history);
  if (!byDate) {
    byDate = new Map();
    snapshots.set(history, byDate);
  }
  const hit = byDate.get(date);
  if (hit) {
    byDate.delete(date);
    byDate.set(date, hit);
    return hit;
  }
  const snap = new Snapshot(history, date);
  byDate.set(date, snap);
  if (byDate.size > SNAPSHOTS_PER_HISTORY) byDate.delete(byDate.keys().next().value!);
  return snap;
}
