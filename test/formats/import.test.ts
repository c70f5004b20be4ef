import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { processIo, progressBar } from '../../src/cli/output.ts';
import type { OrgshiftError } from '../../src/core/errors.ts';
import type { History } from '../../src/core/model.ts';
import { checkPlans } from '../../src/core/replay.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { planImport } from '../../src/formats/hris-import.ts';
import { runCli } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function files(contents: Record<string, string | Buffer>): Record<string, string> {
  counter += 1;
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(contents)) {
    paths[name] = join(dir, `${counter}-${name}.csv`);
    writeFileSync(paths[name]!, text);
  }
  return paths;
}

const cli = (...args: string[]) => runCli(args);

const UNITS = `\uFEFFunit_id,name,type,parent_id,valid_from,valid_to
C,Company,company,,2020-01-01,
S,Sales,department,C,2020-01-01,2021-01-01
S,Revenue,department,C,2021-01-01,
E,Engineering,department,C,2020-01-01,2022-01-01
P,Platform,team,E,2020-01-01,2021-06-01
P,Platform,team,S,2021-06-01,
`;
const PEOPLE = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann Boss,C,,CEO,M9,2020-01-01,
2,"Smith, Bob",S,1,Seller,P5,2020-01-01,2021-01-01
2,"Smith, Bob",S,1,Seller,P6,2021-01-01,
3,Cy Dev,P,1,Engineer,P6,2020-01-01,2021-06-01
3,Cy Dev,P,2,Engineer,P6,2021-06-01,
4,Di Gone,E,1,,P4,2020-01-01,2020-06-01
`;
const POSTS = `person_id,unit_id,post,valid_from,valid_to
1,C,head,2020-01-01,
2,S,head,2020-01-01,
`;

describe('importing HRIS CSVs', () => {
  it('turns periods into dated changes, keeping ids, and answers as of any date', async () => {
    const paths = files({ units: UNITS, people: PEOPLE, posts: POSTS });
    const db = join(dir, 'ok.db');
    const result = await cli(
      '--db',
      db,
      'import',
      '--units',
      paths.units!,
      '--people',
      paths.people!,
      '--posts',
      paths.posts!,
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('read 14 rows: 14 accepted, 0 rejected');
    const engine = await OrgEngine.open(db);
    const before = await engine.tree('default', '2020-12-31');
    expect(before.root?.children.map((c) => c.name)).toEqual(['Engineering', 'Sales']);
    const after = await engine.tree('default', '2022-01-01');
    expect(after.root?.children.map((c) => [c.id, c.name])).toEqual([['S', 'Revenue']]);
    expect(after.root?.children[0]?.children.map((c) => c.name)).toEqual(['Platform']);
    const bob = await engine.person('default', '#2', '2021-02-01');
    expect([bob.name, bob.level, bob.unit, bob.manager?.name]).toEqual([
      'Smith, Bob',
      'P6',
      'Revenue',
      'Ann Boss',
    ]);
    const cy = await engine.person('default', 'Cy Dev', '2021-07-01');
    expect(cy.manager?.name).toBe('Smith, Bob');
    expect(cy.chain).toEqual(['Smith, Bob', 'Ann Boss']);
    await expect(engine.person('default', 'Di Gone', '2020-07-01')).rejects.toThrow(
      /did not exist on 2020-07-01/,
    );
    const lineage = await engine.lineage('default', 'Revenue');
    expect(lineage.events.map((e) => e.kind)).toEqual(['create', 'rename']);
    await engine.close();
  });

  it('reports every bad row with file, line and reason, and imports nothing', async () => {
    const paths = files({
      units: `unit_id,name,type,parent_id,valid_from,valid_to
C,Company,company,,2020-01-01,
S,Sales,department,C,2020-02-30,
T,,team,C,2020-01-01,
U,Ops,team,C,2021-01-01,2020-01-01
C,Company Again,company,,2020-06-01,
V,Extra,team,C,2020-01-01,,surplus
`,
    });
    const db = join(dir, 'bad.db');
    const result = await cli('--db', db, 'import', '--units', paths.units!);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${paths.units}:3:1: valid_from "2020-02-30" is not a calendar day (YYYY-MM-DD)`,
      `${paths.units}:4:1: empty name`,
      `${paths.units}:5:1: the period ends (2020-01-01) before it starts (2021-01-01)`,
      `${paths.units}:6:1: the period 2020-06-01.. overlaps the one on line 2 (2020-01-01..)`,
      `${paths.units}:7:1: the row has 7 fields; the header has 6`,
      // The summary last: rows read = accepted + rejected.
      'orgshift: read 6 rows: 1 accepted, 5 rejected; nothing imported (--allow-partial imports the rest)',
    ]);
    expect((await cli('--db', db, 'plan', 'list', '--json')).stdout).toContain('"plans": []');
  });

  it('imports the valid rows with --allow-partial, and says how many were rejected', async () => {
    const paths = files({
      units: `unit_id,name,type,parent_id,valid_from,valid_to\nC,Company,company,,2020-01-01,\nS,Sales,department,C,not a date,\n`,
    });
    const result = await cli(
      '--db',
      join(dir, 'partial.db'),
      'import',
      '--units',
      paths.units!,
      '--allow-partial',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('read 2 rows: 1 accepted, 1 rejected; 1 dated plans applied');
  });

  it('refuses a cycle through manager_id, an unknown parent and a missing column, at the rows', async () => {
    const cycle = files({
      units: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Company,company,,2020-01-01,\n',
      people:
        'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,2,,,2020-01-01,\n2,Bo,C,1,,,2020-01-01,\n',
    });
    const result = await cli(
      '--db',
      join(dir, 'cycle.db'),
      'import',
      '--units',
      cycle.units!,
      '--people',
      cycle.people!,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `${cycle.people!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: report \\(changes\\[\\d\\]\\): reporting lines form a cycle`,
      ),
    );
    const orphan = files({
      units:
        'unit_id,name,type,parent_id,valid_from,valid_to\nC,Company,company,,2020-01-01,\nS,Sales,department,X,2020-01-01,\n',
    });
    const unknown = await cli('--db', join(dir, 'orphan.db'), 'import', '--units', orphan.units!);
    expect(unknown.stderr).toContain(
      `${orphan.units}:3:1: create (changes[1]): no unit with id "X" on 2020-01-01`,
    );
    const missing = files({ people: 'person_id,name,unit_id\n1,Ann,C\n' });
    const columns = await cli('--db', join(dir, 'missing.db'), 'import', '--people', missing.people!);
    expect(columns.code).toBe(1);
    expect(columns.stderr).toContain(
      `${missing.people}:1:1: the header lacks manager_id, title, level, valid_from, valid_to`,
    );
  });

  it('refuses bytes that are not UTF-8, naming the line', async () => {
    const paths = files({
      units: Buffer.concat([
        Buffer.from('unit_id,name,type,parent_id,valid_from,valid_to\nC,Caf'),
        Buffer.from([0xe9]),
        Buffer.from(',company,,2020-01-01,\n'),
      ]),
    });
    const result = await cli('--db', join(dir, 'latin1.db'), 'import', '--units', paths.units!);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${paths.units}:2:1: bytes that are not UTF-8`);
  });

  it('refuses a file it cannot read, naming it, and writes nothing', async () => {
    const paths = files({ units: UNITS });
    const db = join(dir, 'unreadable.db');
    const gone = join(dir, 'no-such-people.csv');
    const result = await cli('--db', db, 'import', '--units', paths.units!, '--people', gone);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot read ${gone}`);
    const engine = await OrgEngine.open(db);
    try {
      expect(await engine.plans('default')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});

describe('progress on a terminal', () => {
  it('shows a bar through each file and stage when stderr is a terminal, and clears it', async () => {
    const paths = files({ units: UNITS, people: PEOPLE, posts: POSTS });
    const shown: Array<string | null> = [];
    let stderr = '';
    const code = await run(
      ['--db', join(dir, 'progress.db'), 'import', '--units', paths.units!, '--people', paths.people!],
      {
        out: () => {},
        write: async () => {},
        err: (t) => {
          stderr += t;
        },
        progress: (line) => shown.push(line),
      },
    );
    expect(code).toBe(0);
    const lines = shown.filter((l): l is string => l !== null);
    expect(lines[0]).toMatch(new RegExp(`^import \\[\\.{24}\\]   0% reading ${paths.units}$`));
    expect(lines).toContainEqual(expect.stringMatching(/read .*units\.csv: 6 rows$/));
    expect(lines).toContainEqual(expect.stringMatching(/read .*people\.csv: 6 rows$/));
    // Then the plans' changes are checked and their facts written, on the same bar, to its end.
    expect(lines).toContainEqual(
      expect.stringMatching(/^import \[[#.]{24}\] +\d+% checking \d+ plans: \d+ of \d+ changes$/),
    );
    expect(lines.at(-1)).toMatch(/^import \[#{24}\] 100% writing facts: (\d+) of \1 rows$/);
    // The bar never goes backwards, and it is cleared before the summary is printed.
    const shares = lines.map((l) => Number(/(\d+)%/.exec(l)![1]));
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    expect(shown.at(-1)).toBeNull();
    expect(stderr).toContain('read 12 rows: 12 accepted, 0 rejected');
  });

  it('draws no bar when stderr is not a terminal (as in tests and pipes)', () => {
    expect(process.stderr.isTTY).toBeFalsy();
    expect(processIo.progress).toBeUndefined();
    expect(progressBar(1, 4, 8)).toBe('[##......]  25%');
    expect(progressBar(5, 0, 4)).toBe('[####] 100%');
  });
});

describe('fuzzed CSVs', () => {
  it('never crash: every refusal is located and changes nothing', async () => {
    const { default: fc } = await import('fast-check');
    const { planImport } = await import('../../src/formats/hris-import.ts');
    const { OrgshiftError } = await import('../../src/core/errors.ts');
    const engine = await OrgEngine.open(join(dir, 'fuzz.db'));
    const cell = fc.oneof(
      fc.constantFrom('C', 'S', '1', '2', '', '2020-01-01', '2021-13-01', 'x,y', '"q"'),
      fc.string({ maxLength: 6 }),
    );
    const quote = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    const row = fc.array(cell, { maxLength: 8 }).map((cells) => cells.map(quote).join(','));
    const file = fc
      .array(row, { maxLength: 6 })
      .map((rows) => ['unit_id,name,type,parent_id,valid_from,valid_to', ...rows].join('\n'));
    let refused = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(file, fc.string({ maxLength: 40 })), async (text) => {
        runs += 1;
        const org = `fuzz-${runs}`;
        let result: ReturnType<typeof planImport>;
        try {
          result = planImport({ units: { file: 'units.csv', text } });
        } catch (error) {
          expect(error).toBeInstanceOf(OrgshiftError);
          for (const p of (error as InstanceType<typeof OrgshiftError>).problems)
            expect(p.location?.line).toBeGreaterThanOrEqual(1);
          refused += 1;
          return;
        }
        for (const p of result.rejected) expect(p.location?.line).toBeGreaterThanOrEqual(1);
        if (result.rejected.length > 0 || result.plans.length === 0) return;
        try {
          await engine.applyAll(org, result.plans);
        } catch (error) {
          expect(error).toBeInstanceOf(OrgshiftError);
          for (const p of (error as InstanceType<typeof OrgshiftError>).problems)
            expect(p.location?.file).toBe('units.csv');
          refused += 1;
          expect(await engine.plans(org)).toEqual([]);
          expect((await engine.tree(org, '2030-01-01')).root).toBeNull();
        }
      }),
      { numRuns: 200 },
    );
    expect(refused).toBeGreaterThan(0);
    await engine.close();
  });
});

describe('the lineage file', () => {
  it('records merges and splits between imported units, and places what the ended units held', async () => {
    const paths = files({
      units: `unit_id,name,type,parent_id,valid_from,valid_to
C,Company,company,,2020-01-01,
A,Alpha,team,C,2020-01-01,2021-01-01
B,Beta,team,C,2020-01-01,2021-01-01
AB,Alpha Beta,team,C,2021-01-01,
D,Delta,team,C,2020-01-01,2022-01-01
D1,Delta One,team,C,2022-01-01,
D2,Delta Two,team,C,2022-01-01,
`,
      people: `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann,A,,,,2020-01-01,
`,
      lineage: `unit_id,successor_id,kind,date
A,AB,merge,2021-01-01
B,AB,merge,2021-01-01
D,D1,split,2022-01-01
D,D2,split,2022-01-01
`,
    });
    const db = join(dir, 'lineage.db');
    const result = await cli(
      '--db',
      db,
      'import',
      '--units',
      paths.units!,
      '--people',
      paths.people!,
      '--lineage',
      paths.lineage!,
    );
    expect(result.code, result.stderr).toBe(0);
    const engine = await OrgEngine.open(db);
    const ab = await engine.lineage('default', 'Alpha Beta');
    expect(ab.events.filter((e) => e.kind === 'merge').map((e) => [e.from, e.to])).toEqual([
      [['Alpha'], ['Alpha Beta']],
      [['Beta'], ['Alpha Beta']],
    ]);
    expect((await engine.lineage('default', 'Delta')).events.find((e) => e.kind === 'split')).toMatchObject({
      date: '2022-01-01',
      from: ['Delta'],
      to: ['Delta One', 'Delta Two'],
    });
    // Ann stays in Alpha in the people file, so the merge places her in its successor.
    expect((await engine.person('default', 'Ann', '2021-06-01')).unit).toBe('Alpha Beta');
    await engine.close();

    const bad = files({
      units:
        'unit_id,name,type,parent_id,valid_from,valid_to\nC,Company,company,,2020-01-01,\nA,Alpha,team,C,2020-01-01,2021-01-01\n',
      lineage:
        'unit_id,successor_id,kind,date\nA,C,merge,2019-06-01\nA,Z,merge,2021-01-01\nA,C,absorb,2021-01-01\n',
    });
    const refused = await cli(
      '--db',
      join(dir, 'lineage-bad.db'),
      'import',
      '--units',
      bad.units!,
      '--lineage',
      bad.lineage!,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `${bad.lineage}:2:1: unit "A" does not exist on 2019-06-01, nor does it end that day`,
      `${bad.lineage}:3:1: no unit "Z" in the units file`,
      `${bad.lineage}:4:1: kind must be merge, split, replace or rename, found "absorb"`,
      'orgshift: read 5 rows: 2 accepted, 3 rejected; nothing imported (--allow-partial imports the rest)',
    ]);
  });

  it('takes a status, several parents, a type change, a unit that ends and returns, and a same-day re-code', async () => {
    const paths = files({
      units: `unit_id,name,type,parent_id,other_parent_ids,status,valid_from,valid_to
C,Company,company,,,,2020-01-01,
A,Alpha,team,C,,live,2020-01-01,2021-01-01
A,Alpha,division,C,B,closed,2021-01-01,
B,Beta,team,C,,,2020-01-01,2020-06-01
B,Beta,team,C,,,2021-01-01,
S,Sales,team,C,,,2020-01-01,2022-01-01
S2,Sales,team,C,,,2022-01-01,
`,
      people: `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann,S,,,,2020-01-01,2022-01-01
1,Ann,S2,,,,2022-01-01,
`,
      lineage: `unit_id,successor_id,kind,date
A,B,replace,2021-06-01
`,
    });
    const db = join(dir, 'status.db');
    const args = [
      '--db',
      db,
      'import',
      '--units',
      paths.units!,
      '--people',
      paths.people!,
      '--lineage',
      paths.lineage!,
    ];
    const result = await cli(...args);
    expect(result.code, result.stderr).toBe(0);
    const engine = await OrgEngine.open(db);
    const unitsOn = async (date: string) =>
      Object.fromEntries(
        (await engine.tree('default', date)).root!.children.map((n) => [
          n.id,
          [n.type, n.status ?? null, (n.alsoUnder ?? []).map((u) => u.id)],
        ]),
      );
    expect(await unitsOn('2020-01-01')).toEqual({
      A: ['team', 'live', []],
      B: ['team', null, []],
      S: ['team', null, []],
    });
    // Beta is gone between its periods, and back (same id) on 2021-01-01 as Alpha's further parent.
    expect(await unitsOn('2020-06-01')).toEqual({ A: ['team', 'live', []], S: ['team', null, []] });
    expect(await unitsOn('2021-01-01')).toEqual({
      A: ['division', 'closed', ['B']],
      B: ['team', null, []],
      S: ['team', null, []],
    });
    // Sales was re-coded on 2022-01-01: the new unit takes the name the same day, and Ann moves to it.
    expect(await unitsOn('2022-01-01')).toMatchObject({ S2: ['team', null, []] });
    expect((await engine.person('default', 'Ann', '2022-01-01')).unit).toBe('Sales');
    expect(
      (await engine.tree('default', '2022-01-01')).root!.children.find((n) => n.id === 'S2')!.members,
    ).toBe(1);
    // Alpha stays (closed) and its lineage names its successor.
    expect((await engine.lineage('default', '#A')).events.find((e) => e.kind === 'replace')).toMatchObject({
      date: '2021-06-01',
      from: ['Alpha'],
      to: ['Beta'],
    });
    const changes = (await engine.diff('default', '2020-12-31', '2021-01-01')).changes;
    expect(changes.filter((c) => c.kind === 'unit-updated')).toMatchObject([
      {
        unit: 'Alpha',
        from: { type: 'team', status: 'live', also_under: null },
        to: { type: 'division', status: 'closed', also_under: 'Beta' },
      },
    ]);
    await engine.close();
  });
});

describe("a person's periods", () => {
  it('import a new name, title or level between periods (and a cleared title), and export as they came in', async () => {
    const people = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann Lee,C,,Engineer,P5,2020-01-01,2021-01-01
1,Ann Lee,C,,Senior Engineer,P5,2021-01-01,2022-01-01
1,Ann Park,C,,Senior Engineer,P6,2022-01-01,2023-01-01
1,Ann Park,C,,,,2023-01-01,
2,Bo Kim,C,1,Analyst,P4,2020-01-01,
`;
    const paths = files({
      units: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Company,company,,2020-01-01,\n',
      people,
    });
    const db = join(dir, 'person-periods.db');
    const result = await cli('--db', db, 'import', '--units', paths.units!, '--people', paths.people!);
    expect(result.code, result.stderr).toBe(0);
    const engine = await OrgEngine.open(db);
    const ann = async (date: string) => {
      const p = await engine.person('default', '#1', date);
      return [p.name, p.title ?? null, p.level ?? null];
    };
    expect(await ann('2020-06-01')).toEqual(['Ann Lee', 'Engineer', 'P5']);
    expect(await ann('2021-06-01')).toEqual(['Ann Lee', 'Senior Engineer', 'P5']);
    expect(await ann('2022-06-01')).toEqual(['Ann Park', 'Senior Engineer', 'P6']);
    expect(await ann('2023-06-01')).toEqual(['Ann Park', null, null]);
    const kinds = async (from: string, to: string) =>
      (await engine.diff('default', from, to)).changes.map((c) => [c.kind, c.from, c.to]);
    expect(await kinds('2020-12-31', '2021-01-01')).toEqual([
      ['title-changed', 'Engineer', 'Senior Engineer'],
    ]);
    expect(await kinds('2021-12-31', '2022-01-01')).toEqual([
      ['person-renamed', 'Ann Lee', 'Ann Park'],
      ['level-changed', 'P5', 'P6'],
    ]);
    await engine.close();
    const exported = await cli('--db', db, 'export', '--format', 'csv-people', '--full');
    expect(exported.code, exported.stderr).toBe(0);
    const rows = (text: string) => text.trim().split('\n').slice(1).sort();
    expect(rows(exported.stdout)).toEqual(rows(people));
  });
});

describe('a manager_id that names the head the person would report to anyway', () => {
  it('stores no reporting line of its own: a new head takes the team over, a named other manager stays', async () => {
    const units = `unit_id,name,type,parent_id,valid_from,valid_to
C,Company,company,,2020-01-01,
T,Team,team,C,2020-01-01,
`;
    // Ann heads the company, Bo the team (his manager the head above), Cy's manager is Bo (the team's
    // head), Di's is Ann (not the team's head: a line of her own), Ed's is Bo for a year then Ann.
    const people = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
1,Ann,C,,,,2020-01-01,
2,Bo,T,1,,,2020-01-01,
3,Cy,T,2,,,2020-01-01,
4,Di,T,1,,,2020-01-01,
5,Ed,T,2,,,2020-01-01,2021-01-01
5,Ed,T,1,,,2021-01-01,
6,Fay,T,,,,2020-01-01,
`;
    const posts = `person_id,unit_id,post,valid_from,valid_to
1,C,head,2020-01-01,
2,T,head,2020-01-01,
`;
    const paths = files({ units, people, posts });
    const db = join(dir, 'derived-managers.db');
    const result = await cli(
      '--db',
      db,
      'import',
      '--units',
      paths.units!,
      '--people',
      paths.people!,
      '--posts',
      paths.posts!,
    );
    expect(result.code, result.stderr).toBe(0);
    const engine = await OrgEngine.open(db);
    const history = await engine.store.history((await engine.store.findOrg('default'))!.id);
    expect(history.lines.map((l) => [l.person, l.manager, l.from, l.to])).toEqual([
      ['4', '1', '2020-01-01', null],
      ['5', '1', '2021-01-01', null],
    ]);
    const managers = async (date: string) => {
      const names: string[] = [];
      for (const id of ['2', '3', '4', '5', '6'])
        names.push((await engine.person('default', `#${id}`, date)).manager!.name);
      return names;
    };
    expect(await managers('2020-06-01')).toEqual(['Ann', 'Bo', 'Ann', 'Bo', 'Bo']);
    expect(await managers('2021-06-01')).toEqual(['Ann', 'Bo', 'Ann', 'Ann', 'Bo']);
    // Gus becomes the team's head: those who reported to its head report to him, Di and Ed stay.
    const plan = join(dir, 'new-head.yaml');
    writeFileSync(
      plan,
      `plan: new-head\ntitle: New head\neffective: 2022-01-01\nchanges:\n  - hire: { person: Gus, unit: Team }\n  - appoint: { person: Gus, unit: Team, post: head }\n`,
    );
    await engine.close();
    const applied = await cli('--db', db, 'plan', 'apply', plan);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await OrgEngine.open(db);
    const at = async (id: string) => (await after.person('default', `#${id}`, '2022-01-01')).manager!.name;
    expect([await at('2'), await at('3'), await at('4'), await at('5'), await at('6')]).toEqual([
      'Gus',
      'Gus',
      'Ann',
      'Ann',
      'Gus',
    ]);
    await after.close();
    // The people file exported says every manager, as the organization gives them.
    const exported = await cli('--db', db, 'export', '--format', 'csv-people', '--as-of', '2021-06-01');
    expect(exported.stdout).toContain('3,Cy,T,2,');
    expect(exported.stdout).toContain('4,Di,T,1,');
  });
});

describe('an import read in pieces', () => {
  it('plans exactly what the whole texts plan, plan ids included (a hash of the files, as before)', async () => {
    const { planImport } = await import('../../src/formats/hris-import.ts');
    const units =
      'unit_id,name,type,parent_id,valid_from,valid_to\nu0,Co,company,,2020-01-01,\nu1,A,team,u0,2020-01-01,2021-01-01\nu2,B,team,u0,2020-01-01,\n';
    const people =
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\np1,Ann,u1,,,,2020-01-01,2021-01-01\np1,Ann,u2,,,,2021-01-01,\n';
    const posts = 'person_id,unit_id,post,valid_from,valid_to\np1,u2,head,2021-01-01,\n';
    const lineage = 'unit_id,successor_id,kind,date\nu1,u2,merge,2021-01-01\n';
    const whole = planImport({
      units: { file: 'u.csv', text: units },
      people: { file: 'p.csv', text: people },
      posts: { file: 's.csv', text: posts },
      lineage: { file: 'l.csv', text: lineage },
    });
    const pieces = (file: string, text: string) => ({
      file,
      pieces: text.split(/(?<=\n)/),
      size: text.length,
    });
    const inPieces = planImport({
      units: pieces('u.csv', units),
      people: pieces('p.csv', people),
      posts: pieces('s.csv', posts),
      lineage: pieces('l.csv', lineage),
    });
    expect(JSON.stringify(inPieces)).toBe(JSON.stringify(whole));
    // The id the whole-text import gave before files could be read in pieces: importing the same files
    // again is still recognised as the same plans.
    expect(whole.plans.map((p) => p.plan.id)).toEqual([
      'import-b4bc5f96-2020-01-01',
      'import-b4bc5f96-2021-01-01',
    ]);
  });
});

/** The files planned and checked as a new organization: its history, or the refusals' messages by line. */
function planned(
  texts: { units: string; people: string; posts?: string },
  inclusiveEnd: boolean,
): { history: History } | { refused: string[] } {
  const result = planImport({
    units: { file: 'units.csv', text: texts.units },
    people: { file: 'people.csv', text: texts.people },
    ...(texts.posts !== undefined ? { posts: { file: 'posts.csv', text: texts.posts } } : {}),
    ...(inclusiveEnd ? { inclusiveEnd } : {}),
  });
  if (result.rejected.length > 0)
    return { refused: result.rejected.map((p) => `${p.location?.file}:${p.location?.line}: ${p.message}`) };
  const checked = checkPlans(
    [],
    result.plans.map((p) => p.plan),
  );
  if (!checked.ok) return { refused: checked.problems.map((p) => p.message) };
  return { history: checked.history };
}

const periodsOf = (history: History, person: string) =>
  history.people.get(person)!.versions.map((v) => [v.unit, v.from, v.to]);

describe('valid_to as the last day of a period (--inclusive-end)', () => {
  const units =
    'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,9999-12-31\nS,Sales,team,C,2020-01-01,\nE,Eng,team,C,2020-01-01,2021-06-30\n';

  it('reads a last day as the day before the next period, 9999-12-31 as still true, and a one-day period', () => {
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      'A,Ann,S,,,,2020-01-01,2020-12-31',
      'A,Ann,E,,,,2021-01-01,2021-03-31',
      // Away on 2021-04-01: hired again the day after.
      'A,Ann,E,,,,2021-04-02,2021-06-29',
      'A,Ann,S,,,,2021-06-30,9999-12-31',
      'B,Bo,S,,,,2020-05-05,2020-05-05',
    ].join('\n');
    const posts = 'person_id,unit_id,post,valid_from,valid_to\nA,S,head,2020-01-01,2020-12-31\n';
    const done = planned({ units, people: `${people}\n`, posts }, true);
    if ('refused' in done) throw new Error(done.refused.join('\n'));
    expect(periodsOf(done.history, 'A')).toEqual([
      ['S', '2020-01-01', '2021-01-01'],
      ['E', '2021-01-01', '2021-04-01'],
      ['E', '2021-04-02', '2021-06-30'],
      ['S', '2021-06-30', null],
    ]);
    expect(periodsOf(done.history, 'B')).toEqual([['S', '2020-05-05', '2020-05-06']]);
    expect(done.history.units.get('C')!.versions.at(-1)!.to).toBeNull();
    expect(done.history.units.get('E')!.versions.at(-1)!.to).toBe('2021-07-01');
    expect(done.history.posts.map((p) => [p.unit, p.holder, p.from, p.to])).toContainEqual([
      'S',
      'A',
      '2020-01-01',
      '2021-01-01',
    ]);
  });

  it('refuses a last day before the first, at its row', () => {
    const people =
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nA,Ann,S,,,,2020-05-05,2020-05-04\n';
    expect(planned({ units, people }, true)).toEqual({
      refused: ["people.csv:2: the period's last day (2020-05-04) is before its first (2020-05-05)"],
    });
  });

  it('without it, refuses a period that starts the day after the one before ended, in every file, naming the way out', () => {
    const files = {
      units: `${units}X,X,team,C,2020-01-01,2020-06-01\nX,X,team,C,2020-06-02,\n`,
      people:
        'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nA,Ann,S,,,,2020-01-01,2020-12-31\nA,Ann,S,,,,2021-01-01,\n',
      posts:
        'person_id,unit_id,post,valid_from,valid_to\nA,S,head,2020-01-01,2020-03-01\nA,S,head,2020-03-02,2020-12-31\n',
    };
    const done = planned(files, false);
    if (!('refused' in done)) throw new Error('imported');
    expect(done.refused.map((r) => r.split(': ')[0])).toEqual(['units.csv:6', 'people.csv:3', 'posts.csv:3']);
    for (const message of done.refused) expect(message).toContain('import with --inclusive-end');
    // A gap of two days or more is a unit back, a rehire, a vacancy: imported.
    const later = {
      units: files.units.replace('2020-06-02', '2020-06-03'),
      people: files.people.replace('2021-01-01,\n', '2021-01-02,\n'),
      posts: files.posts.replace('2020-03-02', '2020-03-03'),
    };
    const imported = planned(later, false);
    if ('refused' in imported) throw new Error(imported.refused.join('\n'));
    expect(periodsOf(imported.history, 'A')).toEqual([
      ['S', '2020-01-01', '2020-12-31'],
      ['S', '2021-01-02', null],
    ]);
  });
});

describe("a spreadsheet's header", () => {
  const people = (header: string) =>
    planImport({
      units: {
        file: 'units.csv',
        text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n',
      },
      people: { file: 'people.csv', text: `${header}\nA,Ann,C,,,,2020-01-01,\n` },
    });

  it('names columns in any case, with spaces or hyphens for underscores', () => {
    const result = people(' Person ID ,NAME,Unit_Id,manager-id,Title,Level,Valid From,valid_to');
    expect(result.rejected).toEqual([]);
    expect(result.accepted).toBe(2);
  });

  it('is refused, at line 1, when it names a column twice or seems separated by something else', () => {
    const messages = (header: string) => {
      try {
        people(header);
        return [];
      } catch (error) {
        return (error as OrgshiftError).problems.map(
          (p) => `${p.location?.file}:${p.location?.line}: ${p.message}`,
        );
      }
    };
    expect(messages('person_id,name,unit_id,manager_id,title,level,valid_from,valid_to,Name')).toEqual([
      'people.csv:1: the header has name twice (columns 2 and 9): which one to read is not clear',
    ]);
    expect(messages('person_id;name;unit_id;manager_id;title;level;valid_from;valid_to')[0]).toMatch(
      /^people\.csv:1: the header lacks person_id, .*: its columns seem separated by ";"; the files are comma-separated$/,
    );
    expect(messages('person_id\tname\tunit_id\tmanager_id\ttitle\tlevel\tvalid_from\tvalid_to')[0]).toContain(
      'separated by tabs',
    );
  });
});

describe('a post row whose holder or unit the files have out of the organization on a day of the row', () => {
  it('is refused at the row, naming the first such day', () => {
    const result = planImport({
      units: {
        file: 'units.csv',
        text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\nS,Sales,team,C,2020-01-01,2020-09-01\n',
      },
      people: {
        file: 'people.csv',
        text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nA,Ann,C,,,,2020-01-01,2020-06-01\nB,Bo,C,,,,2020-01-01,\n',
      },
      posts: {
        file: 'posts.csv',
        text: 'person_id,unit_id,post,valid_from,valid_to\nA,C,head,2020-01-01,\nB,S,head,2020-01-01,\nB,C,CTO,2020-01-01,\nA,S,COO,2020-01-01,2020-06-01\n',
      },
    });
    expect(result.rejected.map((p) => `${p.location?.line}: ${p.message}`)).toEqual([
      '2: person_id "A" is not in the organization on 2020-06-01, within this row\'s period (2020-01-01..)',
      '3: unit_id "S" does not exist on 2020-09-01, within this row\'s period (2020-01-01..)',
    ]);
  });
});

describe('a manager_id the file has out of the organization on a day of the row', () => {
  const units = 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n';
  const read = (rows: string[]) =>
    planImport({
      units: { file: 'units.csv', text: units },
      people: {
        file: 'people.csv',
        text: `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n${rows.join('\n')}\n`,
      },
    }).rejected.map((p) => `${p.location?.line}: ${p.message}`);

  it('is refused at the row, naming the first day the manager is not there', () => {
    // Ann leaves, is away, comes back; Bo's rows name her throughout some of it.
    const ann = [
      'A,Ann,C,,,,2020-01-01,2020-03-01',
      'A,Ann,C,,,,2020-03-01,2020-06-01',
      'A,Ann,C,,,,2020-09-01,',
    ];
    expect(
      read([
        ...ann,
        'B,Bo,C,A,,,2020-01-01,2020-06-01',
        'D,Di,C,A,,,2020-01-01,',
        'E,Ed,C,A,,,2019-06-01,2020-02-01',
        'F,Fa,C,A,,,2020-10-01,',
        'G,Gi,C,Z,,,2020-01-01,',
      ]),
    ).toEqual([
      '6: manager_id "A" is not in the organization on 2020-06-01, within this row\'s period (2020-01-01..)',
      '7: manager_id "A" is not in the organization on 2019-06-01, within this row\'s period (2019-06-01..2020-02-01)',
    ]);
  });
});

describe('large files, imported on a thread of their own', () => {
  // Over 8 MiB: the CLI reads, checks and applies them on a thread whose heap may grow to what the
  // machine has (or ORGSHIFT_IMPORT_HEAP_MB, with which files of any size go there).
  const people = [
    'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
    ...Array.from(
      { length: 130_000 },
      (_, i) =>
        `p${i},Person ${i} with a longer name,u${i % 40},${i % 40 === i ? '' : `p${i % 40}`},Engineer,P${i % 7},2020-01-01,`,
    ),
  ].join('\n');
  const units = [
    'unit_id,name,type,parent_id,valid_from,valid_to',
    'u0,Company,company,,2020-01-01,',
    ...Array.from({ length: 39 }, (_, i) => `u${i + 1},Unit ${i + 1},team,u0,2020-01-01,`),
  ].join('\n');

  it('store what the same files store imported on the CLI thread, and say the same', async () => {
    expect(Buffer.byteLength(people)).toBeGreaterThan(8 << 20);
    const f = files({ 'big-units.csv': units, 'big-people.csv': people });
    const small = join(dir, 'thread-a.db');
    const onThread = join(dir, 'thread-b.db');
    const imported = await cli(
      '--db',
      onThread,
      'import',
      '--units',
      f['big-units.csv']!,
      '--people',
      f['big-people.csv']!,
      '--json',
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toBe('read 130040 rows: 130040 accepted, 0 rejected; 1 dated plans applied\n');
    // The same rows through the engine on this thread (runImportJob, as files under 8 MiB go).
    const engine = await OrgEngine.open(small);
    const { runImportJob } = await import('../../src/engine/import-job.ts');
    await runImportJob(engine, {
      org: 'default',
      files: {
        units: { file: 'u', path: f['big-units.csv']! },
        people: { file: 'p', path: f['big-people.csv']! },
      },
      allowPartial: false,
      replace: false,
      dryRun: false,
    });
    const other = await OrgEngine.open(onThread);
    const peopleOf = (e: OrgEngine) => e.history('default').then((h) => [...h.people.keys()].sort());
    expect(await peopleOf(other)).toEqual(await peopleOf(engine));
    expect((await peopleOf(other)).length).toBe(130_000);
    await engine.close();
    await other.close();
  }, 60_000);

  it('refuse files that need more memory than the import may use, clearly, storing nothing', async () => {
    // Smaller files too, under 8 MiB: with ORGSHIFT_IMPORT_HEAP_MB given, they go to the thread as well.
    const fewer = people.split('\n').slice(0, 16_001).join('\n');
    expect(Buffer.byteLength(fewer)).toBeLessThan(8 << 20);
    const f = files({ 'big-units2.csv': units, 'big-people2.csv': fewer });
    const db = join(dir, 'thread-c.db');
    process.env.ORGSHIFT_IMPORT_HEAP_MB = '16';
    try {
      const refused = await cli(
        '--db',
        db,
        'import',
        '--units',
        f['big-units2.csv']!,
        '--people',
        f['big-people2.csv']!,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        'orgshift: the import needs more memory than it may use here (16 MB of heap); nothing imported: import the files on a machine with more memory\n',
      );
    } finally {
      delete process.env.ORGSHIFT_IMPORT_HEAP_MB;
    }
    expect((await cli('--db', db, 'plans')).stdout).toBe('');
  }, 60_000);
});
