import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { OrgshiftError } from '../../src/core/errors.ts';
import { checkInvariants } from '../../src/core/invariants.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { BASE, examplePlans, plan } from '../helpers.ts';
import { DATES, organization, planOver, planSource } from './generators.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parsing either gives a plan or an OrgshiftError whose every problem is located in the file. */
function parsesOrLocates(source: string): void {
  try {
    parsePlan(source, 'fuzz.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(OrgshiftError);
    const problems = (error as OrgshiftError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.location?.file).toBe('fuzz.yaml');
      expect(p.location!.line).toBeGreaterThanOrEqual(1);
      expect(p.location!.col).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
    }
  }
}

const exampleSources = examplePlans().map((p) => p.source);

describe('arbitrary plan files', () => {
  it('never crash: arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), parsesOrLocates), { numRuns: 300 });
  });

  it('never crash: arbitrary YAML values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => parsesOrLocates(stringify(value))),
      { numRuns: 300 },
    );
  });

  it('never crash: example plans with random edits', () => {
    const edit = fc.record({
      file: fc.integer({ min: 0, max: exampleSources.length - 1 }),
      at: fc.nat(),
      remove: fc.integer({ min: 0, max: 12 }),
      insert: fc.string({ maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let source = exampleSources[edits[0]!.file]!;
        for (const e of edits) {
          const at = e.at % (source.length + 1);
          source = source.slice(0, at) + e.insert + source.slice(at + e.remove);
        }
        parsesOrLocates(source);
      }),
      { numRuns: 300 },
    );
  });
});

describe('arbitrary operation sequences against a generated organization', () => {
  it('accept only plans that keep every invariant, and leave the store byte-for-byte unchanged on refusal', async () => {
    let run = 0;
    const tally = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(planSource(1), planSource(2), planSource(3), planSource(4)),
        async (sources) => {
          run += 1;
          await applyRandomPlans(join(dir, `run-${run}.db`), BASE, sources, tally, 'plan_refused');
        },
      ),
      { numRuns: 40 },
    );
    // Both paths must be exercised, or the property proves nothing.
    expect(tally.accepted).toBeGreaterThan(5);
    expect(tally.refused).toBeGreaterThan(5);
  });
});

describe('arbitrary operation sequences against generated organizations', () => {
  it('keep every invariant or refuse with a located error, leaving the store unchanged', async () => {
    let run = 0;
    const tally = { accepted: 0, refused: 0 };
    const scenario = organization.chain((org) =>
      fc.tuple(fc.constant(org), planOver(org, 1), planOver(org, 2), planOver(org, 3)),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([org, ...sources]) => {
        run += 1;
        await applyRandomPlans(join(dir, `generated-${run}.db`), org.source, sources, tally);
      }),
      { numRuns: 40 },
    );
    expect(tally.accepted).toBeGreaterThan(5);
    expect(tally.refused).toBeGreaterThan(5);
  });
});

/**
 * Applies a base organization, then each random plan: an accepted plan must leave every invariant
 * true on every date; a refused one must be an OrgshiftError with located problems (of `refusalId`,
 * when given) and leave the store byte-for-byte unchanged.
 */
async function applyRandomPlans(
  path: string,
  base: string,
  sources: string[],
  tally: { accepted: number; refused: number },
  refusalId?: string,
): Promise<void> {
  const engine = await OrgEngine.open(path);
  try {
    await engine.apply('default', { plan: plan(base), source: base });
    for (const source of sources) {
      const before = await engine.store.dump();
      try {
        await engine.apply('default', { plan: parsePlan(source, 'random.yaml'), source });
      } catch (error) {
        expect(error).toBeInstanceOf(OrgshiftError);
        const refused = error as OrgshiftError;
        if (refusalId !== undefined) expect(refused.id).toBe(refusalId);
        for (const problem of refused.problems) expect(problem.location?.line).toBeGreaterThanOrEqual(1);
        expect(await engine.store.dump()).toBe(before);
        tally.refused += 1;
        continue;
      }
      tally.accepted += 1;
      const history = await engine.history('default');
      for (const date of DATES) expect(checkInvariants(history, date)).toEqual([]);
    }
  } finally {
    await engine.close();
  }
}
