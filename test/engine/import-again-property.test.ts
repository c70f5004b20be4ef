import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { csvLineage, csvPeople, csvPosts, csvUnits } from '../../src/formats/export.ts';
import { type ImportInput, readImport } from '../../src/formats/hris-import.ts';
import { joined } from '../../src/formats/pieces.ts';
import { openStore } from '../../src/store/open.ts';
import { hrisFiles } from '../property/hris-files.ts';

// Random HRIS files imported, then imported again into the same organization: the same files, or the
// same files in two runs (the units and lineage, then everything).
const dir = mkdtempSync(join(tmpdir(), 'orgshift-again-property-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = () => new Date('2026-01-01T00:00:00.000Z');
let counter = 0;

async function engine(): Promise<OrgEngine> {
  const e = new OrgEngine(openStore(join(dir, `org-${++counter}.db`)), clock);
  await e.store.migrate();
  return e;
}

type Files = ReturnType<typeof hrisFiles>;

function input(files: Partial<Files>): ImportInput {
  const out: ImportInput = {};
  for (const kind of ['units', 'people', 'posts', 'lineage'] as const) {
    const text = files[kind];
    if (text !== undefined) out[kind] = { file: `${kind}.csv`, text };
  }
  return out;
}

/** Applied, or null when the files have rows refused or the organization refuses the plans. */
async function imported(target: OrgEngine, files: Partial<Files>): Promise<number | null> {
  const read = readImport(input(files));
  if (read.rejected.length > 0) return null;
  try {
    return (await target.applyFirst('default', read)).length;
  } catch (error) {
    if (error instanceof OrgshiftError) return null;
    throw error;
  }
}

/** Applied with `replace`; null when the organization refuses the plans. */
async function replacedBy(target: OrgEngine, files: Files): Promise<number | null> {
  try {
    return (await target.importDays('default', readImport(input(files)), { replace: true })).applied.length;
  } catch (error) {
    if (error instanceof OrgshiftError) return null;
    throw error;
  }
}

/** The files as a corrected export gives them: some rows taken out, some levels and unit names changed. */
function corrected(files: Files, seed: number): Files {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const edit = (text: string, column: number, to: (value: string) => string) =>
    text
      .split('\n')
      .flatMap((row, i) => {
        if (i <= 1 || row === '') return [row];
        const roll = rand();
        if (roll < 0.1) return [];
        if (roll >= 0.2 || column < 0) return [row];
        const cells = row.split(',');
        cells[column] = to(cells[column] ?? '');
        return [cells.join(',')];
      })
      .join('\n');
  return {
    units: edit(files.units, 1, (name) => `${name} X`),
    people: edit(files.people, 5, (level) => (level === 'P2' ? 'P3' : 'P2')),
    posts: edit(files.posts, -1, (cell) => cell),
    lineage: edit(files.lineage, -1, (cell) => cell),
  };
}

/** Every period of the organization, as the four import files. */
async function exported(target: OrgEngine): Promise<string> {
  const history = await target.history('default');
  return [csvUnits(history), csvPeople(history), csvPosts(history), csvLineage(history)].map(joined).join('');
}

describe('random HRIS files imported again', () => {
  it('add nothing the second time, and store nothing', async () => {
    let rounds = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const files = hrisFiles(seed);
        const org = await engine();
        try {
          if ((await imported(org, files)) === null) return;
          rounds += 1;
          const before = await org.store.dump();
          expect(await imported(org, files)).toBe(0);
          expect(await org.store.dump()).toBe(before);
        } finally {
          await org.store.close();
        }
      }),
      { numRuns: 120 },
    );
    expect(rounds).toBeGreaterThan(5);
  });

  it('taken in two runs (the units, then all of them) give the organization one run gives', async () => {
    let rounds = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const files = hrisFiles(seed);
        const once = await engine();
        const twice = await engine();
        try {
          if ((await imported(once, files)) === null) return;
          if ((await imported(twice, { units: files.units, lineage: files.lineage })) === null) return;
          rounds += 1;
          expect(await imported(twice, files)).not.toBeNull();
          expect(await exported(twice)).toBe(await exported(once));
        } finally {
          await once.store.close();
          await twice.store.close();
        }
      }),
      { numRuns: 120 },
    );
    expect(rounds).toBeGreaterThan(5);
  });

  it('with replace give the organization a fresh import of the new files gives, or are refused and store nothing', async () => {
    let rounds = 0;
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.boolean(),
        async (seed, other, unrelated) => {
          const files = hrisFiles(seed);
          const next = unrelated ? hrisFiles(other) : corrected(files, other);
          if (readImport(input(next)).rejected.length > 0) return;
          const org = await engine();
          const fresh = await engine();
          try {
            if ((await imported(org, files)) === null) return;
            const before = await org.store.dump();
            const freshly = await imported(fresh, next);
            const again = await replacedBy(org, next);
            if (freshly === null) {
              refusals += 1;
              expect(again).toBeNull();
              expect(await org.store.dump()).toBe(before);
              return;
            }
            rounds += 1;
            expect(again).not.toBeNull();
            expect(await exported(org)).toBe(await exported(fresh));
            expect(await replacedBy(org, next)).toBe(0);
          } finally {
            await org.store.close();
            await fresh.store.close();
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(rounds).toBeGreaterThan(5);
    expect(refusals).toBeGreaterThan(0);
  });

  it('checked with dryRun are refused exactly when the import is, and store nothing', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), async (seed, again) => {
        const files = hrisFiles(seed);
        const read = readImport(input(files));
        if (read.rejected.length > 0) return;
        const org = await engine();
        try {
          // Into a new organization, or again, with corrections, into one that holds the files.
          const next = again ? corrected(files, seed) : files;
          if (again && (await imported(org, files)) === null) return;
          if (readImport(input(next)).rejected.length > 0) return;
          const before = await org.store.dump();
          let dry: boolean;
          try {
            await org.importDays('default', readImport(input(next)), { dryRun: true, replace: again });
            dry = true;
          } catch (error) {
            if (!(error instanceof OrgshiftError)) throw error;
            dry = false;
          }
          expect(await org.store.dump()).toBe(before);
          const real = again ? (await replacedBy(org, next)) !== null : (await imported(org, next)) !== null;
          expect(dry).toBe(real);
          if (real) accepted += 1;
          else refused += 1;
        } finally {
          await org.store.close();
        }
      }),
      { numRuns: 120 },
    );
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(0);
  });
});
