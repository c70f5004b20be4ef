import { describe, expect, it } from 'vitest';
import { formatProblem, OrgshiftError } from '../../src/core/errors.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';

function problemsOf(source: string): string[] {
  try {
    parsePlan(source, 'bad.yaml');
  } catch (error) {
    if (error instanceof OrgshiftError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const HEAD = 'plan: p\ntitle: T\neffective: 2022-01-06\n';

describe('plan files', () => {
  it('reads every operation with its keys, quote and inferred flag', () => {
    const plan = parsePlan(
      `${HEAD}announced_by: Dai Shan
sources:
  - { url: https://example.org/r, quote: "three new centers" }
changes:
  - create: { unit: A, type: team, parent: Root, aliases: [Ay] }
  - rename: { unit: A, to: B }
  - move: { unit: B, to: Root }
  - merge: { units: [B, C], into: D, rest: E }
  - merge: { units: [B, C], into: [{ name: N, type: center, head: X, takes: [Y] }], parent: Root }
  - split: { unit: D, into: [{ name: D1, type: team }], rest: D1 }
  - dissolve: { unit: D1, rest: Root }
  - transfer: { business: Taobao, to: Root }
  - transfer: { person: X, to: Root }
  - appoint: { person: X, unit: Root, post: CTO, concurrent: true }
  - vacate: { unit: Root }
  - promote: { person: X, level: M7 }
  - hire: { person: Y, unit: Root, level: P8, title: Engineer, unnamed: false }
  - leave: { person: Y }
  - report: { person: X, to: Z, kind: dotted }
  - launch: { business: Taobao, unit: Root }
  - retire: { business: Taobao }
  - alias: { unit: Root, add: [R] }
  - quote: "a sentence"
    inferred: true
    promote: { person: X, level: M8 }
`,
      'ok.yaml',
    );
    expect(plan.announcedBy).toBe('Dai Shan');
    expect(plan.sources).toEqual([{ url: 'https://example.org/r', quote: 'three new centers' }]);
    expect(plan.changes.map((c) => c.kind)).toEqual([
      'create',
      'rename',
      'move',
      'merge',
      'merge',
      'split',
      'dissolve',
      'transfer',
      'transfer',
      'appoint',
      'vacate',
      'promote',
      'hire',
      'leave',
      'report',
      'launch',
      'retire',
      'alias',
      'promote',
    ]);
    expect(plan.changes[4]).toMatchObject({
      kind: 'merge',
      into: [{ name: 'N', type: 'center', head: 'X', takes: ['Y'] }],
      parent: 'Root',
    });
    expect(plan.changes[9]).toMatchObject({ kind: 'appoint', post: 'CTO', concurrent: true });
    expect(plan.changes[10]).toMatchObject({ kind: 'vacate', post: 'head' });
    expect(plan.changes[18]).toMatchObject({ kind: 'promote', quote: 'a sentence', inferred: true });
    expect(plan.changes[0]!.location).toEqual({ file: 'ok.yaml', line: 8, col: 5 });
    expect(plan.changes[0]!.keyLocations.parent).toEqual({ file: 'ok.yaml', line: 8, col: 44 });
  });

  it('reads a number-like name such as 1688 as text', () => {
    const plan = parsePlan(`${HEAD}changes:\n  - launch: { business: 1688, unit: 1688 }\n`, 'n.yaml');
    expect(plan.changes[0]).toMatchObject({ business: '1688', unit: '1688' });
  });

  it('locates YAML syntax errors', () => {
    expect(problemsOf(`${HEAD}changes:\n  - create: { unit: A, type: team\n`)[0]).toMatch(
      /^bad\.yaml:\d+:\d+: YAML: /,
    );
  });

  it('refuses a missing key, naming it', () => {
    expect(problemsOf('plan: p\ntitle: T\nchanges: []\n')).toEqual([
      'bad.yaml:1:1: the plan needs "effective:"',
    ]);
  });

  it('refuses an impossible date', () => {
    expect(problemsOf('plan: p\ntitle: T\neffective: 2022-02-30\nchanges: []\n')).toEqual([
      'bad.yaml:3:12: effective must be a calendar day written YYYY-MM-DD, found "2022-02-30"',
    ]);
  });

  it('refuses unknown keys and operations, listing what is allowed', () => {
    const problems = problemsOf(
      `${HEAD}changes:\n  - create: { unit: A, typ: team }\n  - frobnicate: { unit: A }\n`,
    );
    expect(problems[0]).toMatch(
      /^bad\.yaml:5:24: create \(changes\[0\]\): unknown key "typ" in create; expected one of: unit, type, parent/,
    );
    expect(problems[1]).toMatch(/^bad\.yaml:6:5: changes\[1\] has no operation \(found frobnicate\)/);
  });

  it('reports the problems of every operation, not just the first', () => {
    const problems = problemsOf(
      `${HEAD}changes:\n  - rename: { unit: A }\n  - appoint: { person: X, unit: U, concurrent: maybe }\n  - report: { person: X, kind: solid }\n`,
    );
    expect(problems).toEqual([
      'bad.yaml:5:13: rename (changes[0]): rename needs "to:"',
      'bad.yaml:6:48: appoint (changes[1]): concurrent must be true or false, found "maybe"',
      'bad.yaml:7:13: report (changes[2]): a solid line needs "to:"',
    ]);
  });

  it('refuses a rename of both a unit and a person, and a promote with neither level nor title', () => {
    expect(
      problemsOf(
        `${HEAD}changes:\n  - rename: { unit: A, person: B, to: C }\n  - rename: { to: C }\n  - promote: { person: B }\n`,
      ),
    ).toEqual([
      'bad.yaml:5:13: rename (changes[0]): rename needs exactly one of "unit:" or "person:"',
      'bad.yaml:6:13: rename (changes[1]): rename needs exactly one of "unit:" or "person:"',
      'bad.yaml:7:14: promote (changes[2]): promote needs at least one of "level:" or "title:"',
    ]);
  });

  it('refuses two operations in one list item and duplicate keys', () => {
    expect(problemsOf(`${HEAD}changes:\n  - leave: { person: A }\n    retire: { business: B }\n`)[0]).toMatch(
      /more than one operation: leave, retire/,
    );
    expect(problemsOf(`${HEAD}changes:\n  - leave: { person: A, person: B }\n`)[0]).toMatch(
      /^bad\.yaml:5:\d+: YAML: .*[Dd]uplicate|unique/,
    );
  });

  it('refuses a file that is not a plan at all', () => {
    expect(problemsOf('')).toEqual(['bad.yaml:1:1: the plan file is empty']);
    expect(problemsOf('- just\n- a list\n')).toEqual([
      'bad.yaml:1:1: the plan must be a mapping of keys to values, found a list',
    ]);
    expect(problemsOf(`${HEAD}changes: nothing\n`)).toEqual([
      'bad.yaml:4:10: changes must be a list of operations, found "nothing"',
    ]);
  });
});

describe('update and supersede in plan files', () => {
  it('reads a status (empty clears it), further parents (empty list allowed) and a succession', () => {
    const plan = parsePlan(
      `${HEAD}changes:\n  - update: { unit: A, status: null, also_under: [] }\n  - update: { unit: A, type: team, status: closed, also_under: [B, C] }\n  - supersede: { unit: A, by: [B], as: rename }\n`,
      'ok.yaml',
    );
    expect(plan.changes).toMatchObject([
      { kind: 'update', unit: 'A', status: null, alsoUnder: [] },
      { kind: 'update', unit: 'A', type: 'team', status: 'closed', alsoUnder: ['B', 'C'] },
      { kind: 'supersede', unit: 'A', by: ['B'], as: 'rename' },
    ]);
    expect(plan.changes[1]!.keyLocations['also_under[1]']).toEqual({ file: 'ok.yaml', line: 6, col: 68 });
  });

  it('refuses an update with nothing to change and a succession of an unknown kind, where they are', () => {
    expect(problemsOf(`${HEAD}changes:\n  - update: { unit: A }\n`)).toEqual([
      'bad.yaml:5:13: update (changes[0]): update needs at least one of "type:", "status:" or "also_under:"',
    ]);
    expect(problemsOf(`${HEAD}changes:\n  - supersede: { unit: A, by: [B], as: absorb }\n`)).toEqual([
      'bad.yaml:5:40: supersede (changes[0]): as must be merge, split, replace or rename, found "absorb"',
    ]);
  });

  it('reads how successors took over a dissolved unit, and refuses a kind without successors or of no kind', () => {
    const plan = parsePlan(
      `${HEAD}changes:\n  - dissolve: { unit: A, successors: [B], as: replace }\n`,
      'ok.yaml',
    );
    expect(plan.changes).toMatchObject([{ kind: 'dissolve', unit: 'A', successors: ['B'], as: 'replace' }]);
    expect(problemsOf(`${HEAD}changes:\n  - dissolve: { unit: A, as: replace }\n`)).toEqual([
      'bad.yaml:5:30: dissolve (changes[0]): as says how successors took over: give "successors:" too',
    ]);
    expect(problemsOf(`${HEAD}changes:\n  - dissolve: { unit: A, successors: [B], as: absorb }\n`)).toEqual([
      'bad.yaml:5:47: dissolve (changes[0]): as must be merge, split, replace or rename, found "absorb"',
    ]);
  });
});
