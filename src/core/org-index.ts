import type { BusinessVersion, History, PostVersion } from './model.ts';
import type { Day } from './time.ts';

/** A day as a comparable integer (not a day count: only its order matters). */
export function dayKey(day: Day): number {
  // Digits by char code, no closures or slices: called for every version of every record.
  const year =
    (day.charCodeAt(0) - 48) * 1000 +
    (day.charCodeAt(1) - 48) * 100 +
    (day.charCodeAt(2) - 48) * 10 +
    (day.charCodeAt(3) - 48);
  const month = (day.charCodeAt(5) - 48) * 10 + (day.charCodeAt(6) - 48);
  return year * 512 + month * 32 + (day.charCodeAt(8) - 48) * 10 + (day.charCodeAt(9) - 48);
}

const OPEN = 0x7fffffff;
const NONE = -1;
/** Ints per unit in a checkpoint (see `checkpoint`). */
const STRIDE = 2;
/** Checkpoints across the history, the latest state among them: more cost memory, fewer cost steps. */
const CHECKPOINTS = 32;

/**
 * The organization's units and people as flat typed arrays: every version of every unit's parent and
 * every person's primary unit, grouped per record and sorted by start. One per history (histories are
 * immutable); `at(day)` materializes the organization of a day from it.
 */
export class OrgIndex {
  readonly unitIds: string[];
  readonly unitIndex = new Map<string, number>();
  private readonly unitStart: Int32Array;
  private readonly unitFrom: Int32Array;
  private readonly unitTo: Int32Array;
  private readonly unitParent: Int32Array;
  /** Per unit, the days its number of members changes and the number from that day on. */
  private readonly memberStart: Int32Array;
  private readonly memberDay: Int32Array;
  private readonly memberCount: Int32Array;
  readonly personIds: string[];
  /** Every version of every post, and of every business's owner, grouped by unit. */
  readonly postsByUnit: PostVersion[][];
  readonly businessesByUnit: Array<Array<{ id: string; version: BusinessVersion }>>;
  /** Per unit, every period a person had it as primary unit: person, start, end (CSR by unit). */
  private readonly stayStart: Int32Array;
  private readonly stayPerson: Int32Array;
  private readonly stayFrom: Int32Array;
  private readonly stayTo: Int32Array;
  private readonly days = new Map<number, OrgAt>();
  /**
   * The state of every unit at a few days across the history (the last one: the latest state), built
   * when first used: `compute` starts from the nearest one before the day asked for, and searches only
   * for the units that changed in between.
   */
  private readonly checkpointKeys: number[];
  private readonly checkpoints: Array<Int32Array | undefined>;

  private constructor(history: History) {
    this.unitIds = [...history.units.keys()];
    for (let i = 0; i < this.unitIds.length; i++) this.unitIndex.set(this.unitIds[i]!, i);
    const units = [...history.units.values()];
    this.unitStart = new Int32Array(units.length + 1);
    let total = 0;
    units.forEach((u, i) => {
      this.unitStart[i] = total;
      total += u.versions.length;
    });
    this.unitStart[units.length] = total;
    this.unitFrom = new Int32Array(total);
    this.unitTo = new Int32Array(total);
    this.unitParent = new Int32Array(total);
    units.forEach((u, i) => {
      const sorted = [...u.versions].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
      sorted.forEach((v, k) => {
        const at = this.unitStart[i]! + k;
        this.unitFrom[at] = dayKey(v.from);
        this.unitTo[at] = v.to === null ? OPEN : dayKey(v.to);
        this.unitParent[at] = v.parent === null ? NONE : (this.unitIndex.get(v.parent) ?? NONE);
      });
    });
    this.postsByUnit = units.map(() => []);
    for (const post of history.posts) {
      const unit = this.unitIndex.get(post.unit);
      if (unit !== undefined) this.postsByUnit[unit]!.push(post);
    }
    this.businessesByUnit = units.map(() => []);
    for (const business of history.businesses.values())
      for (const version of business.versions) {
        const unit = this.unitIndex.get(version.unit);
        if (unit !== undefined) this.businessesByUnit[unit]!.push({ id: business.id, version });
      }
    this.personIds = [...history.people.keys()];
    // One walk over the person records (the expensive part: millions of scattered objects) into flat
    // arrays, then a counting sort by unit into CSR form.
    let versionCount = 0;
    for (const p of history.people.values()) versionCount += p.versions.length;
    const flatUnit = new Int32Array(versionCount);
    const flatPerson = new Int32Array(versionCount);
    const flatFrom = new Int32Array(versionCount);
    const flatTo = new Int32Array(versionCount);
    const stayCount = new Int32Array(units.length + 1);
    let k = 0;
    let person = 0;
    for (const p of history.people.values()) {
      for (const v of p.versions) {
        const unit = this.unitIndex.get(v.unit) ?? NONE;
        flatUnit[k] = unit;
        flatPerson[k] = person;
        flatFrom[k] = dayKey(v.from);
        flatTo[k] = v.to === null ? OPEN : dayKey(v.to);
        if (unit !== NONE) stayCount[unit]! += 1;
        k++;
      }
      person++;
    }
    this.stayStart = new Int32Array(units.length + 1);
    for (let i = 0; i < units.length; i++) this.stayStart[i + 1] = this.stayStart[i]! + stayCount[i]!;
    const stays = this.stayStart[units.length]!;
    this.stayPerson = new Int32Array(stays);
    this.stayFrom = new Int32Array(stays);
    this.stayTo = new Int32Array(stays);
    const next = this.stayStart.slice(0, units.length);
    for (let j = 0; j < versionCount; j++) {
      const unit = flatUnit[j]!;
      if (unit === NONE) continue;
      const at = next[unit]!++;
      this.stayPerson[at] = flatPerson[j]!;
      this.stayFrom[at] = flatFrom[j]!;
      this.stayTo[at] = flatTo[j]!;
    }
    // Each stay adds one member to its unit from its start and removes it at its end; per unit these
    // become a step function of the day (found by binary search at as-of time), built by merging the
    // unit's sorted starts and sorted ends. Typed arrays throughout: millions of stays.
    const starts = this.stayFrom.slice();
    const ends = this.stayTo.slice();
    for (let i = 0; i < units.length; i++) {
      starts.subarray(this.stayStart[i]!, this.stayStart[i + 1]!).sort();
      ends.subarray(this.stayStart[i]!, this.stayStart[i + 1]!).sort();
    }
    // Two passes over each unit's merged starts and ends: count the distinct change days, then fill.
    this.memberStart = new Int32Array(units.length + 1);
    let days = new Int32Array(0);
    let counts = new Int32Array(0);
    for (let pass = 0; pass < 2; pass++) {
      let at = 0;
      for (let i = 0; i < units.length; i++) {
        if (pass === 0) this.memberStart[i] = at;
        let s = this.stayStart[i]!;
        let e = s;
        const stop = this.stayStart[i + 1]!;
        let count = 0;
        for (;;) {
          const next = Math.min(s < stop ? starts[s]! : OPEN, e < stop ? ends[e]! : OPEN);
          if (next === OPEN) break;
          while (s < stop && starts[s] === next) {
            count++;
            s++;
          }
          while (e < stop && ends[e] === next) {
            count--;
            e++;
          }
          if (pass === 1) {
            days[at] = next;
            counts[at] = count;
          }
          at++;
        }
      }
      if (pass === 0) {
        this.memberStart[units.length] = at;
        days = new Int32Array(at);
        counts = new Int32Array(at);
      }
    }
    this.memberDay = days;
    this.memberCount = counts;
    // Checkpoints at quantiles of the days something changes (so each spans as many changes), then the latest.
    const changes = new Int32Array(this.unitFrom.length + this.memberDay.length);
    changes.set(this.unitFrom);
    changes.set(this.memberDay, this.unitFrom.length);
    changes.sort();
    const keys = new Set<number>();
    for (let j = 1; j < CHECKPOINTS && changes.length > 0; j++)
      keys.add(changes[Math.floor((changes.length * j) / CHECKPOINTS)]!);
    // The latest state holds from the last change on.
    keys.add(changes.length > 0 ? changes[changes.length - 1]! : OPEN);
    this.checkpointKeys = [...keys];
    this.checkpoints = this.checkpointKeys.map(() => undefined);
  }

  /**
   * The checkpoint to start from for a day: the last one on or before it (null if none is). Per
   * unit, two ints, one array after the other: the index of its last version begun by the
   * checkpoint's day, and of its last member step by then (the record's first index minus one if none).
   */
  private checkpoint(key: number): { key: number; data: Int32Array } | null {
    let j = -1;
    while (j + 1 < this.checkpointKeys.length && this.checkpointKeys[j + 1]! <= key) j++;
    if (j < 0) return null;
    const at = this.checkpointKeys[j]!;
    let data = this.checkpoints[j];
    if (!data) {
      const n = this.unitIds.length;
      data = new Int32Array(STRIDE * n);
      for (let i = 0; i < n; i++) {
        let v = this.unitStart[i]! - 1;
        const end = this.unitStart[i + 1]!;
        while (v + 1 < end && this.unitFrom[v + 1]! <= at) v++;
        data[i] = v;
        let s = this.memberStart[i]! - 1;
        const endStep = this.memberStart[i + 1]!;
        while (s + 1 < endStep && this.memberDay[s + 1]! <= at) s++;
        data[n + i] = s;
      }
      this.checkpoints[j] = data;
    }
    return { key: at, data };
  }

  private static readonly cache = new WeakMap<History, OrgIndex>();

  /** The index of a history, built once and kept as long as the history is. */
  static of(history: History): OrgIndex {
    let index = OrgIndex.cache.get(history);
    if (!index) {
      index = new OrgIndex(history);
      OrgIndex.cache.set(history, index);
    }
    return index;
  }

  /** The people (indices into `personIds`) whose primary unit on the day is one of `units`. */
  peopleIn(units: Int32Array, day: Day): number[] {
    const key = dayKey(day);
    const out: number[] = [];
    for (let k = 0; k < units.length; k++) {
      const u = units[k]!;
      for (let s = this.stayStart[u]!; s < this.stayStart[u + 1]!; s++)
        if (this.stayFrom[s]! <= key && this.stayTo[s]! > key) out.push(this.stayPerson[s]!);
    }
    return out;
  }

  /** Forgets the days kept (benchmarks use it to measure a day asked for the first time). */
  forgetDays(): void {
    this.days.clear();
  }

  get unitCount(): number {
    return this.unitIds.length;
  }

  /** The organization on a day; the last 16 days asked for are kept. */
  at(day: Day): OrgAt {
    const key = dayKey(day);
    let found = this.days.get(key);
    if (found) {
      this.days.delete(key);
      this.days.set(key, found);
      return found;
    }
    found = this.compute(day);
    this.days.set(key, found);
    if (this.days.size > 16) this.days.delete(this.days.keys().next().value!);
    return found;
  }

  /**
   * The version of record `i` in effect on `key`, or -1: binary search over its versions by start.
   * (`compute` steps from a checkpoint and asks here only about days before every checkpoint.)
   */
  private static versionAt(
    start: Int32Array,
    from: Int32Array,
    to: Int32Array,
    i: number,
    key: number,
  ): number {
    let lo = start[i]!;
    let hi = start[i + 1]! - 1;
    let found = NONE;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (from[mid]! <= key) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found !== NONE && to[found]! > key ? found : NONE;
  }

  /**
   * The organization on a day, computed afresh (not kept): for sweeps over many days. One forward
   * pass finds each unit's version (its parent), its members, and — for the many units indexed after
   * their parent — its depth; the few others follow, then one backward pass sums headcounts.
   */
  compute(day: Day): OrgAt {
    const key = dayKey(day);
    const n = this.unitIds.length;
    const unitStart = this.unitStart;
    const unitFrom = this.unitFrom;
    const unitTo = this.unitTo;
    const unitParent = this.unitParent;
    const memberStart = this.memberStart;
    const memberDay = this.memberDay;
    const memberCount = this.memberCount;
    const alive = new Uint8Array(n);
    // One allocation for the five (a typed array's buffer costs more to make than to fill).
    const arrays = new Int32Array(5 * n);
    const parent = arrays.subarray(0, n);
    const members = arrays.subarray(n, 2 * n);
    const depth = arrays.subarray(2 * n, 3 * n).fill(NONE);
    const childUnits = arrays.subarray(3 * n, 4 * n);
    const headcount = arrays.subarray(4 * n, 5 * n);
    const roots: number[] = [];
    const deferred: number[] = [];
    let people = 0;
    // Each unit's version and member step on the day: stepped forward from the nearest checkpoint
    // before the day (usually no step or a few), searched for a day before every checkpoint.
    const cp = this.checkpoint(key);
    const cpVersion = cp ? cp.data.subarray(0, n) : null;
    const cpStep = cp ? cp.data.subarray(n, 2 * n) : null;
    for (let i = 0; i < n; i++) {
      let v: number;
      if (cpVersion) {
        v = cpVersion[i]!;
        const end = unitStart[i + 1]!;
        while (v + 1 < end && unitFrom[v + 1]! <= key) v++;
        if (v < unitStart[i]! || unitTo[v]! <= key) v = NONE;
      } else v = OrgIndex.versionAt(unitStart, unitFrom, unitTo, i, key);
      if (v === NONE) {
        parent[i] = NONE;
        continue;
      }
      const p = unitParent[v]!;
      alive[i] = 1;
      parent[i] = p;
      let count = 0;
      if (cpStep) {
        let s = cpStep[i]!;
        const end = memberStart[i + 1]!;
        while (s + 1 < end && memberDay[s + 1]! <= key) s++;
        if (s >= memberStart[i]!) count = memberCount[s]!;
      } else {
        let lo = memberStart[i]!;
        let hi = memberStart[i + 1]! - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (memberDay[mid]! <= key) {
            count = memberCount[mid]!;
            lo = mid + 1;
          } else hi = mid - 1;
        }
      }
      members[i] = count;
      headcount[i] = count;
      people += count;
      if (p === NONE || (p < i && !alive[p])) {
        roots.push(i);
        depth[i] = 0;
      } else if (p < i) {
        childUnits[p]! += 1;
        const above = depth[p]!;
        if (above === NONE) deferred.push(i);
        else depth[i] = above + 1;
      } else deferred.push(i);
    }
    if (deferred.length > 0) completeDepths(alive, parent, depth, childUnits, roots, deferred);
    // Subtree sums in one backward pass: a unit's children usually have higher indices, so they have
    // already added theirs. A unit whose parent has a higher index adds to its ancestors up to the
    // first one not yet passed (which carries it on when its turn comes).
    for (let i = n - 1; i >= 0; i--) {
      if (!alive[i] || depth[i] === 0) continue;
      const h = headcount[i]!;
      let x = parent[i]!;
      for (;;) {
        headcount[x]! += h;
        if (x < i || depth[x] === 0) break;
        x = parent[x]!;
      }
    }
    return new OrgAt(this, alive, parent, members, people, depth, headcount, childUnits, roots);
  }
}

/** Depths (and roots, child units) of the units the forward pass could not place: parents indexed after them. */
function completeDepths(
  alive: Uint8Array,
  parent: Int32Array,
  depth: Int32Array,
  childUnits: Int32Array,
  roots: number[],
  deferred: number[],
): void {
  let newRoots = false;
  for (const i of deferred) {
    const p = parent[i]!;
    if (p > i && !alive[p]) {
      depth[i] = 0;
      roots.push(i);
      newRoots = true;
    } else if (p > i) childUnits[p]! += 1;
  }
  if (newRoots) roots.sort((a, b) => a - b);
  // By climbing to the nearest unit whose depth is known; each unit is climbed through once.
  const chain: number[] = [];
  for (const i of deferred) {
    let u = i;
    while (depth[u] === NONE) {
      if (chain.length === alive.length) throw new Error('the unit tree has a cycle');
      chain.push(u);
      u = parent[u]!;
    }
    let d = depth[u]!;
    while (chain.length > 0) depth[chain.pop()!] = ++d;
  }
}

/**
 * The units of one day as arrays indexed like `OrgIndex.unitIds`: parent, depth, rollups (direct
 * members, headcount of the subtree, child units) and, computed when first asked, a preorder in
 * which every subtree is one contiguous range.
 */
export class OrgAt {
  /** Depth below its root; NONE for units not alive. */
  readonly depth: Int32Array;
  /** People whose primary unit it is, and the same for the whole subtree. */
  readonly headcount: Int32Array;
  /** Child units (a unit's span, counted in units). */
  readonly childUnits: Int32Array;
  private walk: {
    order: Int32Array;
    enter: Int32Array;
    size: Int32Array;
    childStart: Int32Array;
    children: Int32Array;
  } | null = null;

  constructor(
    readonly index: OrgIndex,
    readonly alive: Uint8Array,
    readonly parent: Int32Array,
    readonly members: Int32Array,
    readonly people: number,
    depth: Int32Array,
    headcount: Int32Array,
    childUnits: Int32Array,
    readonly roots: number[],
  ) {
    this.depth = depth;
    this.headcount = headcount;
    this.childUnits = childUnits;
  }

  /** Alive units in preorder (parents before children, siblings in index order). */
  get order(): Int32Array {
    return this.preorder().order;
  }

  /** Position of each alive unit in `order` (NONE for the others). */
  get enter(): Int32Array {
    return this.preorder().enter;
  }

  /** Units in each alive unit's subtree, itself included: its subtree is order[enter, enter + size). */
  get size(): Int32Array {
    return this.preorder().size;
  }

  private preorder(): NonNullable<OrgAt['walk']> {
    if (this.walk) return this.walk;
    const { alive, parent, childUnits } = this;
    const n = alive.length;
    // Children in CSR form, then an iterative preorder walk.
    const childStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i]! + childUnits[i]!;
    const fill = childStart.slice(0, n);
    const children = new Int32Array(childStart[n]!);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      count++;
      const p = parent[i]!;
      if (p !== NONE && alive[p]) children[fill[p]!++] = i;
    }
    const order = new Int32Array(count);
    const enter = new Int32Array(n).fill(NONE);
    const stack = new Int32Array(count);
    let at = 0;
    for (const root of this.roots) {
      let top = 0;
      stack[top++] = root;
      while (top > 0) {
        const u = stack[--top]!;
        enter[u] = at;
        order[at++] = u;
        // Pushed in reverse so that children come out in index order.
        for (let c = childStart[u + 1]! - 1; c >= childStart[u]!; c--) stack[top++] = children[c]!;
      }
    }
    const size = new Int32Array(n);
    for (let k = at - 1; k >= 0; k--) {
      const u = order[k]!;
      size[u]! += 1;
      if (this.depth[u]! > 0) size[parent[u]!]! += size[u]!;
    }
    this.walk = { order, enter, size, childStart, children };
    return this.walk;
  }

  /** A unit's child units, in index order, without copying. */
  childrenOf(u: number): Int32Array {
    const { children, childStart } = this.preorder();
    return children.subarray(childStart[u]!, childStart[u + 1]!);
  }

  unitOf(id: string): number | undefined {
    const i = this.index.unitIndex.get(id);
    return i !== undefined && this.alive[i] ? i : undefined;
  }

  /** Whether unit `u` is `ancestor` or below it: two comparisons. */
  within(u: number, ancestor: number): boolean {
    const e = this.enter[u]!;
    const a = this.enter[ancestor]!;
    return e !== NONE && a !== NONE && e >= a && e < a + this.size[ancestor]!;
  }

  /** The units of a subtree, in preorder, without copying. */
  subtree(u: number): Int32Array {
    const e = this.enter[u]!;
    return this.order.subarray(e, e + this.size[u]!);
  }
}
