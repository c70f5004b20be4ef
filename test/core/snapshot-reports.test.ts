import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../src/core/snapshot.ts';
import { addDays } from '../../src/core/time.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

const DAYS = DATES.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]);

describe('a snapshot’s direct reports', () => {
  it('are the people whose manager is that person, on random organizations', () => {
    let reports = 0;
    const scenario = organization.chain((org) =>
      fc.tuple(
        fc.constant(org),
        fc.array(planOver(org, 1), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...DAYS),
      ),
    );
    fc.assert(
      fc.property(scenario, ([org, plans, day]) => {
        const { history } = acceptedHistory([
          org.source,
          ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
        ]);
        const snap = new Snapshot(history, day);
        // Asked for first, before any manager is known, and again after.
        const first = [...snap.people.keys()].map((id) => [...snap.reportsOf(id)]);
        const people = [...snap.people.keys()];
        people.forEach((id, i) => {
          const expected = people.filter((other) => other !== id && snap.managerOf(other) === id);
          expect(first[i]).toEqual(expected);
          expect(snap.reportsOf(id)).toEqual(expected);
          reports += expected.length;
        });
      }),
      { numRuns: 200 },
    );
    expect(reports).toBeGreaterThan(200);
  });
});
