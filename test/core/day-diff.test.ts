import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeDays, emptyHistory, type History } from '../../src/core/model.ts';
import { type DiffChange, diff, diffSnapshots } from '../../src/core/queries.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { addDays } from '../../src/core/time.ts';
import { build, examplePlans } from '../helpers.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

/** The diff as it was computed before: a whole snapshot on every change day, compared with the previous. */
function snapshotDiff(history: History, from: string, to: string): DiffChange[] {
  const changes: DiffChange[] = [];
  let before = new Snapshot(history, from);
  for (const date of changeDays(history).filter((d) => d > from && d <= to)) {
    const after = new Snapshot(history, date);
    changes.push(...diffSnapshots(history, before, after, date));
    before = after;
  }
  return changes;
}

const DAYS = ['2019-12-31', ...DATES.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]), '2030-01-01'];

describe('the diff read from version boundaries', () => {
  it('gives the snapshot diff, entry for entry, on random organizations and windows', () => {
    let changes = 0;
    const scenario = organization.chain((org) =>
      fc.tuple(
        fc.constant(org),
        fc.array(planOver(org, 1), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...DAYS),
        fc.constantFrom(...DAYS),
      ),
    );
    fc.assert(
      fc.property(scenario, ([org, plans, a, b]) => {
        const sources = [
          org.source,
          ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
        ];
        const { history } = acceptedHistory(sources);
        const [from, to] = a <= b ? [a, b] : [b, a];
        const expected = snapshotDiff(history, from, to);
        changes += expected.length;
        expect(diff(history, from, to).changes).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    expect(changes).toBeGreaterThan(1000);
  });

  it('gives the snapshot diff over the whole history of the seeds', () => {
    const history = build(...examplePlans().map((p) => p.source));
    for (const [from, to] of [
      ['2000-01-01', '2030-01-01'],
      ['2021-12-05', '2022-01-06'],
      ['2022-01-05', '2022-01-06'],
    ] as const) {
      const expected = snapshotDiff(history, from, to);
      expect(expected.length).toBeGreaterThan(0);
      expect(diff(history, from, to).changes).toEqual(expected);
    }
  });
});

describe('a diff over a day with more changes than a call takes arguments', () => {
  it('lists them all (an import’s first day: hundreds of thousands of hires)', () => {
    const prov = { plan: 'import', inferred: false };
    const count = 200_000;
    const history: History = {
      ...emptyHistory(),
      units: new Map([
        [
          'co',
          {
            id: 'co',
            aliases: [],
            versions: [{ from: '2020-01-01', to: null, prov, name: 'Co', type: 'company', parent: null }],
          },
        ],
      ]),
      people: new Map(
        Array.from({ length: count }, (_, i) => [
          `p${i}`,
          {
            id: `p${i}`,
            aliases: [],
            unnamed: false,
            versions: [
              {
                from: '2020-01-01',
                to: null,
                prov,
                name: `Person ${i}`,
                level: null,
                title: null,
                unit: 'co',
              },
            ],
          },
        ]),
      ),
    };
    const changes = diff(history, '2019-12-31', '2020-01-01').changes;
    expect(changes.filter((c) => c.kind === 'person-joined')).toHaveLength(count);
    expect(changes).toHaveLength(count);
  });
});
