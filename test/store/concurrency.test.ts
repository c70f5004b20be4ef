import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import { checkInvariants } from '../../src/core/invariants.ts';
import { replay } from '../../src/core/replay.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { historyToRows, keyRows } from '../../src/store/facts.ts';
import { FACT_TABLES } from '../../src/store/schema.ts';
import { BASE, plan } from '../helpers.ts';
import { DATES, planSource } from '../property/generators.ts';
import { dialects } from './dialects.ts';

const engines = dialects();
afterAll(async () => {
  for (const e of engines) await e.cleanup();
});

function factKeys(history: Parameters<typeof historyToRows>[0]) {
  const rows = historyToRows(history);
  return FACT_TABLES.map((t) => [...keyRows(rows[t] as object[]).keys()].sort());
}

for (const dialect of engines) {
  describe(`concurrent writers on ${dialect.name}`, () => {
    it('two independent plans applied at the same moment both succeed', async () => {
      const target = await dialect.newTarget();
      const [a, b] = await Promise.all([OrgEngine.open(target), OrgEngine.open(target)]);
      await a!.apply('default', { plan: plan(BASE), source: BASE });
      const p1 =
        'plan: one\ntitle: t\neffective: 2021-01-01\nchanges:\n  - promote: { person: Dee Seller, level: P7 }\n';
      const p2 =
        'plan: two\ntitle: t\neffective: 2021-01-01\nchanges:\n  - rename: { unit: Platform, to: Core Platform }\n';
      const results = await Promise.allSettled([
        a!.apply('default', { plan: plan(p1), source: p1 }),
        b!.apply('default', { plan: plan(p2), source: p2 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((await a!.plans('default')).map((p) => p.id).sort()).toEqual(['base', 'one', 'two']);
      await a!.close();
      await b!.close();
    });

    it('of two clashing plans applied at the same moment, one is refused and says what clashed', async () => {
      const target = await dialect.newTarget();
      const [a, b] = await Promise.all([OrgEngine.open(target), OrgEngine.open(target)]);
      await a!.apply('default', { plan: plan(BASE), source: BASE });
      const p1 =
        'plan: fold\ntitle: t\neffective: 2021-01-01\nchanges:\n  - dissolve: { unit: Sales West, rest: Sales East }\n';
      // Whichever commits first, the other no longer finds Sales West as it was.
      const p2 =
        'plan: fold-both\ntitle: t\neffective: 2021-01-01\nchanges:\n  - merge: { units: [Sales West, Sales East], into: Sales }\n';
      const results = await Promise.allSettled([
        a!.apply('default', { plan: plan(p1, 'fold.yaml'), source: p1 }),
        b!.apply('default', { plan: plan(p2, 'fold-both.yaml'), source: p2 }),
      ]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      const error = (refused[0] as PromiseRejectedResult).reason as OrgshiftError;
      expect(error.id).toBe('plan_refused');
      expect(error.problems.map((p) => p.message).join(' ')).toMatch(/Sales West/);
      await a!.close();
      await b!.close();
    });

    it('8 clients applying random plans at once: every invariant holds after every commit, nothing acknowledged is lost', async () => {
      const target = await dialect.newTarget();
      const setup = await OrgEngine.open(target);
      await setup.apply('default', { plan: plan(BASE), source: BASE });
      await setup.close();
      const CLIENTS = 8;
      const PER_CLIENT = 10;
      const sources = fc.sample(planSource(0), { numRuns: CLIENTS * PER_CLIENT, seed: 20260101 });
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => OrgEngine.open(target)));
      const accepted: string[] = [];
      const refused: string[] = [];
      await Promise.all(
        clients.map(async (client, c) => {
          for (let j = 0; j < PER_CLIENT; j++) {
            const id = `client-${c}-${j}`;
            const source = sources[c * PER_CLIENT + j]!.replace('plan: random-0', `plan: ${id}`);
            try {
              await client.apply('default', { plan: parsePlan(source, `${id}.yaml`), source });
              accepted.push(id);
              const history = await client.history('default');
              for (const date of DATES) expect(checkInvariants(history, date)).toEqual([]);
            } catch (error) {
              expect(error).toBeInstanceOf(OrgshiftError);
              expect(['plan_refused', 'conflict']).toContain((error as OrgshiftError).id);
              refused.push(id);
            }
          }
        }),
      );
      expect(accepted.length + refused.length).toBe(CLIENTS * PER_CLIENT);
      expect(accepted.length).toBeGreaterThan(0);
      const reader = clients[0]!;
      const stored = await reader.plans('default');
      expect(stored.map((p) => p.id).sort()).toEqual(['base', ...accepted].sort());
      // The stored facts are exactly what replaying the stored plans produces.
      const sequenced = await Promise.all(
        stored.map(async (p) => ({
          plan: parsePlan(await reader.planSource('default', p.id), p.file),
          seq: p.seq,
        })),
      );
      const replayed = replay(sequenced);
      expect(replayed.ok).toBe(true);
      if (replayed.ok) expect(factKeys(await reader.history('default'))).toEqual(factKeys(replayed.history));
      for (const client of clients) await client.close();
    });
  });
}
