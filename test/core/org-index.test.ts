import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headcountOverTime } from '../../src/core/analytics.ts';
import type { History } from '../../src/core/model.ts';
import { OrgIndex } from '../../src/core/org-index.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { addDays } from '../../src/core/time.ts';
import { BASE, build, examplePlans } from '../helpers.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

/** The index's answer on a day must be the snapshot's, unit by unit. */
function agree(history: History, day: string): void {
  const snap = new Snapshot(history, day);
  const at = OrgIndex.of(history).at(day);
  const ids = at.index.unitIds;
  const alive = ids.filter((_id, i) => at.alive[i] === 1);
  expect(alive.sort()).toEqual([...snap.units.keys()].sort());
  expect(at.people).toBe([...snap.people.values()].filter((p) => snap.units.has(p.unit)).length);
  for (const [id, unit] of snap.units) {
    const u = at.unitOf(id)!;
    const parent = at.parent[u]!;
    expect(parent === -1 ? null : ids[parent]).toBe(unit.parent);
    const path = snap.pathOf(id);
    expect(at.depth[u]).toBe(path.length - 1);
    expect(at.members[u]).toBe(unit.members.length);
    expect(at.childUnits[u]).toBe(unit.children.length);
    const below = [...snap.units.keys()].filter((other) => snap.pathOf(other).includes(id));
    expect([...at.subtree(u)].map((i) => ids[i]).sort()).toEqual(below.sort());
    const inSubtree = [...snap.people.values()].filter(
      (p) => snap.units.has(p.unit) && snap.pathOf(p.unit).includes(id),
    );
    expect(at.headcount[u]).toBe(inSubtree.length);
    const index = OrgIndex.of(history);
    expect(
      index
        .peopleIn(at.subtree(u), day)
        .map((p) => index.personIds[p])
        .sort(),
    ).toEqual(inSubtree.map((p) => p.id).sort());
    for (const other of snap.units.keys())
      expect(at.within(at.unitOf(other)!, u), `${other} within ${id}`).toBe(below.includes(other));
  }
}

describe('the typed-array index', () => {
  it('answers like the snapshot on random organizations with random restructurings, on every date', () => {
    let accepted = 0;
    const scenario = organization.chain((org) =>
      fc.tuple(fc.constant(org), planOver(org, 1), planOver(org, 2), planOver(org, 3), planOver(org, 4)),
    );
    fc.assert(
      fc.property(scenario, ([org, ...plans]) => {
        const built = acceptedHistory([org.source, ...plans]);
        accepted += built.accepted - 1;
        for (const day of ['2019-12-31', ...DATES.flatMap((d) => [addDays(d, -1), d]), '2030-01-01'])
          agree(built.history, day);
        // Analytics read headcount over time from the index: the same as counting in each day's snapshot.
        const someUnit = [...built.history.units.keys()].at(-1)!;
        for (const unit of [undefined, someUnit])
          for (const { date, headcount } of headcountOverTime(built.history, unit)) {
            const snap = new Snapshot(built.history, date);
            const naive = [...snap.people.values()].filter(
              (p) => snap.units.has(p.unit) && (unit === undefined || snap.pathOf(p.unit).includes(unit)),
            ).length;
            expect(headcount, `${unit ?? 'all'} on ${date}`).toBe(naive);
          }
      }),
      { numRuns: 60 },
    );
    // The restructurings must actually happen for the comparison to mean something.
    expect(accepted).toBeGreaterThan(20);
  });

  it('answers like the snapshot on the seeds, the day before and the day of each restructuring', () => {
    const built = acceptedHistory(examplePlans().map((p) => p.source));
    expect(built.accepted).toBe(examplePlans().length);
    for (const p of built.history.plans) {
      agree(built.history, addDays(p.effective, -1));
      agree(built.history, p.effective);
    }
  });

  it('answers like the snapshot when units sit under units made after them, chains of them included', () => {
    // Units are indexed in the order they were made; moves put Platform under Z under Y, all three
    // made in that order, so each parent's index is above its child's (the rollups' slow path).
    const history = build(
      BASE,
      [
        'plan: later\ntitle: t\neffective: 2021-01-01\nchanges:',
        '  - create: { unit: Z, type: team, parent: Acme }',
        '  - create: { unit: Y, type: team, parent: Acme }',
        '  - move: { unit: Z, to: Y }',
        '  - move: { unit: Platform, to: Z }',
        '  - move: { unit: Sales, to: Platform }',
        '  - hire: { person: Zed, unit: Z }',
      ].join('\n'),
    );
    const at = OrgIndex.of(history).at('2021-01-01');
    const ids = at.index.unitIds;
    const idOf = (name: string) =>
      [...history.units.values()].find((u) => u.versions.at(-1)!.name === name)!.id;
    const sales = at.unitOf(idOf('Sales'))!;
    expect(ids[at.parent[sales]!]).toBe(idOf('Platform'));
    expect(at.parent[at.parent[sales]!]!).toBeGreaterThan(at.parent[sales]!);
    agree(history, '2021-01-01');
    agree(history, '2020-06-01');
  });

  it('answers like the snapshot on every day of a long history, whichever checkpoint it starts from', () => {
    // Forty months of moves, renames, hires and a unit that ends and comes back: the index keeps the
    // state at a few days across the history and searches only for units changed since; a day right
    // after a checkpoint, between two, and before the first all start from different ones.
    const plans: string[] = [];
    for (let m = 0; m < 40; m++) {
      const date = `${2021 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`;
      const changes = [
        `  - move: { unit: Platform, to: ${m % 2 === 0 ? 'Sales East' : 'Sales West'} }`,
        `  - hire: { person: Hire ${m}, unit: ${m % 3 === 0 ? 'Platform' : 'Sales'} }`,
      ];
      if (m % 5 === 0) changes.push(`  - rename: { unit: Sales West, to: West ${m} }`);
      if (m % 8 === 0) changes.push('  - create: { unit: Pop, type: team, parent: Acme, id: pop }');
      if (m % 8 === 4) changes.push("  - dissolve: { unit: '#pop' }");
      plans.push(`plan: m${m}\ntitle: t\neffective: ${date}\nchanges:\n${changes.join('\n')}`);
    }
    const history = build(BASE, ...plans);
    for (const plan of history.plans) {
      agree(history, addDays(plan.effective, -1));
      agree(history, plan.effective);
      agree(history, addDays(plan.effective, 10));
    }
  });

  it('is built once per history and keeps recent days', () => {
    const { history } = acceptedHistory(examplePlans().map((p) => p.source));
    expect(OrgIndex.of(history)).toBe(OrgIndex.of(history));
    const index = OrgIndex.of(history);
    expect(index.at('2022-01-07')).toBe(index.at('2022-01-07'));
    expect(index.at('2022-01-07')).not.toBe(index.at('2022-01-05'));
  });
});
