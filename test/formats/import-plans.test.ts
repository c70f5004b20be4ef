import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/core/model.ts';
import { importedAgain, planImport } from '../../src/formats/hris-import.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';

// Every kind of change an import makes: units created, moved, renamed, re-typed with a status and a
// further parent, ended with successors, superseded while they stay; people hired, transferred,
// renamed, promoted (a level cleared), reporting to someone and then to no one, leaving; posts
// appointed (one concurrently) and vacated.
const input = {
  units: {
    file: 'units.csv',
    text: `unit_id,name,type,parent_id,other_parent_ids,status,valid_from,valid_to
C,Company,company,,,,2020-01-01,
A,Alpha,team,C,,,2020-01-01,2021-01-01
A,Alpha Prime,division,B,C;B,open,2021-01-01,
B,Beta,team,C,,,2020-01-01,2021-06-01
B,Beta,department,C,,,2021-06-01,
D,Delta,team,C,,,2020-01-01,2022-01-01
D1,Delta One,team,C,,,2022-01-01,
`,
  },
  people: {
    file: 'people.csv',
    text: `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann,C,,CEO,M9,2020-01-01,
2,Bob,A,1,Engineer,P5,2020-01-01,2021-01-01
2,Robert,B,1,Lead,,2021-01-01,2021-06-01
2,Robert,B,,Lead,,2021-06-01,2023-01-01
3,Cy,D,1,,,2020-01-01,
`,
  },
  posts: {
    file: 'posts.csv',
    text: `person_id,unit_id,post,valid_from,valid_to
1,C,head,2020-01-01,
1,D,head,2020-01-01,2021-03-01
3,D,deputy,2020-01-01,2022-01-01
`,
  },
  lineage: {
    file: 'lineage.csv',
    text: `unit_id,successor_id,kind,date
D,D1,replace,2022-01-01
B,A,merge,2022-06-01
`,
  },
};

/** An operation without where it was written: a CSV row for the import, a line of YAML for the text. */
function content(op: Operation): Record<string, unknown> {
  const { location: _location, keyLocations: _keys, ...rest } = op;
  return rest;
}

describe('the plans an import makes', () => {
  it('are written as plan files that read back as the very operations applied', () => {
    const result = planImport(input);
    expect(result.rejected).toEqual([]);
    const kinds = new Set(result.plans.flatMap((p) => p.plan.changes.map((c) => c.kind)));
    expect([...kinds].sort()).toEqual(
      [
        'appoint',
        'create',
        'dissolve',
        'hire',
        'leave',
        'move',
        'promote',
        'rename',
        'report',
        'supersede',
        'transfer',
        'update',
        'vacate',
      ].sort(),
    );
    for (const { plan, source } of result.plans) {
      const read = parsePlan(source, plan.file);
      expect(read.id).toBe(plan.id);
      expect(read.effective).toBe(plan.effective);
      expect(read.changes.map(content)).toEqual(plan.changes.map(content));
      // Nothing left undefined that the text leaves out (a key present only in one of them).
      for (const [i, op] of plan.changes.entries())
        expect(Object.keys(content(op)).sort()).toEqual(Object.keys(content(read.changes[i]!)).sort());
    }
  });
});

describe('importedAgain with replace', () => {
  it('replaces a day of 200k changes, and leaves a day with the same changes in the same order', () => {
    const text = (id: string, effective: string, lines: string[]) =>
      `plan: "${id}"\ntitle: "t"\neffective: ${effective}\nsnapshot: true\nchanges:\n${lines.join('\n')}\n`;
    const many = Array.from({ length: 200_000 }, (_, i) => `  - {"leave":{"person":"#p${i}"}}`);
    const held = [
      {
        id: 'import-a-2020-01-01',
        effective: '2020-01-01',
        source: text('import-a-2020-01-01', '2020-01-01', many),
      },
      {
        id: 'import-a-2020-02-01',
        effective: '2020-02-01',
        source: text('import-a-2020-02-01', '2020-02-01', many.slice(0, 2)),
      },
      { id: 'by-hand', effective: '2020-03-01', source: text('by-hand', '2020-03-01', many.slice(0, 1)) },
    ];
    const imported = (id: string, effective: string, lines: string[]) => ({
      plan: parsePlan(text(id, effective, lines), 'p.yaml'),
      source: text(id, effective, lines),
    });
    const { plans, replaces } = importedAgain(
      [
        imported('import-b-2020-01-01', '2020-01-01', many.slice(1)),
        imported('import-b-2020-02-01', '2020-02-01', many.slice(0, 2)),
      ],
      held,
      true,
    );
    expect(plans.map((p) => p.plan.id)).toEqual(['import-b-2020-01-01']);
    expect(replaces).toEqual(['import-a-2020-01-01']);
    // The second day in another order is replaced too; plans not imported never are.
    const swapped = importedAgain(
      [imported('import-c-2020-02-01', '2020-02-01', [many[1]!, many[0]!])],
      held,
      true,
    );
    expect(swapped.plans.map((p) => p.plan.id)).toEqual(['import-c-2020-02-01']);
    expect(swapped.replaces).toEqual(['import-a-2020-02-01', 'import-a-2020-01-01']);
  });
});
