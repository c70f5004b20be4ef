import {
  businessChange,
  compareDayChanges,
  type DiffChange,
  lineChanges,
  personChanges,
  postChange,
  unitEventChange,
} from './day-changes.ts';
import { diffByDays } from './day-diff.ts';
import { OrgshiftError } from './errors.ts';
import { HEAD_POST, type History, isSuccession, type LineageEvent, type Versioned } from './model.ts';
import { closeKeys, didYouMean, nameKey } from './names.ts';
import { type OrgAt, OrgIndex } from './org-index.ts';
import { type Snapshot, snapshotAt, versionAt } from './snapshot.ts';
import { type Day, within } from './time.ts';

export interface PersonRef {
  id: string;
  name: string;
  unnamed?: true;
}

export interface TreeNode {
  id: string;
  name: string;
  type: string;
  /** The unit's status, when it has one. */
  status?: string;
  /** Units it is also under besides its parent (it is drawn once, under its parent). */
  alsoUnder?: Array<{ id: string; name: string }>;
  head: (PersonRef & { level: string | null }) | null;
  posts: Array<{ post: string; person: PersonRef | null; concurrent: boolean; inferred: boolean }>;
  members: number;
  businesses: string[];
  /** The businesses again, with whether their ownership here is inferred. */
  businessDetails: Array<{ name: string; inferred: boolean }>;
  inferred: boolean;
  children: TreeNode[];
}

export interface TreeResult {
  asOf: Day;
  root: TreeNode | null;
  /** Dotted reporting lines between people whose primary units are both in the tree. */
  dotted: Array<{ person: PersonRef; manager: PersonRef; fromUnit: string; toUnit: string }>;
}

export interface PersonResult {
  id: string;
  name: string;
  unnamed: boolean;
  level: string | null;
  title: string | null;
  unit: string;
  inferred: boolean;
  posts: Array<{ unit: string; post: string; concurrent: boolean; inferred: boolean; quote?: string }>;
  manager: PersonRef | null;
  chain: string[];
  dottedLines: PersonRef[];
  directReports: Array<
    PersonRef & { via: 'solid' | 'dotted' | 'concurrent post'; post?: string; unit?: string }
  >;
  history: Array<{
    from: Day;
    to: Day | null;
    unit: string;
    level: string | null;
    title: string | null;
    plan: string;
  }>;
  postHistory: Array<{
    from: Day;
    to: Day | null;
    unit: string;
    post: string;
    concurrent: boolean;
    plan: string;
  }>;
}

export interface LineageResult {
  unit: string;
  id: string;
  events: Array<{
    kind: LineageEvent['kind'];
    date: Day;
    unit?: string;
    from: string[];
    to: string[];
    plan: string;
  }>;
}

export interface BusinessResult {
  business: string;
  id: string;
  owners: Array<{ unit: string; unitId: string; from: Day; to: Day | null; plan: string; inferred: boolean }>;
}

export type { DiffChange } from './day-changes.ts';

export interface DiffResult {
  from: Day;
  to: Day;
  changes: DiffChange[];
}

type Kind = 'unit' | 'person' | 'business';

interface NamedRecord {
  id: string;
  aliases: string[];
  versions: Array<Versioned & { name: string }>;
}

function recordsOf(history: History, kind: Kind): Map<string, NamedRecord> {
  return kind === 'unit' ? history.units : kind === 'person' ? history.people : history.businesses;
}

const nameIndexes = new WeakMap<History, Map<Kind, Map<string, string[]>>>();

/**
 * The ids of the records that have borne each name key (in a version or as an alias), in the records'
 * order: built once per history and kind, when a record is first asked for by name.
 */
function namesOf(history: History, kind: Kind): Map<string, string[]> {
  let kinds = nameIndexes.get(history);
  if (!kinds) {
    kinds = new Map();
    nameIndexes.set(history, kinds);
  }
  let index = kinds.get(kind);
  if (!index) {
    const built = new Map<string, string[]>();
    const add = (key: string, id: string) => {
      const ids = built.get(key);
      if (!ids) built.set(key, [id]);
      else if (ids[ids.length - 1] !== id) ids.push(id);
    };
    for (const r of recordsOf(history, kind).values()) {
      for (const v of r.versions) add(nameKey(v.name), r.id);
      for (const a of r.aliases) add(nameKey(a), r.id);
    }
    index = built;
    kinds.set(kind, index);
  }
  return index;
}

/**
 * Finds a unit, person or business by id, name, alias or former name. With `date`, only
 * what exists that day; the error says when a record with that name did exist.
 */
export function findRecord(history: History, kind: Kind, ref: string, date?: Day): string {
  const records = recordsOf(history, kind);
  const wanted = nameKey(ref);
  const alive = (id: string) =>
    date === undefined || versionAt(records.get(id)?.versions ?? [], date) !== undefined;
  const tiers: Array<(r: NamedRecord) => boolean> = [
    (r) => {
      const name = date === undefined ? r.versions.at(-1)?.name : versionAt(r.versions, date)?.name;
      return name !== undefined && nameKey(name) === wanted;
    },
    (r) => r.aliases.some((a) => nameKey(a) === wanted),
    (r) => r.versions.some((v) => nameKey(v.name) === wanted),
  ];
  // By id first, with a lookup: an id is found without walking every record (millions, after an import).
  const byId = [records.get(ref), ref.startsWith('#') ? records.get(ref.slice(1)) : undefined].filter(
    (r): r is NamedRecord => r !== undefined && alive(r.id),
  );
  if (byId.length === 1) return byId[0]!.id;
  const ambiguous = (found: NamedRecord[]) =>
    new OrgshiftError(
      'invalid_input',
      `"${ref}" is ambiguous: it names ${found.map((r) => `${r.versions.at(-1)?.name ?? r.id} (id ${r.id})`).join(', ')}; use the id`,
    );
  if (byId.length > 1) throw ambiguous(byId);
  // Only records that have borne the name (now, before, or as an alias) can match it by name: they
  // come from an index of name keys kept per history, in the records' order.
  const named = (namesOf(history, kind).get(wanted) ?? []).map((id) => records.get(id)!);
  for (const tier of tiers) {
    const found = named.filter((r) => alive(r.id) && tier(r));
    if (found.length === 1) return found[0]!.id;
    if (found.length > 1) throw ambiguous(found);
  }
  if (date !== undefined) {
    const other = named[0];
    if (other && other.versions.length > 0) {
      const first = other.versions[0]!.from;
      const last = other.versions.at(-1)!.to;
      throw new OrgshiftError(
        'not_found',
        `${kind} "${ref}" did not exist on ${date}; it existed from ${first}${last ? ` until ${last}` : ''}`,
      );
    }
  }
  // Suggestions: the names and aliases of the day whose keys are close to the name asked for, found
  // from the index's keys; each spelling from the records under its own key, in the records' order
  // (the first record to spell it gives its label, as when every record was walked).
  const index = namesOf(history, kind);
  const close = closeKeys(ref, index.keys());
  const candidates: Array<[string, string]> = [];
  for (const key of close) {
    for (const id of index.get(key)!) {
      if (!alive(id)) continue;
      const r = records.get(id)!;
      const name = date === undefined ? r.versions.at(-1)?.name : versionAt(r.versions, date)?.name;
      if (name)
        for (const spelling of [name, ...r.aliases])
          if (nameKey(spelling) === key) candidates.push([spelling, name]);
    }
  }
  throw new OrgshiftError(
    'not_found',
    `no ${kind} named "${ref}"${date ? ` on ${date}` : ''}.${didYouMean(ref, candidates)}`,
  );
}

function personRef(snap: Snapshot, id: string): PersonRef {
  const person = snap.people.get(id);
  return { id, name: snap.personName(id), ...(person?.unnamed ? { unnamed: true as const } : {}) };
}

const childOrders = new WeakMap<OrgAt, Map<number, number[]>>();

/** A unit's children sorted by their names of the day, kept with the day (sorting by locale is slow). */
function childrenByName(at: OrgAt, version: (u: number) => { name: string }): (u: number) => number[] {
  let orders = childOrders.get(at);
  if (!orders) {
    orders = new Map();
    childOrders.set(at, orders);
  }
  const kept = orders;
  return (u) => {
    let order = kept.get(u);
    if (!order) {
      order = [...at.childrenOf(u)]
        .map((c) => ({ c, name: version(c).name }))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(({ c }) => c);
      kept.set(u, order);
    }
    return order;
  };
}

const trees = new WeakMap<OrgAt, Map<string, TreeResult>>();

/**
 * The unit tree on a day. Structure and member counts come from the typed-array index (kept per
 * history); names, posts and businesses from each record's version on that day. Answers are kept
 * with the day and shared between callers: they must not be changed.
 */
export function tree(
  history: History,
  asOf: Day,
  options: { unit?: string; depth?: number } = {},
): TreeResult {
  const at = OrgIndex.of(history).at(asOf);
  let kept = trees.get(at);
  if (!kept) {
    kept = new Map();
    trees.set(at, kept);
  }
  const key = `${options.unit ?? ''}\u0000${options.depth ?? ''}`;
  const hit = kept.get(key);
  if (hit) return hit;
  const result = buildTree(history, at, asOf, options);
  kept.set(key, result);
  return result;
}

function buildTree(
  history: History,
  at: OrgAt,
  asOf: Day,
  options: { unit?: string; depth?: number },
): TreeResult {
  const index = at.index;
  const firstRoot = at.roots.find((u) => at.parent[u] === -1);
  const start =
    options.unit === undefined
      ? firstRoot === undefined
        ? undefined
        : index.unitIds[firstRoot]
      : findRecord(history, 'unit', options.unit, asOf);
  if (start === undefined) return { asOf, root: null, dotted: [] };
  const unitVersion = (u: number) => versionAt(history.units.get(index.unitIds[u]!)!.versions, asOf)!;
  const sortedChildren = childrenByName(at, unitVersion);
  const personAt = (id: string) => {
    const record = history.people.get(id);
    return record ? versionAt(record.versions, asOf) : undefined;
  };
  const ref = (id: string): PersonRef => {
    const record = history.people.get(id);
    const alive = personAt(id);
    return {
      id,
      name: alive?.name ?? record?.versions.at(-1)?.name ?? id,
      ...(alive && record?.unnamed ? { unnamed: true as const } : {}),
    };
  };
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const included = new Set<string>();
  const build = (u: number, depth: number): TreeNode => {
    const id = index.unitIds[u]!;
    const v = unitVersion(u);
    const posts = index.postsByUnit[u]!.filter((p) => within(asOf, p.from, p.to));
    const headId = posts.find((p) => p.post === HEAD_POST)?.holder ?? null;
    posts.sort(
      (a, b) => Number(b.post === HEAD_POST) - Number(a.post === HEAD_POST) || a.post.localeCompare(b.post),
    );
    const head = headId === null ? null : { ...ref(headId), level: personAt(headId)?.level ?? null };
    const postList = posts.map((p) => ({
      post: p.post,
      person: p.holder === null ? null : ref(p.holder),
      concurrent: p.concurrent,
      inferred: p.prov.inferred,
    }));
    if (headId === null)
      postList.unshift({ post: HEAD_POST, person: null, concurrent: false, inferred: false });
    const businesses = index.businessesByUnit[u]!.filter((b) => within(asOf, b.version.from, b.version.to))
      .map((b) => ({ name: b.version.name, inferred: b.version.prov.inferred }))
      .sort(byName);
    const expand = options.depth === undefined || depth < options.depth;
    included.add(id);
    const children = expand ? sortedChildren(u).map((c) => build(c, depth + 1)) : [];
    // Built in this order so that the JSON reads id, name, type, status, further parents, then the rest.
    const node = { id, name: v.name, type: v.type } as TreeNode;
    if (v.status !== undefined) node.status = v.status;
    if (v.alsoUnder !== undefined)
      node.alsoUnder = v.alsoUnder.map((other) => ({ id: other, name: unitNameAt(history, other, asOf) }));
    node.head = head;
    node.posts = postList;
    node.members = at.members[u]!;
    node.businesses = businesses.map((b) => b.name);
    node.businessDetails = businesses;
    node.inferred = v.prov.inferred;
    node.children = children;
    return node;
  };
  const startIndex = at.unitOf(start);
  if (startIndex === undefined) return { asOf, root: null, dotted: [] };
  const root = build(startIndex, 0);
  const dotted: TreeResult['dotted'] = [];
  for (const line of history.lines) {
    if (line.kind !== 'dotted' || !within(asOf, line.from, line.to)) continue;
    const fromUnit = personAt(line.person)?.unit;
    const toUnit = personAt(line.manager)?.unit;
    if (fromUnit === undefined || toUnit === undefined) continue;
    if (!included.has(fromUnit) || !included.has(toUnit)) continue;
    dotted.push({ person: ref(line.person), manager: ref(line.manager), fromUnit, toUnit });
  }
  return { asOf, root, dotted };
}

export function person(history: History, ref: string, asOf: Day): PersonResult {
  const snap = snapshotAt(history, asOf);
  const id = findRecord(history, 'person', ref, asOf);
  const state = snap.people.get(id)!;
  const record = history.people.get(id)!;
  const managerId = snap.managerOf(id);
  const directReports: PersonResult['directReports'] = [];
  for (const other of snap.reportsOf(id)) directReports.push({ ...personRef(snap, other), via: 'solid' });
  for (const line of snap.lines) {
    if (line.manager === id && line.kind === 'dotted')
      directReports.push({ ...personRef(snap, line.person), via: 'dotted' });
  }
  for (const post of snap.posts) {
    if (!post.concurrent || post.holder === null || post.holder === id) continue;
    const above =
      post.post === HEAD_POST
        ? snap.headAbove(post.unit, post.holder)
        : (snap.headOf(post.unit) ?? snap.headAbove(post.unit, post.holder));
    if (above === id) {
      directReports.push({
        ...personRef(snap, post.holder),
        via: 'concurrent post',
        post: post.post,
        unit: snap.unitName(post.unit),
      });
    }
  }
  directReports.sort((a, b) => a.name.localeCompare(b.name));
  return {
    id,
    name: state.name,
    unnamed: state.unnamed,
    level: state.level,
    title: state.title,
    unit: snap.unitName(state.unit),
    inferred: state.prov.inferred,
    posts: [...snap.postsOfPerson(id)]
      .sort(
        (a, b) =>
          Number(a.concurrent) - Number(b.concurrent) ||
          snap.unitName(a.unit).localeCompare(snap.unitName(b.unit)) ||
          a.post.localeCompare(b.post),
      )
      .map((p) => ({
        unit: snap.unitName(p.unit),
        post: p.post,
        concurrent: p.concurrent,
        inferred: p.prov.inferred,
        ...(p.prov.quote !== undefined ? { quote: p.prov.quote } : {}),
      })),
    manager: managerId === null ? null : personRef(snap, managerId),
    chain: snap.chainOf(id).map((p) => snap.personName(p)),
    dottedLines: snap.lines
      .filter((l) => l.person === id && l.kind === 'dotted')
      .map((l) => personRef(snap, l.manager)),
    directReports,
    history: record.versions.map((v) => ({
      from: v.from,
      to: v.to,
      unit: unitNameAt(history, v.unit, v.from),
      level: v.level,
      title: v.title,
      plan: v.prov.plan,
    })),
    postHistory: history.posts
      .filter((p) => p.holder === id)
      .sort((a, b) => a.from.localeCompare(b.from) || Number(a.concurrent) - Number(b.concurrent))
      .map((p) => ({
        from: p.from,
        to: p.to,
        unit: unitNameAt(history, p.unit, p.from),
        post: p.post,
        concurrent: p.concurrent,
        plan: p.prov.plan,
      })),
  };
}

function unitNameAt(history: History, id: string, date: Day): string {
  const versions = history.units.get(id)?.versions ?? [];
  return versionAt(versions, date)?.name ?? versions.at(-1)?.name ?? id;
}

/** A unit's events, and those of every unit it came from or went into through merges and splits. */
export function lineage(history: History, ref: string): LineageResult {
  const id = findRecord(history, 'unit', ref);
  const related = new Set<string>([id]);
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.pop()!;
    for (const event of history.events) {
      if (!isSuccession(event)) continue;
      const linked = event.from.includes(current) ? event.to : event.to.includes(current) ? event.from : [];
      for (const other of linked) {
        if (!related.has(other)) {
          related.add(other);
          queue.push(other);
        }
      }
    }
  }
  const events = history.events
    .filter(
      (e) =>
        (e.unit !== null && related.has(e.unit)) ||
        (isSuccession(e) && [...e.from, ...e.to].some((u) => related.has(u))) ||
        (e.kind === 'dissolve' && e.from.some((u) => related.has(u))),
    )
    .map((e) => ({
      kind: e.kind,
      date: e.date,
      ...(e.unit !== null ? { unit: unitNameAt(history, e.unit, e.date) } : {}),
      from: e.fromNames,
      to: e.toNames,
      plan: e.prov.plan,
    }));
  events.sort((a, b) => a.date.localeCompare(b.date));
  const versions = history.units.get(id)!.versions;
  return { unit: versions.at(-1)?.name ?? id, id, events };
}

export function business(history: History, ref: string): BusinessResult {
  const id = findRecord(history, 'business', ref);
  const record = history.businesses.get(id)!;
  return {
    business: record.versions.at(-1)?.name ?? id,
    id,
    owners: record.versions.map((v) => ({
      unit: unitNameAt(history, v.unit, v.from),
      unitId: v.unit,
      from: v.from,
      to: v.to,
      plan: v.prov.plan,
      inferred: v.prov.inferred,
    })),
  };
}

/**
 * The semantic difference between the organization on `from` and on `to`: one entry per
 * change, in date order, each dated by the day it took effect.
 */
export function diff(history: History, from: Day, to: Day): DiffResult {
  if (to < from) throw new OrgshiftError('invalid_input', `--to ${to} is before --from ${from}`);
  return { from, to, changes: diffByDays(history, from, to) };
}

/** The changes between two snapshots of (possibly different) histories, dated `date`; unit events from `history`. */
export function diffSnapshots(history: History, before: Snapshot, after: Snapshot, date: Day): DiffChange[] {
  return stepDiff(history, before, after, date);
}

function stepDiff(history: History, before: Snapshot, after: Snapshot, date: Day): DiffChange[] {
  const changes = stateChanges(before, after, date);
  changes.sort(compareDayChanges);
  return [...unitEvents(history, after, date), ...changes];
}

function unitEvents(history: History, after: Snapshot, date: Day): DiffChange[] {
  return history.events
    .filter((e) => e.date === date)
    .map((e) =>
      unitEventChange(
        e,
        (id) => after.unitName(id),
        (id) => parentName(after, id),
      ),
    );
}

function stateChanges(before: Snapshot, after: Snapshot, date: Day): DiffChange[] {
  const changes: DiffChange[] = [];
  const postMap = (snap: Snapshot) => new Map(snap.posts.map((p) => [`${p.unit}\u0000${p.post}`, p]));
  const postsBefore = postMap(before);
  const postsAfter = postMap(after);
  for (const key of new Set([...postsBefore.keys(), ...postsAfter.keys()])) {
    const a = postsBefore.get(key);
    const b = postsAfter.get(key);
    if (!after.units.has((b ?? a)!.unit)) continue;
    const change = postChange(date, a, b, before, after);
    if (change) changes.push(change);
  }
  for (const id of new Set([...before.people.keys(), ...after.people.keys()])) {
    const managers = (): [string | null, string | null] => [before.managerOf(id), after.managerOf(id)];
    changes.push(
      ...personChanges(date, before.people.get(id), after.people.get(id), before, after, managers),
    );
  }
  for (const id of new Set([...before.businesses.keys(), ...after.businesses.keys()])) {
    const change = businessChange(date, before.businesses.get(id), after.businesses.get(id), before, after);
    if (change) changes.push(change);
  }
  for (const change of lineChanges(date, before.lines, after.lines, before, after)) changes.push(change);
  return changes;
}

function parentName(snap: Snapshot, unit: string | null): string | null {
  if (unit === null) return null;
  const parent = snap.units.get(unit)?.parent ?? null;
  return parent === null ? null : snap.unitName(parent);
}

export interface SearchResult {
  kind: 'unit' | 'person' | 'business';
  id: string;
  name: string;
  /** Unit names from the root down to the unit (a person's or business's unit). */
  path: string[];
}

interface Searchable {
  kind: SearchResult['kind'];
  id: string;
  name: string;
  /** The name keys of its name and aliases. */
  keys: string[];
  unit: string | null;
}

// Per snapshot: every record's name keys, made once (an organization may have a million names).
const searchables = new WeakMap<Snapshot, Searchable[]>();

function searchablesOf(snap: Snapshot): Searchable[] {
  let all = searchables.get(snap);
  if (!all) {
    all = [];
    const keys = (name: string, aliases: string[]) => [name, ...aliases].map(nameKey);
    for (const u of snap.units.values())
      all.push({ kind: 'unit', id: u.id, name: u.name, keys: keys(u.name, u.aliases), unit: u.id });
    for (const p of snap.people.values())
      all.push({
        kind: 'person',
        id: p.id,
        name: p.name,
        keys: keys(p.name, p.aliases),
        unit: snap.units.has(p.unit) ? p.unit : null,
      });
    for (const b of snap.businesses.values())
      all.push({ kind: 'business', id: b.id, name: b.name, keys: keys(b.name, b.aliases), unit: b.unit });
    searchables.set(snap, all);
  }
  return all;
}

const byName = new Intl.Collator();

/**
 * Units, then people, then businesses whose name or an alias contains `text` (compared as name keys),
 * ordered by name (`localeCompare`'s order; ties in that order), the first `limit` of them with their paths.
 */
export function search(snap: Snapshot, text: string, limit: number): SearchResult[] {
  const wanted = nameKey(text);
  const found = searchablesOf(snap).filter((s) => s.keys.some((key) => key.includes(wanted)));
  found.sort((a, b) => byName.compare(a.name, b.name));
  return found.slice(0, limit).map((s) => ({
    kind: s.kind,
    id: s.id,
    name: s.name,
    path: s.unit === null ? [] : snap.pathOf(s.unit).map((u) => snap.unitName(u)),
  }));
}
