import { describe, expect, it } from 'vitest';
import { marksOf } from '../../web/src/chart/marks.ts';
import { buildGraph } from '../../web/src/views/lineage-graph.ts';

describe('what the page marks', () => {
  it('colours merged units before and after, created and moved ones after, dissolved ones before', () => {
    const marks = marksOf([
      { kind: 'unit-merged', date: '2022-01-06', units: ['A', 'B'], into: ['C'] },
      { kind: 'unit-created', date: '2022-01-06', unit: 'D' },
      { kind: 'unit-moved', date: '2022-01-06', unit: 'E', from: 'X', to: 'Y' },
      { kind: 'unit-dissolved', date: '2022-01-06', unit: 'F', rest: null },
      { kind: 'unit-renamed', date: '2022-01-06', unit: 'H', from: 'G', to: 'H' },
    ]);
    expect(Object.fromEntries(marks.before)).toEqual({
      A: 'merged',
      B: 'merged',
      E: 'moved',
      F: 'dissolved',
      G: 'renamed',
    });
    expect(Object.fromEntries(marks.after)).toEqual({ C: 'merged', D: 'created', E: 'moved', H: 'renamed' });
  });

  it('draws a merge as arrows from every merged unit to every resulting one, one column further', () => {
    const graph = buildGraph({
      unit: 'Tmall',
      id: 'tmall',
      events: [
        { kind: 'create', date: '2021-12-01', from: [], to: ['Tmall'], plan: 'p0' },
        { kind: 'create', date: '2022-01-06', from: [], to: ['Center 1'], plan: 'p1' },
        {
          kind: 'merge',
          date: '2022-01-06',
          from: ['Taobao', 'Tmall'],
          to: ['Center 1', 'Center 2'],
          plan: 'p1',
        },
        { kind: 'rename', date: '2023-01-01', from: ['Center 2'], to: ['Center Two'], plan: 'p2' },
      ],
    });
    const col = Object.fromEntries(graph.nodes.map((n) => [n.name, n.col]));
    expect(col).toEqual({ Taobao: 0, Tmall: 0, 'Center 1': 1, 'Center 2': 1, 'Center Two': 2 });
    expect(graph.edges.filter((e) => e.kind === 'merge')).toHaveLength(4);
    expect(graph.edges.find((e) => e.kind === 'rename')).toMatchObject({
      from: 'Center 2',
      to: 'Center Two',
    });
    expect(graph.nodes.find((n) => n.name === 'Tmall')!.notes).toEqual(['created 2021-12-01']);
  });
});
