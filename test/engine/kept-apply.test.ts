import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/model.ts';
import { checkPlans, type SequencedPlan, summarize } from '../../src/core/replay.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { openStore } from '../../src/store/open.ts';
import { BASE, examplePlans, printHistory as print } from '../helpers.ts';
import { organization, planOver } from '../property/generators.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-kept-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = () => new Date('2026-01-01T00:00:00.000Z');
let counter = 0;

function parsed(source: string): Plan | undefined {
  try {
    return parsePlan(source, 'random.yaml');
  } catch {
    return undefined;
  }
}

/**
 * Applies the same plans through the engine (which writes only the facts a plan changes when the plan
 * is dated on or after every applied plan) and by committing the fully replayed history (the path
 * every plan used to take): after every plan both stores must hold exactly the same rows.
 */
async function sameStores(sources: string[]): Promise<{ accepted: number; kept: number }> {
  counter += 1;
  const engine = new OrgEngine(openStore(join(dir, `engine-${counter}.db`)), clock);
  const reference = openStore(join(dir, `reference-${counter}.db`));
  await engine.store.migrate();
  await reference.migrate();
  // Count the plans written as changes only; a stale copy would fall back to the full replay unseen.
  let writtenAsChanges = 0;
  const commitChanges = engine.store.commitChanges.bind(engine.store);
  engine.store.commitChanges = async (...args) => {
    const version = await commitChanges(...args);
    writtenAsChanges += 1;
    return version;
  };
  const applied: SequencedPlan[] = [];
  let accepted = 0;
  let kept = 0;
  let last = '0000-01-01';
  try {
    for (const source of sources) {
      const plan = parsed(source);
      if (!plan) continue;
      const full = checkPlans(applied, [plan]);
      let refused = false;
      try {
        await engine.apply('default', { plan, source });
      } catch {
        refused = true;
      }
      expect(refused).toBe(!full.ok);
      // The facts the reads get (after a kept plan, the kept organization's own records put in store
      // order) print exactly as a fresh read of the store does: same facts, same order, same keys.
      const stored = await engine.store.findOrg('default');
      if (stored)
        expect(print(await engine.history('default'))).toBe(print(await engine.store.history(stored.id)));
      if (!full.ok) continue;
      const org = await reference.ensureOrg('default', clock().toISOString());
      const seq = applied.length + 1;
      await reference.commit(
        org,
        [{ summary: summarize(plan, seq), source }],
        full.history,
        clock().toISOString(),
      );
      applied.push({ plan, seq });
      accepted += 1;
      if (plan.effective >= last) kept += 1;
      if (plan.effective > last) last = plan.effective;
      expect(await engine.store.dump()).toBe(await reference.dump());
      expect(writtenAsChanges).toBe(kept);
    }
  } finally {
    await engine.close();
    await reference.close();
  }
  return { accepted, kept };
}

describe('applying a plan on the kept organization', () => {
  it('stores exactly the rows the full replay stores, on random organizations and plans', async () => {
    const tally = { accepted: 0, kept: 0 };
    const scenario = organization.chain((org) =>
      fc.tuple(fc.constant(org), fc.array(planOver(org, 1), { minLength: 2, maxLength: 6 })),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([org, plans]) => {
        const result = await sameStores([
          org.source,
          ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
        ]);
        tally.accepted += result.accepted;
        tally.kept += result.kept;
      }),
      { numRuns: 60 },
    );
    expect(tally.kept).toBeGreaterThan(60);
  });

  it('stores a first plan whose versions are replaced the day they begin as the full replay does', async () => {
    // Created and renamed twice on its first day: versions held for no time, which are not stored.
    const first = `${BASE}  - rename: { unit: Platform, to: Core }\n  - rename: { unit: Core, to: Core Platform }\n  - promote: { person: Gus Dev, level: P8 }\n`;
    const later =
      'plan: later\ntitle: t\neffective: 2021-01-01\nchanges:\n  - rename: { unit: Core Platform, to: Platform }\n';
    const result = await sameStores([first, later]);
    expect(result).toEqual({ accepted: 2, kept: 2 });
  });

  it('stores the seeds exactly as the full replay does', async () => {
    const result = await sameStores(examplePlans().map((p) => p.source));
    expect(result.accepted).toBe(examplePlans().length);
  });
});

describe('the kept organization under concurrent requests', () => {
  it('answers checks and impacts while plans are being written, and writes every plan once', async () => {
    counter += 1;
    const engine = new OrgEngine(openStore(join(dir, `concurrent-${counter}.db`)), clock);
    await engine.store.migrate();
    try {
      const [base, ...rest] = examplePlans();
      await engine.apply('default', { plan: base!.plan, source: base!.source });
      const sources = Array.from(
        { length: 12 },
        (_, i) =>
          `plan: hire-${i}\ntitle: t\neffective: 2030-01-${String(i + 1).padStart(2, '0')}\nchanges:\n  - hire: { person: New Person ${i}, unit: Alibaba Local Services }\n`,
      );
      const hires = sources.map((source, i) => parsePlan(source, `hire-${i}.yaml`));
      // Applies, checks and impacts all at once: none may find the kept organization in a trial.
      const work: Array<Promise<unknown>> = [];
      for (const [i, plan] of hires.entries()) {
        work.push(engine.apply('default', { plan, source: sources[i]! }).catch((e) => e));
        work.push(engine.check('default', [hires[(i + 5) % hires.length]!]));
        work.push(engine.impact('default', rest[0]!.plan).catch((e) => e));
      }
      const results = await Promise.all(work);
      for (const r of results) expect(String(r)).not.toMatch(/trial/);
      const applied = await engine.plans('default');
      expect(
        applied
          .map((p) => p.id)
          .filter((id) => id.startsWith('hire-'))
          .sort(),
      ).toEqual(hires.map((h) => h.id).sort());
      for (const r of results) expect(r).not.toBeInstanceOf(Error);
      for (let i = 0; i < hires.length; i++) {
        const person = await engine.person('default', `New Person ${i}`, '2030-02-01');
        expect(JSON.stringify(person)).toContain(`"name":"New Person ${i}"`);
      }
    } finally {
      await engine.close();
    }
  });
});

describe('reads while a plan is being written', () => {
  it('never see the facts of a plan whose writing then fails, nor lose those of one that is stored', async () => {
    counter += 1;
    const engine = new OrgEngine(openStore(join(dir, `reads-${counter}.db`)), clock);
    await engine.store.migrate();
    try {
      const [base] = examplePlans();
      await engine.apply('default', { plan: base!.plan, source: base!.source });
      const hire = (name: string, day: string) =>
        `plan: ${name.toLowerCase().replace(' ', '-')}\ntitle: t\neffective: ${day}\nchanges:\n  - hire: { person: ${name}, unit: Alibaba Local Services }\n`;
      // What a reader sees: everyone's name in the facts, and the members counted in the tree.
      const seen = async () => {
        const history = await engine.history('default');
        const names = [...history.people.values()].map((p) => p.versions.at(-1)?.name).join(', ');
        const tree = await engine.tree('default', '2031-01-01');
        let members = 0;
        const count = (node: { members: number; children: unknown[] }) => {
          members += node.members;
          for (const child of node.children) count(child as typeof node);
        };
        if (tree.root) count(tree.root);
        return { names, members };
      };
      const before = await seen();
      expect(before.names).not.toContain('Lost Hire');
      // The store takes its time and then fails: reads asked meanwhile must not see the plan.
      const commitChanges = engine.store.commitChanges.bind(engine.store);
      let fail = true;
      // Reads asked while the plan is tried on the kept organization and being written.
      let during: Array<Promise<{ names: string; members: number }>> = [];
      engine.store.commitChanges = async (...args) => {
        during = [seen(), seen()];
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (fail) throw new Error('disk full');
        return commitChanges(...args);
      };
      const lost = hire('Lost Hire', '2031-01-01');
      await expect(
        engine.apply('default', { plan: parsePlan(lost, 'lost.yaml'), source: lost }),
      ).rejects.toThrow('disk full');
      expect(during).toHaveLength(2);
      for (const read of await Promise.all(during)) expect(read).toEqual(before);
      expect(await seen()).toEqual(before);
      fail = false;
      const kept = hire('Kept Hire', '2031-01-01');
      await engine.apply('default', { plan: parsePlan(kept, 'kept.yaml'), source: kept });
      // Asked while it was being written, they waited for it.
      const after = await seen();
      expect(after.names).toContain('Kept Hire');
      expect(after.members).toBe(before.members + 1);
      for (const read of await Promise.all(during)) expect(read).toEqual(after);
    } finally {
      await engine.close();
    }
  });
});

describe("an organization's first plans", () => {
  it('are applied without a trial; a refused first plan leaves nothing behind and the next one applies', async () => {
    counter += 1;
    const engine = new OrgEngine(openStore(join(dir, `first-${counter}.db`)), clock);
    await engine.store.migrate();
    try {
      const broken = `plan: broken\ntitle: t\neffective: 2020-01-01\nchanges:\n  - create: { unit: Root, type: company }\n  - hire: { person: Ann, unit: Nowhere }\n`;
      const empty = await engine.store.dump();
      await expect(
        engine.apply('default', { plan: parsePlan(broken, 'broken.yaml'), source: broken }),
      ).rejects.toThrow(/refused/);
      // The organization row may exist; no plan and no fact does.
      const dump = JSON.parse(await engine.store.dump()) as Record<string, unknown[]>;
      for (const [table, rows] of Object.entries(JSON.parse(empty) as Record<string, unknown[]>))
        if (table !== 'orgs') expect(dump[table]).toEqual(rows);
      const good = examplePlans()[0]!;
      await engine.apply('default', { plan: good.plan, source: good.source });
      expect((await engine.plans('default')).map((p) => p.id)).toEqual([good.plan.id]);
      expect(JSON.stringify(await engine.tree('default', good.plan.effective))).not.toContain('Root');
    } finally {
      await engine.close();
    }
  });
});
