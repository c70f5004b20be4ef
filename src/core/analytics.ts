import { layersOf, spansOf } from './impact.ts';
import type { History } from './model.ts';
import { OrgIndex } from './org-index.ts';
import { snapshotAt } from './snapshot.ts';
import type { Day } from './time.ts';

export interface StatsOptions {
  /** Flag people with more than this many posts at once. */
  maxPosts?: number;
  /** Flag people whose chain to the top is longer than this. */
  maxChain?: number;
}

export interface Stats {
  asOf: Day;
  people: number;
  units: number;
  layers: number;
  /** How many managers have each span of control (direct reports). */
  spanDistribution: Array<{ span: number; managers: number }>;
  /** How many people sit at each depth of the reporting tree (1 = the top). */
  layerDistribution: Array<{ layer: number; people: number }>;
  headcount: Array<{ unit: string; path: string[]; direct: number; total: number }>;
  flags: {
    unitsWithoutHead: string[];
    managersWithOneReport: string[];
    unitsWithOneChild: string[];
    manyPosts: Array<{ person: string; posts: number }>;
    longChains: Array<{ person: string; length: number }>;
  };
}

/**
 * The last few answers for each history (a version of the organization, never changed once made): on a
 * large organization an answer takes seconds, and the analytics page asks again for the same day.
 */
function keptPerHistory<T>(): (history: History, key: string, make: () => T) => T {
  const kept = new WeakMap<History, Map<string, T>>();
  return (history, key, make) => {
    let answers = kept.get(history);
    if (!answers) {
      answers = new Map();
      kept.set(history, answers);
    }
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = make();
      if (answers.size >= 8) answers.delete(answers.keys().next().value!);
      answers.set(key, answer);
    }
    return answer;
  };
}

const keptStats = keptPerHistory<Stats>();
const keptHeadcounts = keptPerHistory<Array<{ date: Day; headcount: number }>>();

/** Spans of control, layers, headcount per unit and health flags, as of one day (kept per history). */
export function stats(history: History, asOf: Day, options: StatsOptions = {}): Stats {
  const key = JSON.stringify([asOf, options.maxPosts ?? null, options.maxChain ?? null]);
  return keptStats(history, key, () => statsOf(history, asOf, options));
}

function statsOf(history: History, asOf: Day, options: StatsOptions): Stats {
  const maxPosts = options.maxPosts ?? 2;
  const maxChain = options.maxChain ?? 8;
  const snap = snapshotAt(history, asOf);
  const spans = spansOf(snap);
  const spanCounts = new Map<number, number>();
  for (const span of spans.values()) spanCounts.set(span, (spanCounts.get(span) ?? 0) + 1);
  const layerCounts = new Map<number, number>();
  const longChains: Stats['flags']['longChains'] = [];
  for (const person of snap.people.keys()) {
    const length = snap.chainLength(person);
    layerCounts.set(length + 1, (layerCounts.get(length + 1) ?? 0) + 1);
    if (length > maxChain) longChains.push({ person: snap.personName(person), length });
  }
  const at = OrgIndex.of(history).at(asOf);
  const byPath = new Intl.Collator();
  const headcount = [...snap.units.values()]
    .map((u) => {
      const path = snap
        .pathOf(u.id)
        .map((p) => snap.unitName(p))
        .reverse();
      return {
        entry: { unit: u.name, path, direct: u.members.length, total: at.headcount[at.unitOf(u.id)!]! },
        key: path.join('/'),
      };
    })
    // `localeCompare`'s order, each path joined once.
    .sort((a, b) => byPath.compare(a.key, b.key))
    .map(({ entry }) => entry);
  const manyPosts: Stats['flags']['manyPosts'] = [];
  for (const person of snap.people.keys()) {
    const posts = snap.postsOfPerson(person).length;
    if (posts > maxPosts) manyPosts.push({ person: snap.personName(person), posts });
  }
  const sorted = (names: string[]) => names.sort((a, b) => a.localeCompare(b));
  return {
    asOf,
    people: snap.people.size,
    units: snap.units.size,
    layers: layersOf(snap),
    spanDistribution: [...spanCounts]
      .map(([span, managers]) => ({ span, managers }))
      .sort((a, b) => a.span - b.span),
    layerDistribution: [...layerCounts]
      .map(([layer, people]) => ({ layer, people }))
      .sort((a, b) => a.layer - b.layer),
    headcount,
    flags: {
      unitsWithoutHead: sorted(
        [...snap.units.values()].filter((u) => snap.headOf(u.id) === null).map((u) => u.name),
      ),
      managersWithOneReport: sorted([...spans].filter(([, n]) => n === 1).map(([id]) => snap.personName(id))),
      unitsWithOneChild: sorted(
        [...snap.units.values()].filter((u) => u.children.length === 1).map((u) => u.name),
      ),
      manyPosts: manyPosts.sort((a, b) => a.person.localeCompare(b.person)),
      longChains: longChains.sort((a, b) => a.person.localeCompare(b.person)),
    },
  };
}

/** Headcount (of the whole organization, or of one unit's subtree) on each day something changed. */
export function headcountOverTime(history: History, unit?: string): Array<{ date: Day; headcount: number }> {
  return keptHeadcounts(history, unit ?? '', () => headcountsOf(history, unit));
}

function headcountsOf(history: History, unit?: string): Array<{ date: Day; headcount: number }> {
  const days = new Set<Day>();
  for (const r of history.people.values())
    for (const v of r.versions) {
      days.add(v.from);
      if (v.to !== null) days.add(v.to);
    }
  for (const r of history.units.values()) for (const v of r.versions) days.add(v.from);
  const index = OrgIndex.of(history);
  return [...days].sort().map((date) => {
    const at = index.compute(date);
    if (unit === undefined) return { date, headcount: at.people };
    const u = at.unitOf(unit);
    return { date, headcount: u === undefined ? 0 : at.headcount[u]! };
  });
}
