import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { OperationError, OrgBuilder } from '../../src/core/apply.ts';
import { impact } from '../../src/core/impact.ts';
import { checkInvariants } from '../../src/core/invariants.ts';
import { mayViolate } from '../../src/core/live-org.ts';
import { LiveOrg } from '../../src/core/live-plan.ts';
import type { History, Plan } from '../../src/core/model.ts';
import { checkPlans, replay, type SequencedPlan, summarize } from '../../src/core/replay.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { historyToRows, rowsToHistory } from '../../src/store/facts.ts';
import { BASE, examplePlans } from '../helpers.ts';
import { DATES, organization, planOver, planSource } from '../property/generators.ts';

/** Every fact of a history, in order, as text: two histories print the same iff they hold the same facts. */
function print(history: History): string {
  const records = (map: Map<string, unknown>) => [...map.entries()];
  return JSON.stringify([
    records(history.units),
    records(history.people),
    records(history.businesses),
    history.posts,
    history.lines,
    history.events,
  ]);
}

function parsed(source: string): Plan | undefined {
  try {
    return parsePlan(source, 'random.yaml');
  } catch {
    return undefined;
  }
}

/** Applies the plans the organization accepts, in turn; returns them in order. */
function acceptedPlans(sources: string[]): SequencedPlan[] {
  const applied: SequencedPlan[] = [];
  for (const source of sources) {
    const plan = parsed(source);
    if (!plan || !checkPlans(applied, [plan]).ok) continue;
    applied.push({ plan, seq: applied.length + 1 });
  }
  return applied;
}

function applyOps(builder: OrgBuilder, plan: Plan): boolean {
  builder.markTouched();
  for (const op of plan.changes) {
    builder.at(plan.effective, { plan: plan.id, inferred: op.inferred });
    try {
      builder.apply(op);
    } catch (error) {
      if (error instanceof OperationError) return false;
      throw error;
    }
  }
  return true;
}

const lastDate = DATES.at(-1)!;

/** Plans of solid reporting lines only: the operations that can close a reporting cycle. */
const linesPlan = (org: { people: string[] }) => {
  const who = fc.constantFrom(...(org.people.length > 0 ? org.people : ['Nobody']));
  return fc
    .array(fc.record({ report: fc.record({ person: who, to: who, kind: fc.constant('solid') }) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((changes) => stringify({ plan: 'lines', title: 'lines', effective: lastDate, changes }));
};
const withLines = organization.chain((org) =>
  fc.tuple(
    fc.constant(org),
    fc.array(planOver(org, 1), { maxLength: 3 }),
    fc.array(fc.oneof(planOver(org, 2), linesPlan(org)), { minLength: 3, maxLength: 6 }),
  ),
);
const scenario = organization.chain((org) =>
  fc.tuple(
    fc.constant(org),
    fc.array(planOver(org, 1), { maxLength: 3 }),
    fc.array(planOver(org, 2), { minLength: 3, maxLength: 6 }),
  ),
);

describe('trying a plan on a kept organization', () => {
  it('undoes a trial exactly: the history and every index as before', () => {
    let trials = 0;
    fc.assert(
      fc.property(scenario, ([org, earlier, tries]) => {
        const applied = acceptedPlans([org.source, ...earlier]);
        const builder = new OrgBuilder();
        for (const { plan } of [...applied].sort((a, b) => a.plan.effective.localeCompare(b.plan.effective)))
          applyOps(builder, plan);
        const before = print(builder.history);
        const indexes = builder.indexSnapshot();
        // What applying built is what a resume from the facts builds.
        expect(OrgBuilder.resume(structuredClone(builder.history), builder.currentDate).indexSnapshot()).toBe(
          indexes,
        );
        for (const source of tries) {
          const plan = parsed(source);
          if (!plan) continue;
          const dated = { ...plan, effective: lastDate };
          builder.beginTrial();
          applyOps(builder, dated);
          builder.rollback();
          trials += 1;
          expect(print(builder.history)).toBe(before);
          expect(builder.indexSnapshot()).toBe(indexes);
        }
        // The indexes were restored too: the same plan now gives what a fresh builder gives.
        const last = tries.map(parsed).find((p) => p !== undefined);
        if (last) {
          const fresh = new OrgBuilder();
          for (const { plan } of [...applied].sort((a, b) =>
            a.plan.effective.localeCompare(b.plan.effective),
          ))
            applyOps(fresh, plan);
          const dated = { ...last, effective: lastDate };
          expect(applyOps(builder, dated)).toBe(applyOps(fresh, dated));
          expect(print(builder.history)).toBe(print(fresh.history));
        }
      }),
      { numRuns: 150 },
    );
    expect(trials).toBeGreaterThan(200);
  });

  it('undoes a trial on names that become shared, stop being shared, or go', () => {
    const builder = new OrgBuilder();
    applyOps(builder, parsePlan(BASE, 'base.yaml'));
    const shared = `plan: shared
title: shared
effective: 2020-06-01
changes:
  - create: { unit: Core, type: team, parent: Engineering }
  - create: { unit: Core, type: team, parent: Sales }
  - create: { unit: Ops, type: team, parent: Engineering }
  - create: { unit: Ops, type: team, parent: Sales }
`;
    expect(applyOps(builder, parsePlan(shared, 'shared.yaml'))).toBe(true);
    const history = print(builder.history);
    const indexes = builder.indexSnapshot();
    const trial = `plan: names
title: names
effective: 2021-01-01
changes:
  - create: { unit: Platform, type: team, parent: Sales }
  - rename: { unit: '#core-2', to: Edge }
  - create: { unit: Ops, type: team, parent: '#platform' }
  - rename: { unit: Sales West, to: Western Sales }
  - launch: { business: Cloud Two, unit: '#platform-2' }
  - rename: { person: Eve West, to: Eve Westwood }
`;
    builder.beginTrial();
    expect(applyOps(builder, parsePlan(trial, 'names.yaml'))).toBe(true);
    expect(builder.indexSnapshot()).not.toBe(indexes);
    builder.rollback();
    expect(print(builder.history)).toBe(history);
    expect(builder.indexSnapshot()).toBe(indexes);
  });

  it('drops the index of former names it built during a trial that is undone', () => {
    const builder = new OrgBuilder();
    applyOps(builder, parsePlan(BASE, 'base.yaml'));
    const left = `plan: left
title: left
effective: 2020-06-01
changes:
  - leave: { person: Eve West }
`;
    expect(applyOps(builder, parsePlan(left, 'left.yaml'))).toBe(true);
    const never = OrgBuilder.resume(structuredClone(builder.history), builder.currentDate).indexSnapshot();
    // Resumed from the facts, as a server does: no index of former names until one is needed.
    const resumed = OrgBuilder.resume(structuredClone(builder.history), builder.currentDate);
    // The trial hires someone by id (no index of former names needed), then someone by name: the index
    // of every name ever held is built then, with the trial's first hire in it.
    const trial = `plan: rehire
title: rehire
effective: 2021-01-01
changes:
  - hire: { person: Zed New, unit: Sales West, id: zed }
  - hire: { person: Eve West, unit: Sales West }
`;
    resumed.beginTrial();
    expect(applyOps(resumed, parsePlan(trial, 'rehire.yaml'))).toBe(true);
    // The rehire by name found Eve's former record: one record has her name.
    const named = [...resumed.history.people.values()].filter((p) => p.versions.at(-1)?.name === 'Eve West');
    expect(named.map((p) => p.id)).toEqual(['eve-west']);
    resumed.rollback();
    expect(resumed.indexSnapshot()).toBe(never);
  });

  it("drops the index of people's names it built during a trial that is undone", () => {
    const builder = new OrgBuilder();
    applyOps(builder, parsePlan(BASE, 'base.yaml'));
    // Resumed from the facts, as a server does: people's names are indexed when first looked up.
    const resumed = OrgBuilder.resume(structuredClone(builder.history), builder.currentDate);
    const never = resumed.indexSnapshot();
    const fresh = OrgBuilder.resume(structuredClone(builder.history), builder.currentDate);
    // A rename by id (no lookup by name), then a hire by name: the index is built with the rename in it.
    const trial = `plan: renamed
title: renamed
effective: 2021-01-01
changes:
  - rename: { person: '#eve-west', to: Eve Westwood }
  - hire: { person: Eve West, unit: Sales West }
`;
    fresh.beginTrial();
    expect(applyOps(fresh, parsePlan(trial, 'renamed.yaml'))).toBe(true);
    fresh.rollback();
    expect(fresh.indexSnapshot()).toBe(never);
    // The rename is undone: Eve West is in the organization again, and no one is called Eve Westwood.
    const again = (changes: string) =>
      applyOps(
        fresh,
        parsePlan(`plan: again\ntitle: again\neffective: 2021-01-01\nchanges:\n${changes}`, 'again.yaml'),
      );
    fresh.beginTrial();
    expect(again('  - hire: { person: Eve West, unit: Sales West }\n')).toBe(false);
    fresh.rollback();
    fresh.beginTrial();
    expect(again('  - hire: { person: Eve Westwood, unit: Sales West }\n')).toBe(true);
    fresh.rollback();
  });

  it('never misses a broken invariant when it looks only around what a plan touched', () => {
    const tally = { broken: 0, clean: 0 };
    fc.assert(
      fc.property(withLines, ([org, earlier, tries]) => {
        const applied = acceptedPlans([org.source, ...earlier]);
        const builder = new OrgBuilder();
        for (const { plan } of [...applied].sort((a, b) => a.plan.effective.localeCompare(b.plan.effective)))
          applyOps(builder, plan);
        for (const source of tries) {
          const plan = parsed(source);
          if (!plan) continue;
          const dated = { ...plan, effective: lastDate };
          builder.beginTrial();
          if (applyOps(builder, dated)) {
            const broken = checkInvariants(builder.history, lastDate).length > 0;
            if (broken) {
              tally.broken += 1;
              expect(mayViolate(builder)).toBe(true);
            } else tally.clean += 1;
          }
          builder.rollback();
        }
      }),
      { numRuns: 400 },
    );
    expect(tally.broken).toBeGreaterThan(8);
    expect(tally.clean).toBeGreaterThan(50);
  });

  // Kept by replaying the plans, or resumed from their facts as the store gives them back.
  const keptBy = {
    replay: (applied: SequencedPlan[]) => LiveOrg.of(applied)!,
    'stored facts': (applied: SequencedPlan[]) => {
      const replayed = replay(applied);
      if (!replayed.ok) throw new Error('applied plans must replay');
      const h = replayed.history;
      return LiveOrg.resume(rowsToHistory(historyToRows(h), h.plans), h.plans);
    },
  };
  it.each(Object.entries(keptBy))(
    'kept by %s, checks and measures impact exactly as the full replay does, on random organizations and plans',
    (_, keep) => {
      const tally = { accepted: 0, refused: 0, managerChanges: 0, chainChanges: 0 };
      fc.assert(
        fc.property(withLines, ([org, earlier, tries]) => {
          const applied = acceptedPlans([org.source, ...earlier]);
          const live = keep(applied);
          const base = replay(applied);
          if (!base.ok) throw new Error('applied plans must replay');
          for (const source of tries) {
            const plan = parsed(source);
            if (!plan) continue;
            const dated = { ...plan, effective: lastDate };
            expect(live.covers([dated])).toBe(true);
            const full = checkPlans(applied, [dated]);
            const verdict = live.check([dated]);
            expect(verdict.ok).toBe(full.ok);
            const tried = live.impact(dated);
            if (!full.ok) {
              tally.refused += 1;
              expect(verdict).toEqual({ ok: false, problems: full.problems });
              expect(tried).toEqual({ ok: false, problems: full.problems });
              continue;
            }
            tally.accepted += 1;
            const expected = impact(base.history, full.history, dated.effective, dated.id);
            expect(tried).toEqual({ ok: true, impact: expected });
            tally.managerChanges += expected.managerChanges.length;
            tally.chainChanges += expected.chainChanges.length;
          }
        }),
        { numRuns: 300 },
      );
      expect(tally.accepted).toBeGreaterThan(50);
      expect(tally.refused).toBeGreaterThan(50);
      expect(tally.managerChanges).toBeGreaterThan(20);
      expect(tally.chainChanges).toBeGreaterThan(20);
    },
  );

  it('gives back its facts as a fresh read of the store would after plans are kept on it', () => {
    const plans = examplePlans();
    const applied = plans.slice(0, -1).map((p, i) => ({ plan: p.plan, seq: i + 1 }));
    const replayed = replay(applied);
    if (!replayed.ok) throw new Error('the examples must apply');
    const stored = (h: History) =>
      rowsToHistory(
        historyToRows(h),
        h.plans.map((p) => ({ ...p, sources: [] })),
      );
    const read = stored(replayed.history);
    const live = LiveOrg.resume({ ...read }, read.plans);
    expect(print(live.storeOrder())).toBe(print(read));
    // Kept by replaying the plans instead: the same facts, versions held for no time left out (a unit
    // renamed twice in a day).
    const twice = parsePlan(
      'plan: twice\ntitle: t\neffective: 2021-01-01\nchanges:\n  - rename: { unit: Engineering, to: Eng }\n  - rename: { unit: Eng, to: Engineering Two }\n',
      'twice.yaml',
    );
    const withTwice = [...acceptedPlans([BASE]), { plan: twice, seq: 2 }];
    const replayedTwice = replay(withTwice);
    if (!replayedTwice.ok) throw new Error('the renames must apply');
    expect(print(LiveOrg.of(withTwice)!.storeOrder())).toBe(print(stored(replayedTwice.history)));
    expect(print(LiveOrg.of(applied)!.storeOrder())).toBe(print(read));
    // Plans kept on it: new records, ended versions, new posts; then in store order again.
    const last = plans.at(-1)!.plan;
    const trial = live.begin([last]);
    if (!trial.ok) throw new Error('the last example must apply');
    trial.keep([{ ...summarize(last, plans.length), sources: [] }]);
    const all = replay([...applied, { plan: last, seq: plans.length }]);
    if (!all.ok) throw new Error('the examples must apply');
    const once = live.storeOrder();
    expect(print(once)).toBe(print(stored(all.history)));
    expect(once.plans.map((p) => p.id)).toEqual(plans.map((p) => p.plan.id));
    // Each call is a history of its own (caches keyed by it are not reused across versions).
    expect(live.storeOrder()).not.toBe(once);
    // Not while a trial is open: the records then hold facts not yet stored.
    const next = live.begin([{ ...last, id: 'again', effective: '2099-01-01', changes: [] }]);
    if (!next.ok) throw new Error('an empty plan must apply');
    expect(() => live.storeOrder()).toThrow(/trial/);
    next.abort();
  });

  it('gives the Big Taobao integration the impact the full replay gives', () => {
    const plans = examplePlans();
    const applied = plans.slice(0, -1).map((p, i) => ({ plan: p.plan, seq: i + 1 }));
    const last = plans.at(-1)!.plan;
    const live = LiveOrg.of(applied)!;
    const base = replay(applied);
    const full = checkPlans(applied, [last]);
    if (!base.ok || !full.ok) throw new Error('the examples must apply');
    expect(live.covers([last])).toBe(true);
    const tried = live.impact(last);
    expect(tried).toEqual({ ok: true, impact: impact(base.history, full.history, last.effective, last.id) });
    expect(tried.ok && tried.impact.posts.length).toBeGreaterThan(0);
  });

  it('leaves plans dated before the last applied plan to the full replay', () => {
    const applied = acceptedPlans([BASE]);
    const live = LiveOrg.of(applied)!;
    const plan = parsed(fc.sample(planSource(1), 1)[0]!)!;
    expect(live.covers([{ ...plan, effective: '2000-01-01' }])).toBe(false);
    expect(live.covers([applied[0]!.plan])).toBe(false);
  });
});
