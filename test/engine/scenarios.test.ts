import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stats } from '../../src/core/analytics.ts';
import { impact } from '../../src/core/impact.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { ScenarioService } from '../../src/engine/scenarios.ts';
import { BASE, build, examplePlans, plan } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-scenarios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** The examples up to, but not including, the Big Taobao integration. */
async function beforeIntegration(): Promise<OrgEngine> {
  counter += 1;
  const engine = await OrgEngine.open(join(dir, `org-${counter}.db`));
  for (const p of examplePlans().slice(0, 4))
    await engine.apply('default', { plan: p.plan, source: p.source });
  return engine;
}

const ONE_CENTER = `plan: one-center
title: Taobao and Tmall merged into one center
effective: 2022-01-06
changes:
  - move: { unit: Taobao Live, to: Big Taobao }
  - transfer: { business: Taobao, to: Big Taobao }
  - transfer: { business: Tmall, to: Big Taobao }
  - merge:
      units: [Taobao Business Group, Tmall Business Group]
      into:
        - { name: Unified Taobao Center, type: center, head: Xuande }
      parent: Big Taobao
`;

describe('impact of a plan', () => {
  it('lists everyone who gains a new manager, chains, spans, layers, headcount, businesses and posts', () => {
    const before = build(BASE);
    const after = build(
      BASE,
      `plan: fold\ntitle: t\neffective: 2021-01-01\nchanges:\n  - merge: { units: [Sales East, Sales West], into: Sales }\n  - move: { unit: Platform, to: Sales }\n`,
    );
    const result = impact(before, after, '2021-01-01', 'fold');
    expect(result.managerChanges).toEqual([
      { person: 'Dee Seller', from: 'Cy East', to: 'Bob Sales' },
      { person: 'Gus Dev', from: 'Finn Eng', to: 'Bob Sales' },
    ]);
    expect(result.chainChanges).toEqual([{ person: 'Dee Seller', before: 3, after: 2 }]);
    expect(result.spans).toEqual([
      { person: 'Bob Sales', before: 2, after: 4 },
      { person: 'Cy East', before: 1, after: 0 },
      { person: 'Finn Eng', before: 1, after: 0 },
    ]);
    expect(result.layers).toEqual({ before: 4, after: 3 });
    expect(result.headcount).toEqual([
      { unit: 'Engineering', before: 2, after: 1 },
      { unit: 'Sales', before: 4, after: 5 },
    ]);
    expect(result.businesses).toEqual([{ business: 'Storefront', from: 'Sales East', to: 'Sales' }]);
    expect(result.posts).toEqual([]);
    expect(result.unitChanges.map((c) => c.kind)).toEqual(['unit-merged', 'unit-moved']);
  });

  it('of the Big Taobao integration: the centers, their heads, the businesses, and no one gets a new manager', async () => {
    const engine = await beforeIntegration();
    const integration = examplePlans()[4]!;
    const result = await engine.impact('default', integration.plan);
    // Everyone concerned already reported to Dai Shan: the three heads were members of Big Taobao,
    // and the reports name no heads for the two business groups above Taobao Live and Guangguang.
    expect(result.managerChanges).toEqual([]);
    expect(result.layers).toEqual({ before: 3, after: 3 });
    expect(result.unitChanges.map((c) => c.kind)).toEqual(['unit-moved', 'unit-moved', 'unit-merged']);
    expect(result.posts.map((p) => [p.post, p.unit, p.to])).toEqual([
      ['head', 'Industrial Operation Development Center', 'Chuixue'],
      ['head', 'Platform Strategy and Operation Center', 'Sixin'],
      ['head', 'User Operation Development Center', 'Xuande'],
      ['CCO/CRO', 'Big Taobao', 'Group CCO/CRO'],
      ['CTO', 'Big Taobao', 'Lu Su'],
    ]);
    expect(result.businesses).toEqual([
      { business: 'Taobao', from: 'Taobao Business Group', to: 'Big Taobao' },
      { business: 'Tmall', from: 'Tmall Business Group', to: 'Big Taobao' },
    ]);
    expect(await engine.plans('default')).toHaveLength(4);
    await engine.close();
  });
});

describe('analytics', () => {
  it('spans, layers, headcount and health flags as of a date', () => {
    const s = stats(build(BASE), '2020-01-01', { maxPosts: 0, maxChain: 2 });
    expect(s.people).toBe(7);
    expect(s.layers).toBe(4);
    expect(s.spanDistribution).toEqual([
      { span: 1, managers: 2 },
      { span: 2, managers: 2 },
    ]);
    expect(s.layerDistribution).toEqual([
      { layer: 1, people: 1 },
      { layer: 2, people: 2 },
      { layer: 3, people: 3 },
      { layer: 4, people: 1 },
    ]);
    expect(s.headcount.find((h) => h.unit === 'Sales')).toEqual({
      unit: 'Sales',
      path: ['Acme', 'Sales'],
      direct: 1,
      total: 4,
    });
    expect(s.flags.unitsWithoutHead).toEqual(['Platform', 'Sales West']);
    expect(s.flags.managersWithOneReport).toEqual(['Cy East', 'Finn Eng']);
    expect(s.flags.unitsWithOneChild).toEqual(['Engineering']);
    expect(s.flags.manyPosts.map((p) => p.person)).toEqual(['Ada Root', 'Bob Sales', 'Cy East', 'Finn Eng']);
    expect(s.flags.longChains).toEqual([{ person: 'Dee Seller', length: 3 }]);
  });
});

describe('scenarios', () => {
  it('keeps two alternatives for the same date, compares them, and applies one', async () => {
    const engine = await beforeIntegration();
    const service = new ScenarioService(engine, 'default');
    const integration = examplePlans()[4]!;
    await service.create('three-centers', '2022-01-06', 'test');
    await service.create('one-center', '2022-01-06', 'test');
    await service.add('three-centers', { file: integration.file, source: integration.source });
    await service.add('one-center', { file: 'one-center.yaml', source: ONE_CENTER });
    expect((await service.list()).map((s) => [s.name, s.plans.map((p) => p.id), s.stale])).toEqual([
      ['one-center', ['one-center'], false],
      ['three-centers', ['big-taobao-integration'], false],
    ]);
    const comparison = await service.compare('three-centers', 'one-center');
    expect(comparison.changes.filter((c) => c.kind === 'unit-only-in-first').map((c) => c.unit)).toEqual([
      'Industrial Operation Development Center',
      'Platform Strategy and Operation Center',
      'User Operation Development Center',
    ]);
    expect(comparison.changes.filter((c) => c.kind === 'unit-only-in-second').map((c) => c.unit)).toEqual([
      'Unified Taobao Center',
    ]);
    expect(comparison.changes.find((c) => c.kind === 'unit-placed-differently')).toMatchObject({
      unit: 'Guangguang',
      from: 'Alibaba Group / China Digital Commerce / Big Taobao / Guangguang',
      to: 'Alibaba Group / China Digital Commerce / Big Taobao / Unified Taobao Center / Guangguang',
    });
    expect(comparison.impacts['one-center']!.posts.map((p) => p.to)).toEqual(['Xuande']);
    // Nothing was applied by comparing.
    expect(await engine.plans('default')).toHaveLength(4);

    const applied = await service.apply('one-center');
    expect(applied.map((a) => a.plan)).toEqual(['one-center']);
    const tree = await engine.tree('default', '2022-01-07', { unit: 'Big Taobao', depth: 1 });
    expect(tree.root!.children.map((c) => c.name)).toEqual([
      'Alimama',
      'Taobao Live',
      'Unified Taobao Center',
    ]);
    expect((await service.show('three-centers')).stale).toBe(true);
    await expect(service.apply('three-centers')).rejects.toThrow(/rebase/);
    await engine.close();
  });

  it('rebases a scenario: operations that still apply move over, the others are listed with the reason', async () => {
    const engine = await beforeIntegration();
    const service = new ScenarioService(engine, 'default');
    const integration = examplePlans()[4]!;
    await service.create('three-centers', '2022-01-06', 'test');
    await service.add('three-centers', { file: integration.file, source: integration.source });
    const fold = `plan: fold-live\ntitle: Taobao Live folded into Guangguang\neffective: 2022-01-01\nchanges:\n  - dissolve: { unit: Taobao Live, rest: Guangguang }\n`;
    await engine.apply('default', { plan: plan(fold), source: fold });
    expect((await service.show('three-centers')).stale).toBe(true);
    const { scenario, conflicts } = await service.rebase('three-centers');
    // Daofang's line to Dai Shan still applies: dissolving Taobao Live placed him in Guangguang.
    expect(conflicts.map((c) => [c.plan, c.operation, c.reason])).toEqual([
      [
        'big-taobao-integration',
        'move (changes[0])',
        'unit "Taobao Live" no longer exists on 2022-01-06: it was dissolved on 2022-01-01',
      ],
    ]);
    expect(conflicts[0]!.location).toEqual({
      file: 'examples/alibaba/04-big-taobao-integration.yaml',
      line: 28,
      col: 5,
    });
    expect((await service.show('three-centers')).plans.map((p) => p.id)).toEqual(['big-taobao-integration']);
    expect(scenario.stale).toBe(false);
    const tree = await service.tree('three-centers');
    expect(tree.root!.name).toBe('Alibaba Group');
    await service.apply('three-centers');
    const after = await engine.tree('default', '2022-01-07', { unit: 'Big Taobao', depth: 1 });
    expect(after.root!.children.map((c) => c.name)).toContain('User Operation Development Center');
    await engine.close();
  });
});
