import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { type Fixture, fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => f.close());

type Stats = {
  people: number;
  headcount: Array<{ unit: string; total: number }>;
  headcountOverTime: Array<{ date: string; headcount: number }>;
};

async function statsAs(who: string, query = 'asOf=2023-01-01'): Promise<Stats> {
  const res = await f.request(`/api/stats?${query}`, { as: who });
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

describe('analytics kept for a version of the organization', () => {
  it('are the same when asked again, and follow a plan applied since, for every view', async () => {
    const before = { viewer: await statsAs('viewer'), taobao: await statsAs('taobao') };
    const unitBefore = await statsAs('viewer', 'asOf=2023-01-01&unit=Big%20Taobao');
    // Asked again: the same answers (kept), byte for byte.
    expect(await statsAs('viewer')).toEqual(before.viewer);
    expect(await statsAs('taobao')).toEqual(before.taobao);
    const source =
      'plan: hire-into-taobao\ntitle: t\neffective: 2022-06-01\nchanges:\n  - hire: { person: New Hire, unit: Big Taobao }\n';
    await f.engine.apply('default', { plan: parsePlan(source, 'p.yaml'), source });
    const after = { viewer: await statsAs('viewer'), taobao: await statsAs('taobao') };
    for (const who of ['viewer', 'taobao'] as const) {
      expect(after[who].people, who).toBe(before[who].people + 1);
      const taobao = (s: Stats) => s.headcount.find((h) => h.unit === 'Big Taobao')!.total;
      expect(taobao(after[who]), who).toBe(taobao(before[who]) + 1);
      expect(after[who].headcountOverTime.map((p) => p.date)).toContain('2022-06-01');
    }
    const unitAfter = await statsAs('viewer', 'asOf=2023-01-01&unit=Big%20Taobao');
    expect(unitAfter.headcountOverTime.at(-1)!.headcount).toBe(
      unitBefore.headcountOverTime.at(-1)!.headcount + 1,
    );
    // Another day or other thresholds are answers of their own.
    expect((await statsAs('viewer', 'asOf=2021-11-30')).people).toBeLessThan(after.viewer.people);
  });
});
