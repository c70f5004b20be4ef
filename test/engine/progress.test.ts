import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { impliedByVersions } from '../../src/store/facts.ts';
import { openStore } from '../../src/store/open.ts';
import { examplePlans } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Report = [stage: string, done: number, total: number];

/** The reports of one stage: never backwards, never past the total, ending at it. */
function stageOf(reports: Report[], stage: RegExp): Report[] {
  const mine = reports.filter(([s]) => stage.test(s));
  expect(mine.length).toBeGreaterThan(0);
  for (const [i, [, done, total]] of mine.entries()) {
    expect(done).toBeLessThanOrEqual(total);
    if (i > 0) expect(done).toBeGreaterThanOrEqual(mine[i - 1]![1]);
  }
  const [, done, total] = mine.at(-1)!;
  expect(done).toBe(total);
  return mine;
}

describe('progress of applying plans', () => {
  it("is told through checking the changes and writing the facts, for an organization's first plans and later ones", async () => {
    const engine = new OrgEngine(openStore(join(dir, 'org.db')));
    await engine.store.migrate();
    const plans = examplePlans();
    const first: Report[] = [];
    await engine.applyAll(
      'default',
      plans.slice(0, 2).map((p) => ({ plan: p.plan, source: p.source })),
      undefined,
      (...report) => first.push(report),
    );
    const changes = plans[0]!.plan.changes.length + plans[1]!.plan.changes.length;
    expect(stageOf(first, /^checking 2 plans$/).at(-1)![2]).toBe(changes);
    const id = (await engine.store.findOrg('default'))!.id;
    const history = await engine.store.history(id);
    const records = [...history.units.values(), ...history.people.values(), ...history.businesses.values()];
    // A record's own row is stored only where it says more than its versions.
    const rows =
      records.filter((r) => !impliedByVersions(r)).length +
      [...history.units.values(), ...history.people.values(), ...history.businesses.values()].reduce(
        (n, r) => n + r.versions.length,
        0,
      ) +
      history.posts.length +
      history.lines.length +
      history.events.length;
    expect(stageOf(first, /^writing facts$/).at(-1)![2]).toBe(rows);
    // A later plan, tried on the kept organization and written as changes: told alike.
    const later: Report[] = [];
    const third = plans[2]!;
    await engine.applyAll('default', [{ plan: third.plan, source: third.source }], undefined, (...report) =>
      later.push(report),
    );
    expect(stageOf(later, /^checking 1 plan$/).at(-1)![2]).toBe(third.plan.changes.length);
    stageOf(later, /^writing facts$/);
    await engine.close();
  });
});
