import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import { applyFirstPlans } from '../../src/core/first-plans.ts';
import { OrgEngine, type PlanInput } from '../../src/engine/org-engine.ts';
import { readImport } from '../../src/formats/hris-import.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { openStore } from '../../src/store/open.ts';
import type { OrgStore } from '../../src/store/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-first-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = () => new Date('2026-01-01T00:00:00.000Z');
let counter = 0;

const DAYS = ['2020-01-01', '2020-02-01', '2020-03-01', '2020-04-01', '2020-05-01'];

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * HRIS files with most of what an HR export holds — units that move, are renamed, change type, end
 * and come back; people who transfer, are promoted, renamed, change or lose managers and leave;
 * head posts and named posts, some held concurrently — and with mistakes in some: unknown parents,
 * cycles, sibling names that clash, managers who left, units dissolved with people in them.
 */
function hrisFiles(seed: number): { units: string; people: string; posts: string } {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number) => rand() < p;
  const periods = (start: number, most: number): Array<[number, number | null]> => {
    const out: Array<[number, number | null]> = [];
    let from = start;
    const count = 1 + Math.floor(rand() * most);
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (from >= DAYS.length - 1 || (last && chance(0.6))) {
        out.push([from, null]);
        break;
      }
      const to = from + 1 + Math.floor(rand() * (DAYS.length - 1 - from));
      out.push([from, to]);
      // Now and then a unit's next period starts after a gap.
      from = chance(0.1) && to < DAYS.length - 1 ? to + 1 : to;
      if (last) break;
    }
    return out;
  };
  const day = (i: number | null) => (i === null ? '' : DAYS[i]!);
  const unitCount = 2 + Math.floor(rand() * 5);
  // Units and people there from the first day to the last (most references go to them), and the rest.
  const steadyUnits = ['U0'];
  const units = ['unit_id,name,type,parent_id,valid_from,valid_to', 'U0,Company,company,,2020-01-01,'];
  for (let u = 1; u < unitCount; u++) {
    const base = pick(['Sales', 'Engineering', 'Ops', 'Platform']);
    const steady = chance(0.6);
    if (steady) steadyUnits.push(`U${u}`);
    const parentOf = () =>
      chance(0.9)
        ? steady
          ? pick(steadyUnits.slice(0, -1))
          : `U${Math.floor(rand() * u)}`
        : pick([`U${unitCount - 1}`, 'U99', `U${u}`]);
    const spans: Array<[number, number | null]> = steady
      ? [[0, null]]
      : periods(chance(0.6) ? 0 : Math.floor(rand() * 3), 3);
    if (steady && chance(0.5)) spans.splice(0, 1, [0, 2], [2, null]);
    for (const [from, to] of spans) {
      const name = chance(0.9) ? `${base} ${u}` : pick(['Sales 1', 'sales 1', `${base} ${u} New`]);
      units.push(`U${u},${name},${pick(['department', 'team'])},${parentOf()},${day(from)},${day(to)}`);
    }
  }
  const unitFor = () => (chance(0.85) ? pick(steadyUnits) : `U${Math.floor(rand() * unitCount)}`);
  const personCount = 2 + Math.floor(rand() * 9);
  const steadyPeople = ['P0'];
  const people = ['person_id,name,unit_id,manager_id,title,level,valid_from,valid_to'];
  people.push(`P0,Person 0,U0,,CEO,M9,2020-01-01,`);
  for (let p = 1; p < personCount; p++) {
    let name = `Person ${p}`;
    const steady = chance(0.6);
    const spans: Array<[number, number | null]> = steady
      ? [[0, null]]
      : periods(chance(0.7) ? 0 : Math.floor(rand() * 4), 3);
    if (steady && chance(0.4)) spans.splice(0, 1, [0, 1 + Math.floor(rand() * 3)], [0, null]);
    if (spans.length === 2 && spans[1]![0] === 0) spans[1] = [spans[0]![1]!, null];
    for (const [from, to] of spans) {
      if (chance(0.1)) name = `${name} B`;
      const manager = chance(0.1)
        ? ''
        : chance(0.9)
          ? pick(steadyPeople)
          : `P${Math.floor(rand() * personCount)}`;
      people.push(
        `P${p},${name},${unitFor()},${manager},${pick(['', 'Engineer', 'Lead'])},${pick(['', 'P1', 'P2'])},${day(from)},${day(to)}`,
      );
    }
    if (steady) steadyPeople.push(`P${p}`);
  }
  const posts = ['person_id,unit_id,post,valid_from,valid_to'];
  if (chance(0.7)) posts.push('P0,U0,head,2020-01-01,');
  const postCount = Math.floor(rand() * 4);
  for (let i = 0; i < postCount; i++) {
    const from = Math.floor(rand() * (DAYS.length - 1));
    const to = chance(0.5) ? null : from + 1 + Math.floor(rand() * (DAYS.length - 1 - from));
    const person = chance(0.8) ? pick(steadyPeople) : `P${Math.floor(rand() * personCount)}`;
    posts.push(
      `${person},${unitFor()},${pick(['head', 'head', 'Head', 'CTO', 'cto'])},${day(from)},${day(to)}`,
    );
  }
  return { units: `${units.join('\n')}\n`, people: `${people.join('\n')}\n`, posts: `${posts.join('\n')}\n` };
}

async function engine(name: string): Promise<OrgEngine> {
  const e = new OrgEngine(openStore(join(dir, `${name}-${++counter}.db`)), clock);
  await e.store.migrate();
  return e;
}

/** What applying gave: the stored rows, or the problems of the refusal. */
async function outcome(apply: () => Promise<unknown>, store: OrgEngine): Promise<string> {
  try {
    await apply();
    return `stored ${await store.store.dump()}`;
  } catch (error) {
    if (!(error instanceof OrgshiftError)) throw error;
    return `refused ${JSON.stringify(error.problems)}`;
  }
}

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
      });
      if (result.days.length === 0) return;
      seen.runs += 1;
      const inputs: PlanInput[] = result.plans();
      const usual = await engine('usual');
      const shortWay = await engine('short');
      short(shortWay.store);
      try {
        const first = applyFirstPlans(result.days);
        const expected = await outcome(() => usual.applyAll('default', inputs), usual);
        const got = await outcome(() => shortWay.applyFirst('default', result), shortWay);
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
      store.capabilities.firstCommitWriter = () => {
        writers += 1;
        return make();
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
