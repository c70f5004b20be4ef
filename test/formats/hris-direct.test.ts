import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import { runImportJob } from '../../src/engine/import-job.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { readDirect } from '../../src/formats/hris-direct.ts';
import { type ImportInput, readImport } from '../../src/formats/hris-import.ts';
import { openStore } from '../../src/store/open.ts';
import type { OrgStore } from '../../src/store/store.ts';
import { hrExport } from '../property/hris-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-direct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = () => new Date('2026-01-01T00:00:00.000Z');
let counter = 0;

async function engine(name: string): Promise<OrgEngine> {
  const e = new OrgEngine(openStore(join(dir, `${name}-${++counter}.db`)), clock);
  await e.store.migrate();
  return e;
}

/** What importing gave: the stored rows, or the problems of the refusal. */
async function outcome(e: OrgEngine, run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return `stored ${await e.store.dump()}`;
  } catch (error) {
    if (!(error instanceof OrgshiftError)) throw error;
    return `refused ${JSON.stringify(error.problems)}`;
  }
}

function inputOf(files: { units: string; people: string; posts: string }, inclusiveEnd = false): ImportInput {
  return {
    units: { file: 'units.csv', text: files.units },
    people: { file: 'people.csv', text: files.people },
    posts: { file: 'posts.csv', text: files.posts },
    ...(inclusiveEnd ? { inclusiveEnd: true } : {}),
  };
}

/**
 * Imports files both ways — straight from them when the direct way is sure, and the usual way — and
 * expects the same stored rows. Returns whether the direct way was sure.
 */
async function bothWays(input: ImportInput, tune: (store: OrgStore) => void = () => {}): Promise<boolean> {
  const direct = readDirect(input);
  if (!direct.ok) return false;
  const usual = await engine('usual');
  const straight = await engine('direct');
  tune(straight.store);
  try {
    const expected = await outcome(usual, () => usual.importDays('default', readImport(input)));
    // Sure only of what the usual way stores.
    expect(expected.slice(0, 7)).toBe('stored ');
    const got = await outcome(straight, async () => {
      const done = await straight.importDirect('default', () => direct);
      expect(done).not.toBeNull();
    });
    expect(got).toBe(expected);
    return true;
  } finally {
    await usual.store.close();
    await straight.store.close();
  }
}

describe('an import made straight from its files', () => {
  it('stores what the usual way stores, row for row, for the files an HR system exports', async () => {
    const seen = { runs: 0, sure: 0, odd: 0, oddSure: new Set<string>() };
    // What the sure imports held, so that the generator is known to reach each case.
    const held = { vacant: 0, concurrent: 0, moved: 0, left: 0, inclusive: 0, later: 0 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const files = hrExport(seed);
        seen.runs += 1;
        const input = inputOf(files, files.inclusiveEnd);
        const sure = await bothWays(input);
        if (sure) {
          seen.sure += 1;
          const made = readDirect(input);
          if (!made.ok) throw new Error('not sure the second time');
          const { facts, days } = made.imported;
          for (const post of facts.posts()) {
            if (post.holder === null) held.vacant += 1;
            if (post.concurrent) held.concurrent += 1;
          }
          for (const person of facts.people()) {
            if (new Set(person.versions.map((v) => v.unit)).size > 1) held.moved += 1;
            if (person.versions.some((v) => v.to !== null)) held.left += 1;
          }
          if (files.inclusiveEnd) held.inclusive += 1;
          if (days.length > 2) held.later += 1;
        }
        if (files.oddity !== '') {
          seen.odd += 1;
          if (sure) seen.oddSure.add(files.oddity);
        }
      }),
      { numRuns: 200 },
    );
    // Most plain exports are taken the direct way, with CRLF lines, a byte order mark, spaces around
    // values or a header in other words too; never files with a quoted field, a unit not in the units
    // file, a row narrower than the header, a day that is not one, a unit that ends or a status (an
    // overlap or a manager of one's own may happen to be none). Whenever it is sure, the usual way
    // stores the same (above).
    expect(seen.sure).toBeGreaterThan(seen.runs / 2);
    for (const count of Object.values(held)) expect(count).toBeGreaterThan(3);
    expect(seen.odd).toBeGreaterThan(seen.runs / 5);
    for (const odd of ['crlf', 'bom', 'spaces', 'header']) expect(seen.oddSure.has(odd)).toBe(true);
    for (const odd of ['quoted', 'unknown unit', 'narrow row', 'bad date', 'unit ends', 'status'])
      expect(seen.oddSure.has(odd)).toBe(false);
  }, 120_000);

  it('stores the same through the writer thread', async () => {
    let sure = 0;
    let writers = 0;
    for (let seed = 1; sure < 10 && seed < 200; seed++) {
      const files = hrExport(seed);
      if (files.oddity !== '') continue;
      const taken = await bothWays(inputOf(files, files.inclusiveEnd), (store) => {
        store.bulkRows = 1;
        const make = store.capabilities.firstCommitWriter!.bind(store.capabilities);
        store.capabilities.firstCommitWriter = (alone) => {
          writers += 1;
          return make(alone);
        };
      });
      if (taken) sure += 1;
    }
    expect(sure).toBe(10);
    expect(writers).toBe(10);
  }, 60_000);

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
      expect(readDirect({ units: files.units, people: files.people })).toMatchObject({ ok: false });
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
