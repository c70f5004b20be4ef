import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_POST, type History } from '../../src/core/model.ts';
import { findRecord, type PersonRef, type TreeNode, type TreeResult, tree } from '../../src/core/queries.ts';
import { type Snapshot, snapshotAt } from '../../src/core/snapshot.ts';
import type { Day } from '../../src/core/time.ts';
import { addDays } from '../../src/core/time.ts';
import { examplePlans } from '../helpers.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

/**
 * The oracle: the tree as it was computed before the index, entirely from the day's snapshot (every
 * version of the history scanned). The index-based tree must give the same answer, byte for byte.
 */
function personRef(snap: Snapshot, id: string): PersonRef {
  const person = snap.people.get(id);
  return { id, name: snap.personName(id), ...(person?.unnamed ? { unnamed: true as const } : {}) };
}

function treeFromSnapshot(
  history: History,
  asOf: Day,
  options: { unit?: string; depth?: number } = {},
): TreeResult {
  const snap = snapshotAt(history, asOf);
  const start = options.unit === undefined ? snap.roots[0] : findRecord(history, 'unit', options.unit, asOf);
  if (start === undefined) return { asOf, root: null, dotted: [] };
  const included = new Set<string>();
  const build = (id: string, depth: number): TreeNode => {
    const unit = snap.units.get(id)!;
    const posts = [...snap.postsOfUnit(id)].sort(
      (a, b) => Number(b.post === HEAD_POST) - Number(a.post === HEAD_POST) || a.post.localeCompare(b.post),
    );
    const headId = snap.headOf(id);
    const head =
      headId === null ? null : { ...personRef(snap, headId), level: snap.people.get(headId)?.level ?? null };
    const postList = posts.map((p) => ({
      post: p.post,
      person: p.holder === null ? null : personRef(snap, p.holder),
      concurrent: p.concurrent,
      inferred: p.prov.inferred,
    }));
    if (headId === null)
      postList.unshift({ post: HEAD_POST, person: null, concurrent: false, inferred: false });
    const expand = options.depth === undefined || depth < options.depth;
    included.add(id);
    return {
      id,
      name: unit.name,
      type: unit.type,
      ...(unit.status !== undefined ? { status: unit.status } : {}),
      ...(unit.alsoUnder !== undefined
        ? { alsoUnder: unit.alsoUnder.map((u) => ({ id: u, name: snap.unitName(u) })) }
        : {}),
      head,
      posts: postList,
      members: unit.members.length,
      businesses: unit.businesses.map((b) => snap.businesses.get(b)!.name),
      businessDetails: unit.businesses.map((b) => {
        const state = snap.businesses.get(b)!;
        return { name: state.name, inferred: state.prov.inferred };
      }),
      inferred: unit.prov.inferred,
      children: expand ? unit.children.map((c) => build(c, depth + 1)) : [],
    };
  };
  const root = build(start, 0);
  const dotted: TreeResult['dotted'] = [];
  for (const line of snap.lines) {
    if (line.kind !== 'dotted') continue;
    const fromUnit = snap.people.get(line.person)?.unit;
    const toUnit = snap.people.get(line.manager)?.unit;
    if (fromUnit === undefined || toUnit === undefined) continue;
    if (!included.has(fromUnit) || !included.has(toUnit)) continue;
    dotted.push({
      person: personRef(snap, line.person),
      manager: personRef(snap, line.manager),
      fromUnit,
      toUnit,
    });
  }
  return { asOf, root, dotted };
}

const same = (history: History, day: Day, options: { unit?: string; depth?: number } = {}) =>
  expect(JSON.stringify(tree(history, day, options))).toBe(
    JSON.stringify(treeFromSnapshot(history, day, options)),
  );

describe('the tree read from the typed-array index', () => {
  it('is the snapshot’s tree on random organizations, restructurings and days', () => {
    const scenario = organization.chain((org) =>
      fc.tuple(fc.constant(org), planOver(org, 1), planOver(org, 2), planOver(org, 3), planOver(org, 4)),
    );
    fc.assert(
      fc.property(scenario, ([org, ...plans]) => {
        const { history } = acceptedHistory([org.source, ...plans]);
        for (const day of ['2019-12-31', ...DATES.flatMap((d) => [addDays(d, -1), d]), '2030-01-01']) {
          same(history, day);
          same(history, day, { depth: 1 });
        }
      }),
      { numRuns: 80 },
    );
  });

  it('is the snapshot’s tree on the seeds, for the whole organization and each unit', () => {
    const { history } = acceptedHistory(examplePlans().map((p) => p.source));
    for (const p of history.plans)
      for (const day of [addDays(p.effective, -1), p.effective]) {
        same(history, day);
        const snap = snapshotAt(history, day);
        for (const unit of snap.units.values()) same(history, day, { unit: unit.id, depth: 2 });
      }
  });
});
