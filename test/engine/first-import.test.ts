import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFirstPlans } from '../../src/core/first-plans.ts';
import type { PlanInput } from '../../src/engine/org-engine.ts';
import { readImport } from '../../src/formats/hris-import.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import type { OrgStore } from '../../src/store/store.ts';
import { scratchEngines, storedOrRefused } from '../helpers.ts';
import { hrisFiles } from '../property/hris-files.ts';

const engine = scratchEngines('first');

/**
 * Imports `runs` random HRIS files both ways and expects the same stored rows or the same refusal;
 * `short` tunes the store of the short way. Returns how many were sure and how many refused.
 */
async function bothWays(
  runs: number,
  short: (store: OrgStore) => void,
): Promise<{ runs: number; sure: number; refused: number }> {
  const seen = { runs: 0, sure: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
      const files = hrisFiles(seed);
      const result = readImport({
        units: { file: 'units.csv', text: files.units },
        people: { file: 'people.csv', text: files.people },
        posts: { file: 'posts.csv', text: files.posts },
        lineage: { file: 'lineage.csv', text: files.lineage },
      });
      if (result.days.length === 0) return;
      seen.runs += 1;
      const inputs: PlanInput[] = result.plans();
      const usual = await engine('usual');
      const shortWay = await engine('short');
      short(shortWay.store);
      try {
        const first = applyFirstPlans(result.days);
        const expected = await storedOrRefused(usual, () => usual.applyAll('default', inputs));
        const got = await storedOrRefused(shortWay, () => shortWay.applyFirst('default', result));
        expect(got).toBe(expected);
        // Sure only of what the usual way accepts.
        if (first.ok) {
          expect(expected.startsWith('stored')).toBe(true);
          seen.sure += 1;
        }
        if (expected.startsWith('refused')) seen.refused += 1;
      } finally {
        await usual.store.close();
        await shortWay.store.close();
      }
    }),
    { numRuns: runs },
  );
  return seen;
}

describe("an organization's first plans applied the short way", () => {
  it('store what the usual way stores, row for row, and refuse what it refuses, with its problems', async () => {
    const { runs, sure, refused } = await bothWays(150, () => {});
    // The generator must exercise both: imports taken the short way, and refusals.
    expect(sure).toBeGreaterThan(runs / 4);
    expect(refused).toBeGreaterThan(runs / 10);
  });

  it('store the same when the writer thread stores the plans while the facts are made', async () => {
    let writers = 0;
    const { runs, sure, refused } = await bothWays(30, (store) => {
      store.bulkRows = 1;
      const make = store.capabilities.firstCommitWriter!.bind(store.capabilities);
      store.capabilities.firstCommitWriter = (alone) => {
        writers += 1;
        return make(alone);
      };
    });
    // Every import began on the writer (those the short way was not sure of were rolled back there, and
    // the usual way's commit took a writer of its own when it stored them). Refused imports store
    // nothing, so without the writer starting early there would be fewer writers than runs.
    expect(writers).toBeGreaterThanOrEqual(runs);
    expect(sure).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('go on like any other: a later plan is checked and applied against them', async () => {
    const result = readImport({
      units: {
        file: 'units.csv',
        text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\nS,Sales,team,C,2020-01-01,\n',
      },
      people: {
        file: 'people.csv',
        text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,,,,2020-01-01,\n2,Bob,S,1,,,2020-01-01,\n',
      },
    });
    expect(applyFirstPlans(result.days).ok).toBe(true);
    const e = await engine('later');
    try {
      await e.applyFirst('default', result);
      const source =
        'plan: p\ntitle: t\neffective: 2021-01-01\nchanges:\n  - transfer: { person: Bob, to: Co }\n';
      await e.apply('default', { plan: parsePlan(source, 'p.yaml'), source });
      const bob = await e.person('default', 'Bob', '2021-01-02');
      expect(bob.unit).toBe('Co');
      expect(bob.manager?.name).toBe('Ann');
    } finally {
      await e.store.close();
    }
  });

  it('are refused as a conflict, nothing of them stored, when another writer applies plans meanwhile', async () => {
    const result = readImport({
      units: {
        file: 'units.csv',
        text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n',
      },
      people: {
        file: 'people.csv',
        text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,,,,2020-01-01,\n',
      },
    });
    const e = await engine('conflict');
    try {
      const source =
        'plan: other\ntitle: t\neffective: 2019-01-01\nchanges:\n  - create: { unit: Other, type: company }\n';
      const commit = e.store.commit.bind(e.store);
      // The other writer's plan lands between the short way's check and its commit.
      e.store.commit = async (...args) => {
        e.store.commit = commit;
        await e.applyAll('default', [{ plan: parsePlan(source, 'other.yaml'), source }]);
        return commit(...args);
      };
      await expect(e.applyFirst('default', result)).rejects.toMatchObject({ id: 'conflict' });
      expect((await e.store.plans((await e.store.findOrg('default'))!.id)).map((p) => p.summary.id)).toEqual([
        'other',
      ]);
    } finally {
      await e.store.close();
    }
  });
});
