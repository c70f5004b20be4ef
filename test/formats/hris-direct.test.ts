import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImportFiles } from '../../bench/import-files.ts';
import { runImportJob } from '../../src/engine/import-job.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { readDirect } from '../../src/formats/hris-direct.ts';
import { type CsvInput, type ImportInput, readImport } from '../../src/formats/hris-import.ts';
import { FileSpool } from '../../src/formats/spool.ts';
import type { OrgStore } from '../../src/store/store.ts';
import { scratchEngines, storedOrRefused } from '../helpers.ts';
import { hrExport } from '../property/hris-files.ts';
import { dialects } from '../store/dialects.ts';

const engine = scratchEngines('direct');

/**
 * Text given in pieces of whole lines, a few at a time (as files are read), so that reading it takes
 * steps; `again`: it can be read again from its start, as a file on disk (the lean way then holds none
 * of it).
 */
function inPieces(file: string, text: string, lines: number, again = false): CsvInput {
  const all = text.split(/(?<=\n)/);
  const pieces: string[] = [];
  for (let i = 0; i < all.length; i += lines) pieces.push(all.slice(i, i + lines).join(''));
  return { file, pieces, size: text.length, ...(again ? { again: () => [...pieces] } : {}) };
}

function inputOf(
  files: { units: string; people: string; posts: string },
  inclusiveEnd = false,
  lines = 0,
  again = false,
): ImportInput {
  const input = (file: string, text: string): CsvInput =>
    lines > 0 ? inPieces(file, text, lines, again) : { file, text };
  return {
    units: input('units.csv', files.units),
    people: input('people.csv', files.people),
    posts: input('posts.csv', files.posts),
    ...(inclusiveEnd ? { inclusiveEnd: true } : {}),
  };
}

/**
 * Imports files both ways — straight from them (`importDirect`, the lean way, which may give up) and
 * the usual way — and expects the same stored rows when the direct way imported them, nothing stored
 * when it gave up. Returns whether the direct way imported them. `input` is made anew for each read
 * (pieces are read once).
 */
async function bothWays(
  input: () => ImportInput,
  tune: (store: OrgStore) => void = () => {},
): Promise<boolean> {
  const usual = await engine('usual');
  const straight = await engine('direct');
  tune(straight.store);
  try {
    const done = await straight.importDirect('default', (options) => readDirect(input(), undefined, options));
    if (done === null) {
      expect((await straight.store.findOrg('default'))?.version).toBe(0);
      return false;
    }
    const expected = await storedOrRefused(usual, () => usual.importDays('default', readImport(input())));
    // Sure only of what the usual way stores.
    expect(expected.slice(0, 7)).toBe('stored ');
    expect(`stored ${await straight.store.dump()}`).toBe(expected);
    return true;
  } finally {
    await usual.store.close();
    await straight.store.close();
  }
}

describe('an import made straight from its files', () => {
  it('stores what the usual way stores, row for row, for the files an HR system exports', async () => {
    const seen = { runs: 0, sure: 0 };
    // What the sure imports held, so that the generator is known to reach each case.
    const held = { vacant: 0, concurrent: 0, moved: 0, left: 0, inclusive: 0, later: 0, lines: 0 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const files = hrExport(seed);
        seen.runs += 1;
        // Read a few lines at a time in some runs (from a text that can be read again in some): the
        // people are then stored as they are read.
        const lines = seed % 3 === 0 ? 0 : 1 + (seed % 4);
        const input = () => inputOf(files, files.inclusiveEnd, lines, seed % 5 < 3);
        if (!(await bothWays(input))) return;
        seen.sure += 1;
        const made = readDirect(input());
        if (!made.ok) throw new Error('not sure the second time');
        const { facts } = made.imported;
        for (const post of facts.posts()) {
          if (post.holder === null) held.vacant += 1;
          if (post.concurrent) held.concurrent += 1;
        }
        for (const person of facts.people()) {
          if (new Set(person.versions.map((v) => v.unit)).size > 1) held.moved += 1;
          if (person.versions.some((v) => v.to !== null)) held.left += 1;
        }
        for (const _ of facts.lines()) held.lines += 1;
        if (files.inclusiveEnd) held.inclusive += 1;
        if (made.imported.days().length > 2) held.later += 1;
      }),
      { numRuns: 200 },
    );
    expect(seen.sure).toBeGreaterThan(seen.runs / 2);
    for (const count of Object.values(held)) expect(count).toBeGreaterThan(3);
  }, 120_000);

  it('is sure of exports with CRLF lines, a byte order mark, spaces or a header in other words, never of mistakes', () => {
    const sure = new Map<string, boolean>();
    for (let seed = 1; seed <= 2000; seed++) {
      const files = hrExport(seed);
      if (files.oddity === '') continue;
      const made = readDirect(inputOf(files, files.inclusiveEnd));
      sure.set(files.oddity, (sure.get(files.oddity) ?? false) || made.ok);
    }
    // A quoted field is for the usual way to read; the rest are rows it refuses (an overlap or a manager
    // of one's own may happen to be none, so are not listed).
    for (const odd of ['crlf', 'bom', 'spaces', 'header', 'apart'])
      expect([odd, sure.get(odd)]).toEqual([odd, true]);
    for (const odd of ['quoted', 'unknown unit', 'narrow row', 'bad date', 'unit ends', 'status'])
      expect([odd, sure.get(odd)]).toEqual([odd, false]);
  });

  it('stores the same through the writer thread', async () => {
    let sure = 0;
    let writers = 0;
    let apart = 0;
    for (let seed = 1; sure < 10 && seed < 200; seed++) {
      const files = hrExport(seed);
      if (files.oddity !== '' && files.oddity !== 'apart') continue;
      const taken = await bothWays(
        () => inputOf(files, files.inclusiveEnd, 2),
        (store) => {
          store.bulkRows = 1;
          const make = store.capabilities.firstCommitWriter!.bind(store.capabilities);
          store.capabilities.firstCommitWriter = (alone) => {
            writers += 1;
            return make(alone);
          };
        },
      );
      if (taken) sure += 1;
      if (taken && files.oddity === 'apart') apart += 1;
    }
    expect(sure).toBe(10);
    // Each import took one writer: a file with a person's rows apart is found so as it is hashed, before
    // anything is stored, and is then read grouped by person.
    expect(writers).toBe(10);
    expect(apart).toBeGreaterThan(0);
  }, 60_000);

  it('stores the same plans of several megabytes, in the same parts, through the writer thread', async () => {
    // The benchmark's files at 40k rows: the first day's plan is about 5 MB, stored in parts.
    const dir = mkdtempSync(join(tmpdir(), 'orgshift-direct-large-'));
    try {
      for (const managers of ['heads', 'skip-level'] as const) {
        const paths = await writeImportFiles(dir, 40_000, managers);
        const files = {
          units: readFileSync(paths.units, 'utf8'),
          people: readFileSync(paths.people, 'utf8'),
          posts: readFileSync(paths.posts, 'utf8'),
        };
        let writers = 0;
        let parts = 0;
        const taken = await bothWays(
          () => inputOf(files, false, 5000),
          (store) => {
            const make = store.capabilities.firstCommitWriter!.bind(store.capabilities);
            store.capabilities.firstCommitWriter = (alone) => {
              writers += 1;
              return make(alone);
            };
            const dump = store.dump.bind(store);
            store.dump = async () => {
              const text = await dump();
              parts = (JSON.parse(text) as { plan_parts: unknown[] }).plan_parts.length;
              return text;
            };
          },
        );
        // The lean way: the people's rows are not held once stored (but the posts' holders').
        expect([managers, taken, writers]).toEqual([managers, true, 1]);
        const held = (way: { spool?: FileSpool }) => {
          const made = readDirect(inputOf(files, false, 5000, true), undefined, way);
          if (!made.ok) throw new Error(made.reason);
          for (const _ of made.imported.facts.people());
          made.imported.days();
          return made.imported.peopleHeld;
        };
        const spool = new FileSpool();
        try {
          expect(held({ spool })).toBe(paths.unitCount);
        } finally {
          spool.close();
        }
        expect(held({})).toBe(paths.persons);
        // Past their first parts, the plans are in 4 or more rows of plan_parts.
        expect(parts).toBeGreaterThanOrEqual(4);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stores the same on PostgreSQL', async () => {
    const postgres = dialects().find((d) => d.name === 'postgres')!;
    afterAll(() => postgres.cleanup());
    const clock = () => new Date('2026-01-01T00:00:00.000Z');
    let sure = 0;
    for (let seed = 1; sure < 5 && seed < 100; seed++) {
      const files = hrExport(seed);
      if (files.oddity !== '') continue;
      const input = () => inputOf(files, files.inclusiveEnd, 3, true);
      const usual = new OrgEngine(await postgres.open(), clock);
      const straight = new OrgEngine(await postgres.open(), clock);
      try {
        // (PostgreSQL takes the plans before the facts: the lean way reads the people through first.)
        const done = await straight.importDirect('default', (options) =>
          readDirect(input(), undefined, options),
        );
        if (done === null) continue;
        sure += 1;
        const expected = await storedOrRefused(usual, () => usual.importDays('default', readImport(input())));
        expect(`stored ${await straight.store.dump()}`).toBe(expected);
      } finally {
        await usual.store.close();
        await straight.store.close();
      }
    }
    expect(sure).toBe(5);
  }, 120_000);

  it("imports a file with a person's rows apart, the rows put together by person as the usual way would", async () => {
    const units = 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n';
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      '9,Ann,C,,,P1,2020-01-01,2021-01-01',
      '2,Bob,C,,,,2020-01-01,',
      '5,Cy,C,,,,2020-01-01,',
      '9,Ann,C,,,P2,2021-01-01,',
      '',
    ].join('\n');
    const e = await engine('apart');
    // Through the writer thread, which takes the rows as they are made (a small import takes its plans first).
    e.store.bulkRows = 1;
    try {
      const done = await e.importDirect('default', (options) =>
        readDirect(
          { units: { file: 'units.csv', text: units }, people: inPieces('people.csv', people, 1, true) },
          undefined,
          options,
        ),
      );
      expect(done?.applied.map((a) => a.effective)).toEqual(['2020-01-01', '2021-01-01']);
      expect((await e.person('default', 'Ann', '2020-06-01')).level).toBe('P1');
      expect((await e.person('default', 'Ann', '2021-06-01')).level).toBe('P2');
      const [first] = await e.store.plans((await e.store.findOrg('default'))!.id);
      // The hires in the order the people first come in the file (not their ids').
      expect(
        first!.source
          .split('\n')
          .filter((l) => l.includes('"hire"'))
          .map((l) => /"person":"(\w+)"/.exec(l)?.[1]),
      ).toEqual(['Ann', 'Bob', 'Cy']);
    } finally {
      await e.store.close();
    }
  });

  it('stores what the usual way stores for an export sorted by date, many thousands of people apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgshift-direct-sorted-'));
    try {
      const paths = await writeImportFiles(dir, 40_000);
      const [header, ...rows] = readFileSync(paths.people, 'utf8').trimEnd().split('\n');
      // Every row by its valid_from (the sort is stable): the second periods of 3.6k people at the end.
      const from = (row: string) => row.split(',')[6]!;
      rows.sort((a, b) => (from(a) < from(b) ? -1 : from(a) > from(b) ? 1 : 0));
      const files = {
        units: readFileSync(paths.units, 'utf8'),
        people: `${[header, ...rows].join('\n')}\n`,
        posts: readFileSync(paths.posts, 'utf8'),
      };
      expect(await bothWays(() => inputOf(files, false, 5000, true))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a people file that changed between its two readings, and stores nothing', async () => {
    const units = 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n';
    const people =
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,,,P1,2020-01-01,\n2,Bob,C,,,,2020-01-01,\n';
    const e = await engine('changed');
    e.store.bulkRows = 1;
    /** Imports `text` as the people file, read again as `changed`. */
    const importChanged = (text: string, changed: string) =>
      e.importDirect('default', (options) =>
        readDirect(
          {
            units: { file: 'units.csv', text: units },
            people: { file: 'people.csv', pieces: [text], size: text.length, again: () => [changed] },
          },
          undefined,
          options,
        ),
      );
    try {
      // Written to meanwhile: Bob is Rob when it is read again.
      await expect(importChanged(people, people.replace('Bob', 'Rob'))).rejects.toThrow(
        'people.csv changed while it was imported; nothing imported',
      );
      expect((await e.store.findOrg('default'))?.version).toBe(0);
      // The same when the file is read again grouped by person (Ann's rows apart), someone new in it.
      const apart = `${people}1,Ann,C,,,P2,2021-01-01,\n`;
      await expect(importChanged(apart, apart.replace('2,Bob', '3,Bob'))).rejects.toThrow(
        'people.csv changed while it was imported; nothing imported',
      );
      expect((await e.store.findOrg('default'))?.version).toBe(0);
    } finally {
      await e.store.close();
    }
  });

  it("holds the rows of the posts' holders and of anyone a manager_id names, and no one else's", async () => {
    const units =
      'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\nS,Sales,team,C,2020-01-01,\n';
    // Cy reports to Bob, who holds no post and is read before him; Eve to Fay, read after her.
    const people = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      '1,Ann,C,,,M9,2020-01-01,',
      '2,Bob,C,,,M5,2020-01-01,',
      '3,Cy,S,2,,P1,2020-01-01,',
      '4,Dee,S,,,P1,2020-01-01,',
      '5,Eve,S,6,,P1,2020-01-01,',
      '6,Fay,C,,,M4,2020-01-01,',
      '',
    ].join('\n');
    const posts = 'person_id,unit_id,post,valid_from,valid_to\n1,C,head,2020-01-01,\n';
    const input = (): ImportInput => ({
      units: { file: 'units.csv', text: units },
      people: inPieces('people.csv', people, 1, true),
      posts: { file: 'posts.csv', text: posts },
    });
    const spool = new FileSpool();
    try {
      const made = readDirect(input(), undefined, { spool });
      if (!made.ok) throw new Error(made.reason);
      expect([...made.imported.facts.people()].map((p) => p.id)).toEqual(['1', '2', '3', '4', '5', '6']);
      made.imported.days();
      // Ann, Bob and Fay.
      expect(made.imported.peopleHeld).toBe(3);
    } finally {
      spool.close();
    }
    const e = await engine('managers');
    e.store.bulkRows = 1;
    try {
      const done = await e.importDirect('default', (options) => readDirect(input(), undefined, options));
      expect(done?.applied.map((a) => a.effective)).toEqual(['2020-01-01']);
      expect((await e.person('default', 'Cy', '2020-06-01')).manager?.name).toBe('Bob');
      expect((await e.person('default', 'Eve', '2020-06-01')).manager?.name).toBe('Fay');
    } finally {
      await e.store.close();
    }
  });

  it('leaves files it is not sure of to the usual way, which refuses their mistakes at their lines', async () => {
    const e = await engine('fallback');
    try {
      const files = {
        units: {
          file: 'units.csv',
          text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\n',
        },
        people: {
          file: 'people.csv',
          text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,,,,2020-01-01,\n2,Bob,X,,,,2020-01-01,\n',
        },
      };
      expect(readDirect({ units: files.units, people: files.people })).toMatchObject({
        ok: false,
      });
      await expect(
        runImportJob(e, { org: 'default', files, allowPartial: false, replace: false, dryRun: false }),
      ).rejects.toMatchObject({
        problems: [expect.objectContaining({ location: { file: 'people.csv', line: 3, col: 1 } })],
      });
      expect(await e.store.findOrg('default')).toMatchObject({ version: 0 });
    } finally {
      await e.store.close();
    }
  });

  it('imports a plain export the direct way through the import job, and the organization reads as the files say', async () => {
    const e = await engine('job');
    try {
      const files = {
        units: {
          file: 'units.csv',
          text: 'unit_id,name,type,parent_id,valid_from,valid_to\nC,Co,company,,2020-01-01,\nS,Sales,team,C,2020-01-01,\n',
        },
        people: {
          file: 'people.csv',
          text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n1,Ann,C,,CEO,M9,2020-01-01,\n2,Bob,S,,,P2,2020-01-01,2021-01-01\n2,Bob,C,1,,P3,2021-01-01,\n',
        },
        posts: {
          file: 'posts.csv',
          text: 'person_id,unit_id,post,valid_from,valid_to\n1,C,head,2020-01-01,\n',
        },
      };
      expect(readDirect({ units: files.units, people: files.people, posts: files.posts }).ok).toBe(true);
      const done = await runImportJob(e, {
        org: 'default',
        files,
        allowPartial: false,
        replace: false,
        dryRun: false,
      });
      expect(done).toMatchObject({ read: 6, accepted: 6, rejected: [] });
      expect(done.applied.map((a) => a.effective)).toEqual(['2020-01-01', '2021-01-01']);
      const bob = await e.person('default', 'Bob', '2021-06-01');
      expect(bob).toMatchObject({ unit: 'Co', level: 'P3' });
      expect(bob.manager?.name).toBe('Ann');
      expect((await e.person('default', 'Bob', '2020-06-01')).unit).toBe('Sales');
    } finally {
      await e.store.close();
    }
  });
});
