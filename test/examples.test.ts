import { describe, expect, it } from 'vitest';
import { OrgshiftError } from '../src/core/errors.ts';
import type { History } from '../src/core/model.ts';
import { business, diff, lineage, person, type TreeNode, tree } from '../src/core/queries.ts';
import { replay } from '../src/core/replay.ts';
import { examplePlans } from './helpers.ts';

function alibaba(): History {
  const result = replay(examplePlans().map(({ plan }, i) => ({ plan, seq: i + 1 })));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.history;
}

function find(node: TreeNode, name: string): TreeNode | undefined {
  if (node.name === name) return node;
  for (const child of node.children) {
    const found = find(child, name);
    if (found) return found;
  }
  return undefined;
}

const history = alibaba();
const root = (date: string) => tree(history, date).root!;

describe('the Alibaba examples', () => {
  it('every plan cites its sources and is applied in order of its effective date', () => {
    const plans = examplePlans();
    const dates = plans.map((p) => p.plan.effective);
    expect(dates).toEqual([...dates].sort());
    for (const { plan } of plans) {
      expect(
        plan.sources.some((s) => s.quote !== undefined),
        plan.id,
      ).toBe(true);
    }
  });

  describe('the Local Life regroup of 2020-03-06', () => {
    it('replaces Koubei and Ele.me with three business groups and three business divisions, each with a head post', () => {
      const before = find(root('2020-03-05'), 'Ali Local Life Service Company')!;
      expect(before.children.map((c) => c.name)).toEqual(['Ele.me', 'Koubei']);
      const after = find(root('2020-03-06'), 'Ali Local Life Service Company')!;
      expect(after.children.map((c) => [c.name, c.type])).toEqual([
        ['Daodian Business Group', 'business group'],
        ['Daojia Business Group', 'business group'],
        ['Life Services Business Division', 'business division'],
        ['Logistics Business Division', 'business division'],
        ['Merchant Middle Office and Innovation Business Group', 'business group'],
        ['New Retail Business Division', 'business division'],
      ]);
      // Each has a No. 1 position; the report names no holder, so each is vacant, never invented.
      for (const unit of after.children)
        expect(unit.posts).toEqual([{ post: 'head', person: null, concurrent: false, inferred: false }]);
    });

    it('promotes Wang Lei to M7 and brings Lei Yanqun in as vice president', () => {
      expect(person(history, 'Wang Lei', '2020-03-05').level).toBeNull();
      const wang = person(history, 'Wang Lei', '2020-03-06');
      expect(wang.level).toBe('M7');
      expect(wang.posts.map((p) => [p.post, p.unit])).toEqual([['head', 'Ali Local Life Service Company']]);
      const lei = person(history, 'Lei Yanqun', '2020-03-06');
      expect(lei.posts.map((p) => p.post)).toEqual(['Vice President']);
      expect(lei.manager?.name).toBe('Wang Lei');
      expect(() => person(history, 'Lei Yanqun', '2020-03-05')).toThrow(/did not exist on 2020-03-05/);
    });

    it('marks what rests on outside knowledge as inferred: Ele.me, and where the two businesses went', () => {
      const before = find(root('2020-03-05'), 'Ele.me')!;
      expect(before.inferred).toBe(true);
      const local = find(root('2020-03-05'), 'Ali Local Life Service Company')!;
      expect(local.businessDetails).toEqual([
        { name: 'Ele.me', inferred: true },
        { name: 'Koubei', inferred: false },
      ]);
      const owners = business(history, 'Koubei').owners;
      expect(owners.map((o) => [o.unit, o.from, o.inferred])).toEqual([
        ['Ali Local Life Service Company', '2020-01-01', false],
        ['Daodian Business Group', '2020-03-06', true],
      ]);
    });

    it('traces Koubei into the six new units', () => {
      const merge = lineage(history, 'Koubei').events.find((e) => e.kind === 'merge')!;
      expect(merge.date).toBe('2020-03-06');
      expect(merge.from).toEqual(['Koubei', 'Ele.me']);
      expect(merge.to).toHaveLength(6);
    });
  });

  describe('China Digital Commerce, December 2021', () => {
    it('puts Big Taobao, B2C retail, Taocaicai, Taote and 1688 under Dai Shan, who takes Big Taobao over from Jiang Fan', () => {
      const cdc = find(root('2021-12-06'), 'China Digital Commerce')!;
      expect(cdc.head?.name).toBe('Dai Shan');
      expect(cdc.children.map((c) => c.name)).toEqual([
        '1688',
        'B2C Retail Business Group',
        'Big Taobao',
        'Taocaicai',
        'Taote',
      ]);
      const bigTaobao = find(cdc, 'Big Taobao')!;
      expect(bigTaobao.head?.name).toBe('Dai Shan');
      expect(bigTaobao.children.map((c) => c.name)).toEqual([
        'Alimama',
        'Taobao Business Group',
        'Tmall Business Group',
      ]);
      expect(find(root('2021-12-05'), 'Big Taobao')!.head?.name).toBe('Jiang Fan');
      expect(person(history, 'Jiang Fan', '2021-12-06').posts.map((p) => [p.post, p.unit])).toEqual([
        ['head', 'Overseas Digital Commerce'],
      ]);
    });
  });

  describe('the Big Taobao integration of 2022-01-06', () => {
    it('merges the Taobao and Tmall business groups into three centers headed by Xuande, Chuixue and Sixin', () => {
      const before = find(root('2022-01-05'), 'Big Taobao')!;
      expect(before.children.map((c) => c.name)).toEqual([
        'Alimama',
        'Taobao Business Group',
        'Tmall Business Group',
      ]);
      const after = find(root('2022-01-06'), 'Big Taobao')!;
      const heads = Object.fromEntries(after.children.map((c) => [c.name, c.head?.name ?? null]));
      expect(heads).toEqual({
        Alimama: 'Jia Luo',
        Guangguang: 'Qiancheng',
        'Industrial Operation Development Center': 'Chuixue',
        'Platform Strategy and Operation Center': 'Sixin',
        'Taobao Live': 'Daofang',
        'User Operation Development Center': 'Xuande',
      });
      expect(find(root('2022-01-06'), 'Taobao Business Group')).toBeUndefined();
      expect(find(root('2022-01-06'), 'Tmall Business Group')).toBeUndefined();
    });

    it('answers who reports directly to Dai Shan as of 2022-01-07', () => {
      const dai = person(history, 'Daishan', '2022-01-07');
      expect(dai.name).toBe('Dai Shan');
      expect(dai.manager?.name).toBe('Zhang Yong');
      const direct = dai.directReports.filter((r) => r.via === 'solid').map((r) => r.name);
      expect(direct).toEqual(['Chuixue', 'Daofang', 'Jia Luo', 'Qiancheng', 'Sixin', 'Xuande']);
      const concurrent = dai.directReports
        .filter((r) => r.via === 'concurrent post')
        .map((r) => [r.name, r.post]);
      expect(concurrent).toEqual([
        ['Group CCO/CRO', 'CCO/CRO'],
        ['Lu Su', 'CTO'],
      ]);
      // Before, Daofang and Qiancheng reached Dai Shan only because the reports name no head of
      // the Taobao Business Group; the explicit lines of the integration make the relation stated.
      const before = person(history, 'Dai Shan', '2022-01-05');
      expect(before.directReports.filter((r) => r.via === 'solid').map((r) => r.name)).toEqual([
        'Chuixue',
        'Daofang',
        'Jia Luo',
        'Qiancheng',
        'Sixin',
        'Xuande',
      ]);
      expect(before.directReports.filter((r) => r.via === 'concurrent post')).toEqual([]);
      expect(person(history, 'Daofang', '2022-01-05').chain).toEqual(['Dai Shan', 'Zhang Yong']);
    });

    it('keeps Lu Su group CTO while he serves concurrently as CTO of Big Taobao', () => {
      const lu = person(history, 'Lu Su', '2022-01-07');
      expect(lu.posts.map((p) => [p.post, p.unit, p.concurrent])).toEqual([
        ['CTO', 'Alibaba Group', false],
        ['CTO', 'Big Taobao', true],
      ]);
      expect(lu.manager?.name).toBe('Zhang Yong');
    });

    it('models the unnamed group CCO/CRO as an unnamed holder, not an invented name', () => {
      const cco = person(history, 'Group CCO/CRO', '2022-01-07');
      expect(cco.unnamed).toBe(true);
      expect(cco.posts.map((p) => [p.post, p.unit, p.concurrent])).toEqual([
        ['CCO/CRO', 'Alibaba Group', false],
        ['CCO/CRO', 'Big Taobao', true],
      ]);
      const node = find(root('2022-01-07'), 'Big Taobao')!;
      expect(node.posts.find((p) => p.post === 'CCO/CRO')?.person).toEqual({
        id: 'group-cco-cro',
        name: 'Group CCO/CRO',
        unnamed: true,
      });
    });

    it('keeps Alimama under Jia Luo and finds it by its other spelling', () => {
      const alimama = find(root('2022-01-07'), 'Alimama')!;
      expect(alimama.head?.name).toBe('Jia Luo');
      expect(tree(history, '2022-01-07', { unit: 'Ali Mama', depth: 0 }).root?.name).toBe('Alimama');
    });

    it('shows where Tmall Business Group went', () => {
      const events = lineage(history, 'Tmall Business Group').events;
      expect(events.find((e) => e.kind === 'merge')).toEqual({
        kind: 'merge',
        date: '2022-01-06',
        from: ['Taobao Business Group', 'Tmall Business Group'],
        to: [
          'User Operation Development Center',
          'Industrial Operation Development Center',
          'Platform Strategy and Operation Center',
        ],
        plan: 'big-taobao-integration',
      });
      expect(() => tree(history, '2022-01-07', { unit: 'Tmall Business Group' })).toThrow(OrgshiftError);
    });

    it('diffs 2021-12-31 against 2022-01-07', () => {
      const changes = diff(history, '2021-12-31', '2022-01-07').changes;
      expect(new Set(changes.map((c) => c.date))).toEqual(new Set(['2022-01-06']));
      const kinds = changes.map((c) => c.kind);
      expect(kinds.filter((k) => k === 'unit-moved')).toHaveLength(2);
      expect(kinds).toContain('unit-merged');
      expect(changes.filter((c) => c.kind === 'head-changed').map((c) => [c.unit, c.to])).toEqual([
        ['Industrial Operation Development Center', 'Chuixue'],
        ['Platform Strategy and Operation Center', 'Sixin'],
        ['User Operation Development Center', 'Xuande'],
      ]);
      expect(changes.filter((c) => c.kind === 'business-transferred').map((c) => [c.business, c.to])).toEqual(
        [
          ['Taobao', 'Big Taobao'],
          ['Tmall', 'Big Taobao'],
        ],
      );
      expect(changes.filter((c) => c.kind === 'line-added').map((c) => [c.person, c.to])).toEqual([
        ['Daofang', 'Dai Shan'],
        ['Qiancheng', 'Dai Shan'],
      ]);
      // Daofang's manager was Dai Shan before too (the head above Taobao Live's group was vacant).
      expect(changes.filter((c) => c.kind === 'manager-changed')).toEqual([]);
    });
  });
});
