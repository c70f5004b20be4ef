import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History } from '../../src/core/model.ts';
import { checkPlans } from '../../src/core/replay.ts';
import { snapshotAt } from '../../src/core/snapshot.ts';
import { addDays, type Day } from '../../src/core/time.ts';
import { csvLineage, csvPeople, csvPosts, csvUnits } from '../../src/formats/export.ts';
import { planImport } from '../../src/formats/hris-import.ts';
import { joined } from '../../src/formats/pieces.ts';
import { build, examplePlans } from '../helpers.ts';
import { acceptedHistory, organization, planOver } from '../property/generators.ts';
import { hrisFiles } from '../property/hris-files.ts';

interface Files {
  units: string;
  people: string;
  posts: string;
  lineage?: string;
}

/** The files imported into a new organization: its history, or what was refused and why. */
function imported(files: Files, inclusiveEnd = false): { history: History } | { refused: string } {
  const result = planImport({
    units: { file: 'units.csv', text: files.units },
    people: { file: 'people.csv', text: files.people },
    posts: { file: 'posts.csv', text: files.posts },
    ...(files.lineage !== undefined ? { lineage: { file: 'lineage.csv', text: files.lineage } } : {}),
    ...(inclusiveEnd ? { inclusiveEnd } : {}),
  });
  if (result.rejected.length > 0) return { refused: JSON.stringify(result.rejected) };
  const checked = checkPlans(
    [],
    result.plans.map((p) => p.plan),
  );
  return checked.ok ? { history: checked.history } : { refused: JSON.stringify(checked.problems) };
}

/** The import format's four files, every period (`export --full`; `--inclusive-end` with `inclusiveEnd`). */
function exported(history: History, inclusiveEnd = false): Files {
  const ends = { inclusiveEnd };
  return {
    units: joined(csvUnits(history, undefined, ends)),
    people: joined(csvPeople(history, undefined, ends)),
    posts: joined(csvPosts(history, undefined, ends)),
    lineage: joined(csvLineage(history)),
  };
}

/** Exported, imported into a new organization and exported again: the same files, or the refusal. */
function roundTrip(history: History): { first: Files; again: Files | string } {
  const first = exported(history);
  const back = imported(first);
  return { first, again: 'refused' in back ? back.refused : exported(back.history) };
}

describe('an export imported again', () => {
  it('gives back the same files for the example organization (plans with concurrent posts)', () => {
    const { first, again } = roundTrip(build(...examplePlans().map((p) => p.source)));
    expect(first.posts.split('\n').length).toBeGreaterThan(10);
    expect(again).toEqual(first);
  });

  it('keeps the posts the files keep: two in one unit, and those kept on moving to another unit', () => {
    const files = {
      units:
        'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\nX,X,team,C,2020-01-01,\nY,Y,team,C,2020-01-01,\n',
      people:
        'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nA,Ann,X,,,,2020-01-01,2021-01-01\nA,Ann,Y,,,,2021-01-01,\nB,Bo,X,,,,2020-01-01,\n',
      posts:
        'person_id,unit_id,post,valid_from,valid_to\nA,X,head,2020-01-01,\nA,X,CTO,2020-06-01,\nA,Y,head,2021-01-01,\nB,X,COO,2020-01-01,2020-03-01\nB,X,COO,2020-06-01,\n',
    };
    const once = imported(files);
    if ('refused' in once) throw new Error(once.refused);
    const held = once.history.posts
      .filter((p) => p.holder === 'A' && p.from <= '2021-06-01' && (p.to === null || p.to > '2021-06-01'))
      .map((p) => `${p.unit} ${p.post}`)
      .sort();
    expect(held).toEqual(['X CTO', 'X head', 'Y head']);
    const lines = (text: string) => text.trim().split('\n').slice(1).sort();
    expect(lines(exported(once.history).posts)).toEqual(lines(files.posts));
    const { first, again } = roundTrip(once.history);
    expect(again).toEqual(first);
  });

  it("writes valid_to as a period's last day with inclusiveEnd", () => {
    const history = build(...examplePlans().map((p) => p.source));
    const [header, ...rows] = exported(history).people.trim().split('\n');
    const [inclusiveHeader, ...inclusiveRows] = exported(history, true).people.trim().split('\n');
    expect(inclusiveHeader).toBe(header);
    const ended = rows.filter((r) => !r.endsWith(','));
    expect(ended.length).toBeGreaterThan(3);
    for (const [i, row] of rows.entries()) {
      const to = row.slice(row.lastIndexOf(',') + 1);
      const last = inclusiveRows[i]!.slice(inclusiveRows[i]!.lastIndexOf(',') + 1);
      expect(last).toBe(to === '' ? '' : addDays(to as Day, -1));
    }
  });

  it('gives back a person who left and was rehired: one record, a gap in its periods', () => {
    const start = `plan: start
title: Start
effective: 2020-01-01
changes:
  - create: { unit: Co, type: company }
  - create: { unit: Sales, type: team, parent: Co }
  - hire: { person: Ann, unit: Sales, level: P3 }
  - hire: { person: Bo, unit: Sales }
  - appoint: { person: Ann, unit: Sales, post: head }
`;
    const leaves =
      'plan: leaves\ntitle: Ann leaves\neffective: 2020-06-01\nchanges:\n  - leave: { person: Ann }\n';
    const back = `plan: back
title: Ann is back
effective: 2021-01-01
changes:
  - hire: { person: Ann, unit: Sales, level: P4 }
  - appoint: { person: Ann, unit: Sales, post: head }
`;
    const { first, again } = roundTrip(build(start, leaves, back));
    expect(first.people).toContain(
      'ann,Ann,sales,,,P3,2020-01-01,2020-06-01\nann,Ann,sales,,,P4,2021-01-01,\n',
    );
    expect(again).toEqual(first);
    const once = imported(first);
    if ('refused' in once) throw new Error(once.refused);
    const ann = once.history.people.get('ann')!;
    expect(ann.versions.map((v) => [v.from, v.to, v.level])).toEqual([
      ['2020-01-01', '2020-06-01', 'P3'],
      ['2021-01-01', null, 'P4'],
    ]);
  });

  it('writes one row for back-to-back periods the file cannot tell apart (a unit moved away and back in one plan)', () => {
    const there = `plan: there
title: There and back
effective: 2020-06-01
changes:
  - move: { unit: Sales, to: Co }
  - move: { unit: Sales, to: Region }
`;
    const history = build(
      'plan: org\ntitle: Org\neffective: 2020-01-01\nchanges:\n  - create: { unit: Co, type: company }\n  - create: { unit: Region, type: team, parent: Co }\n  - create: { unit: Sales, type: team, parent: Region }\n',
      there,
    );
    expect(history.units.get('sales')!.versions).toHaveLength(2);
    const { first, again } = roundTrip(history);
    expect(first.units).toContain('sales,Sales,team,region,,,2020-01-01,\n');
    expect(again).toEqual(first);
  });

  it('gives back every kind of succession through the lineage file', () => {
    const org = `plan: org
title: Org
effective: 2020-01-01
changes:
  - create: { unit: Co, type: company }
  - create: { unit: A, type: team, parent: Co }
  - create: { unit: B, type: team, parent: Co }
  - create: { unit: C, type: team, parent: Co }
  - create: { unit: D, type: team, parent: Co }
  - create: { unit: E, type: team, parent: Co }
  - create: { unit: F, type: team, parent: Co }
  - create: { unit: G, type: team, parent: Co }
  - create: { unit: H, type: team, parent: Co }
  - create: { unit: I, type: team, parent: Co }
  - create: { unit: J, type: team, parent: Co }
  - hire: { person: Ann, unit: A }
  - hire: { person: Bo, unit: C }
  - hire: { person: Cy, unit: D }
`;
    const changes = `plan: reorg
title: Reorg
effective: 2021-01-01
changes:
  - merge: { units: [A, B], into: [{ name: AB, type: team }] }
  - split: { unit: C, into: [{ name: C1, type: team }, { name: C2, type: team }], rest: C1 }
  - dissolve: { unit: D, successors: [E], as: replace }
  - supersede: { unit: F, by: [G], as: rename }
  - supersede: { unit: H, by: [G], as: merge }
  - dissolve: { unit: H, successors: [E], as: replace }
  - supersede: { unit: I, by: [J], as: merge }
  - dissolve: { unit: J }
`;
    const { first, again } = roundTrip(build(org, changes));
    expect(first.lineage).toBe(
      [
        'unit_id,successor_id,kind,date',
        'a,ab,merge,2021-01-01',
        'b,ab,merge,2021-01-01',
        'c,c1,split,2021-01-01',
        'c,c2,split,2021-01-01',
        'd,e,replace,2021-01-01',
        'f,g,rename,2021-01-01',
        'h,e,replace,2021-01-01',
        'h,g,merge,2021-01-01',
        'i,j,merge,2021-01-01',
        '',
      ].join('\n'),
    );
    expect(again).toEqual(first);
  });

  it('gives back successions in a row on one day, whatever the order of the units in the file', () => {
    // C merges into B, B into A, and A is split: each is dissolved before the successor it names,
    // though the units file (in id order) has A, then B, then C.
    const history = build(
      `plan: org
title: Org
effective: 2020-01-01
changes:
  - create: { unit: Co, type: company }
  - create: { unit: A, type: team, parent: Co }
  - create: { unit: B, type: team, parent: Co }
  - create: { unit: C, type: team, parent: Co }
  - hire: { person: Ann, unit: A }
  - hire: { person: Bo, unit: B }
  - hire: { person: Cy, unit: C }
`,
      `plan: reorg
title: Reorg
effective: 2021-01-01
changes:
  - merge: { units: [C], into: B }
  - merge: { units: [B], into: A }
  - split: { unit: A, into: [{ name: N1, type: team }, { name: N2, type: team }], rest: N1 }
`,
    );
    const { first, again } = roundTrip(history);
    expect(first.lineage).toBe(
      [
        'unit_id,successor_id,kind,date',
        'a,n1,split,2021-01-01',
        'a,n2,split,2021-01-01',
        'b,a,merge,2021-01-01',
        'c,b,merge,2021-01-01',
        '',
      ].join('\n'),
    );
    expect(again).toEqual(first);
  });

  it('takes a unit and its parent trading places on one day, whatever the order of their rows', () => {
    // On 2021-01-01 B leaves A for the company and A goes under B: A's row comes first in the file,
    // and moving it first would put it under its own child.
    const files = {
      units: `unit_id,name,type,parent_id,valid_from,valid_to
a,A,team,co,2020-01-01,2021-01-01
a,A,team,b,2021-01-01,
b,B,team,a,2020-01-01,2021-01-01
b,B,team,co,2021-01-01,
co,Co,company,,2020-01-01,
`,
      people: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n',
      posts: 'person_id,unit_id,post,valid_from,valid_to\n',
    };
    const back = imported(files);
    if ('refused' in back) throw new Error(back.refused);
    expect(back.history.units.get('a')!.versions.map((v) => [v.from, v.parent])).toEqual([
      ['2020-01-01', 'co'],
      ['2021-01-01', 'b'],
    ]);
    expect(roundTrip(back.history).again).toEqual(exported(back.history));
  });

  it('gives back a unit succeeded by one unit in two ways on one day', () => {
    const files = {
      units: `unit_id,name,type,parent_id,valid_from,valid_to
co,Co,company,,2020-01-01,
u1,U1,team,co,2020-01-01,
u2,U2,team,co,2020-01-01,2021-01-01
`,
      people: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n',
      posts: 'person_id,unit_id,post,valid_from,valid_to\n',
      lineage: 'unit_id,successor_id,kind,date\nu2,u1,split,2021-01-01\nu2,u1,merge,2021-01-01\n',
    };
    const once = imported(files);
    if ('refused' in once) throw new Error(once.refused);
    const { first, again } = roundTrip(once.history);
    expect(first.lineage).toBe(
      'unit_id,successor_id,kind,date\nu2,u1,merge,2021-01-01\nu2,u1,split,2021-01-01\n',
    );
    expect(again).toEqual(first);
  });

  it('gives back the same files for organizations made by random plans', () => {
    let posts = 0;
    let successions = 0;
    fc.assert(
      fc.property(
        organization.chain((org) =>
          fc.tuple(fc.constant(org), fc.array(planOver(org, 1), { minLength: 1, maxLength: 6 })),
        ),
        ([org, plans]) => {
          const { history } = acceptedHistory([
            org.source,
            ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
          ]);
          const { first, again } = roundTrip(history);
          expect(again).toEqual(first);
          // With valid_to as last days both ways, the same organization.
          const inclusive = imported(exported(history, true), true);
          expect('refused' in inclusive ? inclusive.refused : exported(inclusive.history)).toEqual(first);
          posts += first.posts.split('\n').length - 2;
          successions += first.lineage!.split('\n').length - 2;
        },
      ),
      { numRuns: 200 },
    );
    expect(posts).toBeGreaterThan(100);
    // Merges, splits and supersessions came up, and went through the lineage file.
    expect(successions).toBeGreaterThan(5);
  });

  it('gives back the same files for random HRIS files that import', () => {
    let rounds = 0;
    let rehires = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const files = hrisFiles(seed);
        const once = imported(files);
        if ('refused' in once) return;
        rounds += 1;
        if (hasGap(files.people)) rehires += 1;
        const { first, again } = roundTrip(once.history);
        expect(again).toEqual(first);
      }),
      { numRuns: 300 },
    );
    expect(rounds).toBeGreaterThan(50);
    expect(rehires).toBeGreaterThan(3);
  });
});

describe('random HRIS files that import', () => {
  it("give every person, on every day of each row, the row's manager_id as their manager", () => {
    let checked = 0;
    let unstored = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const files = hrisFiles(seed);
        const once = imported(files);
        if ('refused' in once) return;
        const { history } = once;
        for (const line of files.people.trim().split('\n').slice(1)) {
          const [id, , , manager, , , from, to] = line.split(',') as string[];
          if (!manager) continue;
          // Each month's first day within the row's period (the files' days are months apart).
          for (let day = from!; !to || day < to; day = nextMonth(day)) {
            expect(snapshotAt(history, day).managerOf(id!), `${line} on ${day}`).toBe(manager);
            checked += 1;
            if (day > '2020-12-01') break;
          }
          if (!history.lines.some((l) => l.person === id && l.manager === manager)) unstored += 1;
        }
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(500);
    // Rows whose manager_id the organization gives anyway, stored without a line of their own, came up.
    expect(unstored).toBeGreaterThan(20);
  });
});

function nextMonth(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Whether someone in a people file has a period that starts after a gap (a rehire). */
function hasGap(people: string): boolean {
  const periods = new Map<string, Array<[string, string]>>();
  for (const line of people.trim().split('\n').slice(1)) {
    const cells = line.split(',');
    const list = periods.get(cells[0]!) ?? [];
    list.push([cells[6]!, cells[7]!]);
    periods.set(cells[0]!, list);
  }
  return [...periods.values()].some((list) =>
    list.sort(([a], [b]) => a.localeCompare(b)).some(([from], i) => i > 0 && list[i - 1]![1] !== from),
  );
}
