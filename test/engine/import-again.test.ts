import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.ts';

// An HR system's export imported, then a newer export of it imported again into the same organization.
const dir = mkdtempSync(join(tmpdir(), 'orgshift-import-again-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;

const UNITS = `unit_id,name,type,parent_id,valid_from,valid_to
C,Co,company,,2020-01-01,
S,Sales,team,C,2020-01-01,
E,Eng,team,C,2020-01-01,
`;
const PEOPLE = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
A,Ann,C,,CEO,M9,2020-01-01,
B,Bo,S,A,,P3,2020-01-01,
D,Di,E,A,,P4,2020-01-01,
`;
const POSTS = `person_id,unit_id,post,valid_from,valid_to
A,C,head,2020-01-01,
`;
/** A month later: Bo promoted and moved, Di gone, Cy hired, Eng renamed. */
const UNITS_LATER = UNITS.replace(
  'E,Eng,team,C,2020-01-01,\n',
  'E,Eng,team,C,2020-01-01,2020-02-01\nE,Engineering,team,C,2020-02-01,\n',
);
const PEOPLE_LATER = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
A,Ann,C,,CEO,M9,2020-01-01,
B,Bo,S,A,,P3,2020-01-01,2020-02-01
B,Bo,E,A,,P4,2020-02-01,
D,Di,E,A,,P4,2020-01-01,2020-02-15
Y,Cy,S,A,,P2,2020-02-10,
`;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function newStore(): string {
  return join(dir, `org-${++stores}.db`);
}

async function importInto(
  db: string,
  files: { units?: string; people?: string; posts?: string },
  ...options: string[]
) {
  const args = ['--db', db, 'import', ...options];
  for (const [kind, text] of Object.entries(files))
    args.push(`--${kind}`, write(`${stores}-${kind}-${args.length}.csv`, text));
  return runCli(args);
}

async function exported(db: string, knownAt?: string): Promise<string> {
  let all = '';
  for (const kind of ['units', 'people', 'posts']) {
    const out = await runCli([
      '--db',
      db,
      'export',
      '--format',
      `csv-${kind}`,
      '--full',
      ...(knownAt ? ['--known-at', knownAt] : []),
    ]);
    if (out.code !== 0) throw new Error(out.stderr);
    all += out.stdout;
  }
  return all;
}

describe('importing into an organization that holds an earlier import', () => {
  it('adds nothing when the files are the same, and stores nothing', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const before = await exported(db);
    const again = await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('; 0 dated plans applied');
    expect(await exported(db)).toBe(before);
  });

  it('adds what a newer export has, giving the organization a fresh import of that export gives', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const later = await importInto(db, { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS });
    expect(later.code, later.stderr).toBe(0);
    // 2020-02-01 (Bo, Eng), 2020-02-10 (Cy), 2020-02-15 (Di): the first day was imported already.
    expect(later.stderr).toContain('; 3 dated plans applied');
    const fresh = newStore();
    expect((await importInto(fresh, { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS })).code).toBe(
      0,
    );
    expect(await exported(db)).toBe(await exported(fresh));
  });

  it('takes the files one run at a time (units, then people and posts) as it takes them together', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS_LATER })).code).toBe(0);
    const rest = await importInto(db, { people: PEOPLE_LATER, posts: POSTS });
    expect(rest.code, rest.stderr).toBe(0);
    const fresh = newStore();
    expect((await importInto(fresh, { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS })).code).toBe(
      0,
    );
    expect(await exported(db)).toBe(await exported(fresh));
    const again = await importInto(db, { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS });
    expect(again.stderr).toContain('; 0 dated plans applied');
  });

  it('takes the units, then all the files, with a unit ended the day its people move out of it', async () => {
    // Imported alone, Sales ends empty; with the people, Bo moves out of it that day first.
    const units = UNITS.replace('S,Sales,team,C,2020-01-01,\n', 'S,Sales,team,C,2020-01-01,2020-03-01\n');
    const people = PEOPLE.replace(
      'B,Bo,S,A,,P3,2020-01-01,\n',
      'B,Bo,S,A,,P3,2020-01-01,2020-03-01\nB,Bo,E,A,,P3,2020-03-01,\n',
    );
    const db = newStore();
    expect((await importInto(db, { units })).code).toBe(0);
    const all = await importInto(db, { units, people, posts: POSTS });
    expect(all.code, all.stderr).toBe(0);
    const fresh = newStore();
    expect((await importInto(fresh, { units, people, posts: POSTS })).code).toBe(0);
    expect(await exported(db)).toBe(await exported(fresh));
    // The units-only plans are kept on record as replaced, not listed as applied.
    const list = await runCli(['--db', db, 'plan', 'list']);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    const again = await importInto(db, { units, people, posts: POSTS });
    expect(again.stderr).toContain('; 0 dated plans applied');
  });

  it('refuses, at the row, a change to a day imported before, and stores nothing', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const before = await exported(db);
    // Bo's level corrected from the first day, and Cy hired later: all or nothing.
    const corrected = `${PEOPLE.replace('B,Bo,S,A,,P3,', 'B,Bo,S,A,,P5,')}Y,Cy,S,A,,P2,2020-02-10,\n`;
    const refused = await importInto(db, { units: UNITS, people: corrected, posts: POSTS });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /people-\d+\.csv:3:1: hire \(changes\[0\]\): a person with id "B" is already in the organization on 2020-01-01/,
    );
    expect(refused.stderr).toContain('the organization holds an earlier import: an import adds what is new');
    expect(await exported(db)).toBe(before);
  });
});

describe('importing again with --replace: the files replace what earlier imports brought in', () => {
  /** Bo's level corrected from the first day, Di's rows taken out, Cy hired later. */
  const CORRECTED = `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to
A,Ann,C,,CEO,M9,2020-01-01,
B,Bo,S,A,,P5,2020-01-01,
Y,Cy,S,A,,P2,2020-02-10,
`;

  it('makes the corrections and removals a fresh import of the files makes, and keeps what was known before', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const before = await exported(db);
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const replaced = await importInto(
      db,
      { units: UNITS, people: CORRECTED, posts: POSTS },
      '--replace',
      '--json',
    );
    expect(replaced.code, replaced.stderr).toBe(0);
    // 2020-01-01 differs (Bo's level, no Di) and is replaced; 2020-02-10 is new.
    expect(replaced.stderr).toContain('; 2 dated plans applied, in place of 1 plans of earlier imports');
    expect(JSON.parse(replaced.stdout).replaced).toEqual([expect.stringMatching(/^import-.*-2020-01-01$/)]);
    const fresh = newStore();
    expect((await importInto(fresh, { units: UNITS, people: CORRECTED, posts: POSTS })).code).toBe(0);
    const after = await exported(db);
    expect(after).toBe(await exported(fresh));
    expect(after).not.toContain('Di');
    expect(after).toContain('B,Bo,S,A,,P5,2020-01-01,');
    // As known before the second import, the organization is the first import's.
    expect(await exported(db, between)).toBe(before);
    const list = await runCli(['--db', db, 'plan', 'list']);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('takes out days the files no longer have, and stores nothing when the files are the same', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS })).code).toBe(0);
    const same = await importInto(
      db,
      { units: UNITS_LATER, people: PEOPLE_LATER, posts: POSTS },
      '--replace',
    );
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('; 0 dated plans applied');
    const earlier = await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS }, '--replace');
    expect(earlier.code, earlier.stderr).toBe(0);
    // The first day is the same in both; the three later days are taken out.
    expect(earlier.stderr).toContain('; 0 dated plans applied, in place of 3 plans of earlier imports');
    const fresh = newStore();
    expect((await importInto(fresh, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    expect(await exported(db)).toBe(await exported(fresh));
  });

  it('applies the plans that did not come from an import again, and refuses at its line one the files undo', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const plan = write(
      'move-di.yaml',
      'plan: move-di\ntitle: Di to Sales\neffective: 2020-03-01\nchanges:\n  - transfer: { person: "#D", to: "#S" }\n',
    );
    const applied = await runCli(['--db', db, 'plan', 'apply', plan]);
    expect(applied.code, applied.stderr).toBe(0);
    // A correction that keeps Di: the plan is applied again after it.
    const levels = PEOPLE.replace('B,Bo,S,A,,P3,', 'B,Bo,S,A,,P5,');
    const corrected = await importInto(db, { units: UNITS, people: levels, posts: POSTS }, '--replace');
    expect(corrected.code, corrected.stderr).toBe(0);
    const person = await runCli(['--db', db, '--json', 'person', '#D', '--as-of', '2020-04-01']);
    expect(person.code, person.stderr).toBe(0);
    expect(person.stdout).toContain('Sales');
    // Files without Di: the plan moving her no longer applies; refused at its line, nothing stored.
    const before = await exported(db);
    const refused = await importInto(db, { units: UNITS, people: CORRECTED, posts: POSTS }, '--replace');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/move-di\.yaml:5|changes\[0\]/);
    expect(refused.stderr).toContain(
      'the plans that did not come from an import are applied again with them',
    );
    expect(await exported(db)).toBe(before);
  });

  it('refuses rows rejected, even with --allow-partial, and files without rows: they would take data out', async () => {
    const db = newStore();
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const before = await exported(db);
    const typo = PEOPLE.replace('D,Di,E,A,,P4,2020-01-01,', 'D,Di,E,A,,P4,2020-13-01,');
    const partial = await importInto(
      db,
      { units: UNITS, people: typo, posts: POSTS },
      '--replace',
      '--allow-partial',
    );
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/people-\d+\.csv:4:\d+: .*2020-13-01/);
    expect(partial.stderr).toContain(
      'with --replace the rows rejected would be taken out of the organization',
    );
    expect(partial.stderr.match(/2020-13-01/g)).toHaveLength(1);
    const header = (text: string) => `${text.split('\n')[0]}\n`;
    const empty = await importInto(
      db,
      { units: header(UNITS), people: header(PEOPLE), posts: header(POSTS) },
      '--replace',
    );
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('the files hold no rows');
    expect(await exported(db)).toBe(before);
  });

  it('--dry-run checks and shows what it would change, day by day, and stores nothing', async () => {
    const db = newStore();
    const first = await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS }, '--dry-run');
    expect(first.code, first.stderr).toBe(0);
    // Two units and three people hired, two lines, one head: the first day's changes.
    expect(first.stdout).toMatch(/^2020-01-01 {2}changes: \d+ in, 0 out\n$/);
    expect(first.stderr).toContain('would apply 1 dated plans; nothing stored (--dry-run)');
    expect((await runCli(['--db', db, 'plan', 'list'])).stdout).toBe('No plans applied.\n');
    expect((await importInto(db, { units: UNITS, people: PEOPLE, posts: POSTS })).code).toBe(0);
    const before = await exported(db);
    const dry = await importInto(
      db,
      { units: UNITS, people: CORRECTED, posts: POSTS },
      '--replace',
      '--dry-run',
    );
    expect(dry.code, dry.stderr).toBe(0);
    // Bo's hire changed (one in, one out); Di's hire and line out; Cy hired with a line.
    expect(dry.stdout).toBe('2020-01-01  changes: 1 in, 3 out\n2020-02-10  changes: 2 in, 0 out\n');
    expect(dry.stderr).toContain(
      'would apply 2 dated plans, in place of 1 plans of earlier imports; nothing stored',
    );
    const json = await importInto(
      db,
      { units: UNITS, people: CORRECTED, posts: POSTS },
      '--replace',
      '--dry-run',
      '--json',
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      planned: [expect.stringMatching(/-2020-01-01$/), expect.stringMatching(/-2020-02-10$/)],
      replaced: [expect.stringMatching(/-2020-01-01$/)],
      days: [
        { effective: '2020-01-01', added: 1, removed: 3 },
        { effective: '2020-02-10', added: 2, removed: 0 },
      ],
    });
    // Without --replace the correction is refused, as the import itself would be.
    const refused = await importInto(db, { units: UNITS, people: CORRECTED, posts: POSTS }, '--dry-run');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a person with id "B" is already in the organization');
    expect(await exported(db)).toBe(before);
    expect((await runCli(['--db', db, 'plan', 'list'])).stdout.trim().split('\n')).toHaveLength(1);
  });
});
