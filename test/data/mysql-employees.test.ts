import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { exportedAndAgain, ROOT, runCli } from '../helpers.ts';

// Real data from ../shared/data (never copied into the repository): the MySQL "employees" sample,
// 1,000 employees and 1,103 department periods, as a SQLite file.
const SOURCE = join(ROOT, '../shared/data/mysql-employees/bytebase_small/employee.sqlite.db');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-employees-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const day = (d: string) => (d === '9999-01-01' ? '' : d);

describe('the MySQL employees sample', () => {
  it('imports, and headcount per department on chosen dates equals an independent SQL count', async () => {
    expect(
      existsSync(SOURCE),
      `${SOURCE} is missing: the tests read ../shared/data beside the checkout`,
    ).toBe(true);
    const source = new BetterSqlite3(SOURCE, { readonly: true });
    const departments = source
      .prepare('select dept_no, dept_name from department order by dept_no')
      .all() as Array<{ dept_no: string; dept_name: string }>;
    const periods = source
      .prepare(
        'select d.emp_no, e.first_name, e.last_name, d.dept_no, d.from_date, d.to_date from dept_emp d join employee e using (emp_no) order by d.emp_no, d.from_date',
      )
      .all() as Array<{
      emp_no: number;
      first_name: string;
      last_name: string;
      dept_no: string;
      from_date: string;
      to_date: string;
    }>;
    const start = (source.prepare('select min(from_date) as d from dept_emp').get() as { d: string }).d;
    // The converter: departments become units under one root, department periods become people rows.
    const units = [
      'unit_id,name,type,parent_id,valid_from,valid_to',
      ...departments.map((d) =>
        [d.dept_no, d.dept_name, 'department', '', start, ''].map(csvField).join(','),
      ),
    ];
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      ...periods.map((p) =>
        [
          String(p.emp_no),
          `${p.first_name} ${p.last_name}`,
          p.dept_no,
          '',
          '',
          '',
          p.from_date,
          day(p.to_date),
        ]
          .map(csvField)
          .join(','),
      ),
    ];
    writeFileSync(join(dir, 'units.csv'), `${units.join('\n')}\n`);
    writeFileSync(join(dir, 'people.csv'), `${people.join('\n')}\n`);
    const db = join(dir, 'employees.db');
    const { code, stderr } = await runCli([
      '--db',
      db,
      'import',
      '--root',
      'Employees',
      '--units',
      join(dir, 'units.csv'),
      '--people',
      join(dir, 'people.csv'),
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      `read ${departments.length + periods.length} rows: ${departments.length + periods.length} accepted, 0 rejected`,
    );

    const engine = await OrgEngine.open(db);
    const count = source.prepare(
      'select dept_no, count(*) as n from dept_emp where from_date <= ? and ? < to_date group by dept_no',
    );
    for (const date of ['1986-01-01', '1990-06-15', '1995-12-31', '2000-01-01', '2002-08-01']) {
      const expected = Object.fromEntries(
        (count.all(date, date) as Array<{ dept_no: string; n: number }>).map((r) => [r.dept_no, r.n]),
      );
      const tree = await engine.tree('default', date);
      const actual = Object.fromEntries(
        tree.root!.children.filter((c) => c.members > 0).map((c) => [c.id, c.members]),
      );
      expect(actual, date).toEqual(expected);
    }
    source.close();
    await engine.close();
  }, 120_000);

  it('imports the original dept_manager rows as head posts, and the head of every department on chosen dates equals dept_manager', async () => {
    // The cut-down copies renumber managers, so heads come from the original 24 dept_manager rows.
    const dump = (file: string) =>
      readFileSync(join(ROOT, '../shared/data/mysql-employees/datacharmer_full_partial', file), 'utf8');
    const departments = [...dump('load_departments.dump').matchAll(/\('(d\d+)','([^']+)'\)/g)].map((m) => ({
      id: m[1]!,
      name: m[2]!,
    }));
    const managers = [
      ...dump('load_dept_manager.dump').matchAll(/\((\d+),'(d\d+)','([\d-]+)','([\d-]+)'\)/g),
    ].map((m) => ({
      emp: m[1]!,
      dept: m[2]!,
      from: m[3]!,
      to: m[4]!,
    }));
    expect([departments.length, managers.length]).toEqual([9, 24]);
    const units = [
      'unit_id,name,type,parent_id,valid_from,valid_to',
      ...departments.map((d) => `${d.id},${csvField(d.name)},department,,1985-01-01,`),
    ];
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      ...managers.map((m) => `${m.emp},Manager ${m.emp},${m.dept},,,,${m.from},${day(m.to)}`),
    ];
    const posts = [
      'person_id,unit_id,post,valid_from,valid_to',
      ...managers.map((m) => `${m.emp},${m.dept},head,${m.from},${day(m.to)}`),
    ];
    const files = ['units', 'people', 'posts'].map((name, i) => {
      const path = join(dir, `heads-${name}.csv`);
      writeFileSync(path, `${[units, people, posts][i]!.join('\n')}\n`);
      return path;
    });
    const db = join(dir, 'heads.db');
    const { code, stderr } = await runCli([
      '--db',
      db,
      'import',
      '--root',
      'Employees',
      '--units',
      files[0]!,
      '--people',
      files[1]!,
      '--posts',
      files[2]!,
    ]);
    expect(code, stderr).toBe(0);
    const engine = await OrgEngine.open(db);
    for (const date of [
      '1985-01-01',
      '1988-10-17',
      '1990-01-01',
      '1992-08-02',
      '1995-06-30',
      '1996-08-30',
      '2001-01-01',
    ]) {
      const expected = Object.fromEntries(
        managers.filter((m) => m.from <= date && date < m.to).map((m) => [m.dept, m.emp]),
      );
      const tree = await engine.tree('default', date);
      const actual = Object.fromEntries(
        tree.root!.children.filter((c) => c.head !== null).map((c) => [c.id, c.head!.id]),
      );
      expect(actual, date).toEqual(expected);
    }
    await engine.close();

    // What comes out goes back in: the units, people and posts exported (every period), imported into a
    // new store and exported again, are the same files.
    const { first, second } = await exportedAndAgain(db, join(dir, 'heads-again.db'), dir);
    expect(first.posts!.trim().split('\n')).toHaveLength(1 + managers.length);
    expect(second).toEqual(first);
  });
});
