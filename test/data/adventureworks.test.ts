import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Day } from '../../src/core/time.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { exportedAndAgain, ROOT, runCli } from '../helpers.ts';

// Real data from ../shared/data (never copied into the repository): AdventureWorks HR, 290 employees
// whose manager tree is a SQL Server hierarchyid (OrganizationNode, in hex).
const DATA = join(ROOT, '../shared/data/adventureworks-hr');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-aw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// hierarchyid labels: prefix, then value bits (x), fixed bits, and T = 1 at the end of a label.
const PATTERNS: Array<[number, string]> = [
  [0, '01xxT'],
  [4, '100xxT'],
  [8, '101xxxT'],
  [16, '110xx0x1xxxT'],
  [80, '1110xxx0xxx0x1xxxT'],
  [1104, '11110xxxxx0xxx0x1xxxT'],
];

/** The path of a hierarchyid, e.g. "5AC0" → "/1/1/". Only the positive integer labels AdventureWorks uses. */
function hierarchyPath(hex: string): string {
  const bits = [...hex].map((h) => Number.parseInt(h, 16).toString(2).padStart(4, '0')).join('');
  const labels: number[] = [];
  let pos = 0;
  while (pos < bits.length && bits.slice(pos).includes('1')) {
    const found = PATTERNS.find(([, p]) => bits.startsWith(p.slice(0, p.indexOf('x')), pos));
    if (!found) throw new Error(`hierarchyid ${hex}: no label pattern at bit ${pos}`);
    const [min, pattern] = found;
    let value = 0;
    for (const c of pattern) {
      const bit = bits[pos++];
      if (c === 'x') value = value * 2 + Number(bit);
      if (c === 'T' && bit !== '1') throw new Error(`hierarchyid ${hex}: dotted labels are not used here`);
    }
    labels.push(min + value);
  }
  return labels.length === 0 ? '/' : `/${labels.join('/')}/`;
}

const tsv = (file: string) =>
  readFileSync(join(DATA, file), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

describe('AdventureWorks HR', () => {
  it('decodes hierarchyids as SQL Server does', () => {
    expect(hierarchyPath('')).toBe('/');
    expect(hierarchyPath('58')).toBe('/1/');
    expect(hierarchyPath('5AC0')).toBe('/1/1/');
    expect(hierarchyPath('5ADE')).toBe('/1/1/3/');
  });

  it("imports, and every employee's chain to the top equals the path in OrganizationNode", async () => {
    expect(existsSync(DATA), `${DATA} is missing: the tests read ../shared/data beside the checkout`).toBe(
      true,
    );
    const employees = tsv('Employee.csv').map((r) => ({
      id: r[0]!,
      login: r[2]!,
      path: hierarchyPath(r[3]!),
      title: r[5]!,
    }));
    const byPath = new Map(employees.map((e) => [e.path, e]));
    const departments = tsv('Department.csv').map((r) => ({ id: r[0]!, name: r[1]!, group: r[2]! }));
    const current = new Map(
      tsv('EmployeeDepartmentHistory.csv')
        // Columns: a row number, BusinessEntityID, DepartmentID, ShiftID, StartDate, EndDate, ModifiedDate.
        .filter((r) => (r[5] ?? '') === '')
        .map((r) => [r[1]!, r[2]!]),
    );
    const groups = [...new Set(departments.map((d) => d.group))];
    const start = '2014-01-01';
    const units = [
      'unit_id,name,type,parent_id,valid_from,valid_to',
      ...groups.map((g) => [`G-${g}`, g, 'group', '', start, ''].map(csvField).join(',')),
      ...departments.map((d) =>
        [`D-${d.id}`, d.name, 'department', `G-${d.group}`, start, ''].map(csvField).join(','),
      ),
    ];
    const parentOf = (path: string) => (path === '/' ? undefined : path.replace(/[^/]+\/$/, ''));
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      ...employees.map((e) => {
        const manager = parentOf(e.path) === undefined ? '' : byPath.get(parentOf(e.path)!)!.id;
        return [e.id, e.login, `D-${current.get(e.id)}`, manager, e.title, '', start, '']
          .map(csvField)
          .join(',');
      }),
    ];
    writeFileSync(join(dir, 'units.csv'), `${units.join('\n')}\n`);
    writeFileSync(join(dir, 'people.csv'), `${people.join('\n')}\n`);
    const db = join(dir, 'aw.db');
    const { code, stderr } = await runCli([
      '--db',
      db,
      'import',
      '--root',
      'Adventure Works',
      '--units',
      join(dir, 'units.csv'),
      '--people',
      join(dir, 'people.csv'),
    ]);
    expect(code, stderr).toBe(0);

    const engine = await OrgEngine.open(db);
    for (const e of employees) {
      const expected: string[] = [];
      for (let p = parentOf(e.path); p !== undefined; p = parentOf(p)) expected.push(byPath.get(p)!.login);
      expect((await engine.person('default', `#${e.id}`, start)).chain, e.login).toEqual(expected);
    }
    await engine.close();

    // What comes out goes back in: exported, imported into a new store and exported again, the same files.
    const { first, second } = await exportedAndAgain(db, join(dir, 'aw-again.db'), dir);
    expect(first.people!.trim().split('\n')).toHaveLength(1 + employees.length);
    expect(second).toEqual(first);
  }, 120_000);

  it('imports the department history, whose EndDate is a last day, with --inclusive-end: the department on every day it names', async () => {
    const departments = tsv('Department.csv').map((r) => ({ id: r[0]!, name: r[1]! }));
    const nameOf = new Map(departments.map((d) => [d.id, d.name]));
    const login = new Map(tsv('Employee.csv').map((r) => [r[0]!, r[2]!]));
    // Columns: a row number, BusinessEntityID, DepartmentID, ShiftID, StartDate, EndDate (the last day), ModifiedDate.
    const history = tsv('EmployeeDepartmentHistory.csv').map((r) => ({
      line: 0,
      person: r[1]!,
      department: r[2]!,
      from: r[4]!,
      to: r[5] ?? '',
    }));
    const units = [
      'unit_id,name,type,parent_id,valid_from,valid_to',
      'AW,Adventure Works,company,,2000-01-01,',
      ...departments.map((d) =>
        [`D-${d.id}`, d.name, 'department', 'AW', '2000-01-01', ''].map(csvField).join(','),
      ),
    ];
    const people = ['person_id,name,unit_id,manager_id,title,level,valid_from,valid_to'];
    for (const h of history) {
      people.push(
        [h.person, login.get(h.person)!, `D-${h.department}`, '', '', '', h.from, h.to]
          .map(csvField)
          .join(','),
      );
      h.line = people.length;
    }
    writeFileSync(join(dir, 'units-history.csv'), `${units.join('\n')}\n`);
    writeFileSync(join(dir, 'people-history.csv'), `${people.join('\n')}\n`);
    const args = (db: string) => [
      '--db',
      join(dir, db),
      'import',
      '--units',
      join(dir, 'units-history.csv'),
      '--people',
      join(dir, 'people-history.csv'),
    ];
    // Read as first days no longer true, each move would leave its last day out: refused, with the way out.
    const refused = await runCli(args('history-refused.db'));
    expect(refused.code).toBe(1);
    const moved = history.filter((h, i) => history[i - 1]?.person === h.person);
    expect(moved.length).toBeGreaterThanOrEqual(5);
    for (const h of moved) {
      expect(refused.stderr).toContain(`people-history.csv:${h.line}:1: starts the day after`);
    }
    expect(refused.stderr).toContain('--inclusive-end');

    const { code, stderr } = await runCli([...args('history.db'), '--inclusive-end']);
    expect(code, stderr).toBe(0);
    const engine = await OrgEngine.open(join(dir, 'history.db'));
    for (const h of history) {
      for (const day of [h.from, h.to].filter((d) => d !== '')) {
        const found = await engine.person('default', `#${h.person}`, day as Day);
        expect(found.unit, `${h.person} on ${day}`).toBe(nameOf.get(h.department));
      }
    }
    // Employee 250 moved twice: each day after a last day is the next department's first.
    expect((await engine.person('default', '#250', '2011-07-31' as Day)).unit).toBe(nameOf.get('13'));
    expect((await engine.person('default', '#250', '2012-07-15' as Day)).unit).toBe(nameOf.get('5'));
    await engine.close();
  }, 120_000);
});
