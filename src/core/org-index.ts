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

  /** The version of record `i` in effect on `key`, or -1: binary search over its versions by start. */
  private static versionAt(
    start: Int32Array,
    from: Int32Array,
    to: Int32Array,
    i: number,
    key: number,
  ): number {
    let lo = start[i]!;
    let hi = start[i + 1]! - 1;
    // Most questions are about the latest state: the last version answers them without a search.
    if (hi >= lo && from[hi]! <= key) return to[hi]! > key ? hi : NONE;
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

  /** The organization on a day, computed afresh (not kept): for sweeps over many days. */
  compute(day: Day): OrgAt {
    const key = dayKey(day);
    const n = this.unitIds.length;
    const alive = new Uint8Array(n);
    const parent = new Int32Array(n).fill(NONE);
    for (let i = 0; i < n; i++) {
      const v = OrgIndex.versionAt(this.unitStart, this.unitFrom, this.unitTo, i, key);
      if (v === NONE) continue;
      alive[i] = 1;
      parent[i] = this.unitParent[v]!;
    }
    const members = new Int32Array(n);
    let peopleAlive = 0;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      // The last step on or before the day.
      let lo = this.memberStart[i]!;
      let hi = this.memberStart[i + 1]! - 1;
      let count = 0;
      if (hi >= lo && this.memberDay[hi]! <= key) {
        members[i] = this.memberCount[hi]!;
        peopleAlive += members[i]!;
        continue;
      }
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.memberDay[mid]! <= key) {
          count = this.memberCount[mid]!;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      members[i] = count;
      peopleAlive += count;
    }
    return new OrgAt(this, alive, parent, members, peopleAlive);
  }
}

/**
 * The units of one day as arrays indexed like `OrgIndex.unitIds`: parent, depth, a preorder in which
 * every subtree is one contiguous range, and rollups (direct members, headcount of the subtree, child units).
 */
export class OrgAt {
  /** Alive units in preorder (parents before children, siblings in index order). */
  readonly order: Int32Array;
  /** Position of each alive unit in `order`. */
  readonly enter: Int32Array;
  /** Units in each alive unit's subtree, itself included: its subtree is order[enter, enter + size). */
  readonly size: Int32Array;
  readonly depth: Int32Array;
  /** People whose primary unit it is, and the same for the whole subtree. */
  readonly headcount: Int32Array;
  /** Child units (a unit's span, counted in units). */
  readonly childUnits: Int32Array;
  readonly roots: number[] = [];
  private readonly childStart: Int32Array;
  private readonly children: Int32Array;

  constructor(
    readonly index: OrgIndex,
    readonly alive: Uint8Array,
    readonly parent: Int32Array,
    readonly members: Int32Array,
    readonly people: number,
  ) {
    const n = alive.length;
    const childCount = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const p = parent[i]!;
      if (p === NONE || !alive[p]) this.roots.push(i);
      else childCount[p]! += 1;
    }
    this.childUnits = childCount.subarray(0, n);
    // Children in CSR form, then an iterative preorder walk.
    const childStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i]! + childCount[i]!;
    const fill = childStart.slice(0, n);
    const children = new Int32Array(childStart[n]!);
    this.childStart = childStart;
    this.children = children;
    for (let i = 0; i < n; i++) {
      const p = parent[i]!;
      if (alive[i] && p !== NONE && alive[p]) children[fill[p]!++] = i;
    }
    let count = 0;
    for (let i = 0; i < n; i++) if (alive[i]) count++;
    this.order = new Int32Array(count);
    this.enter = new Int32Array(n).fill(NONE);
    this.depth = new Int32Array(n).fill(NONE);
    const stack = new Int32Array(count);
    let at = 0;
    for (const root of this.roots) {
      let top = 0;
      stack[top++] = root;
      this.depth[root] = 0;
      while (top > 0) {
        const u = stack[--top]!;
        this.enter[u] = at;
        this.order[at++] = u;
        // Pushed in reverse so that children come out in index order.
        for (let c = childStart[u + 1]! - 1; c >= childStart[u]!; c--) {
          const child = children[c]!;
          this.depth[child] = this.depth[u]! + 1;
          stack[top++] = child;
        }
      }
    }
    this.size = new Int32Array(n);
    this.headcount = new Int32Array(n);
    for (let k = at - 1; k >= 0; k--) {
      const u = this.order[k]!;
      this.size[u]! += 1;
      this.headcount[u]! += members[u]!;
      const p = parent[u]!;
      if (p !== NONE && alive[p]) {
        this.size[p]! += this.size[u]!;
        this.headcount[p]! += this.headcount[u]!;
      }
    }
  }

  /** A unit's child units, in index order, without copying. */
  childrenOf(u: number): Int32Array {
    return this.children.subarray(this.childStart[u]!, this.childStart[u + 1]!);
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
