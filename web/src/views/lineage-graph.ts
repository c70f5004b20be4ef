import type { Lineage } from '../api.ts';

export interface GraphNode {
  name: string;
  col: number;
  row: number;
  notes: string[];
}

export function buildGraph(lineage: Lineage): {
  nodes: GraphNode[];
  edges: Array<{ from: string; to: string; kind: string; label: string }>;
} {
  const nodes = new Map<string, GraphNode>();
  const rows = new Map<number, number>();
  const place = (name: string, col: number) => {
    let node = nodes.get(name);
    if (!node) {
      const row = rows.get(col) ?? 0;
      rows.set(col, row + 1);
      node = { name, col, row, notes: [] };
      nodes.set(name, node);
    }
    return node;
  };
  const edges: Array<{ from: string; to: string; kind: string; label: string }> = [];
  const events = [...lineage.events].sort((a, b) => a.date.localeCompare(b.date));
  // Merges, splits and renames decide the columns; creations, moves and dissolutions only annotate.
  for (const e of events) {
    if (e.kind !== 'merge' && e.kind !== 'split' && e.kind !== 'rename') continue;
    const froms = e.from.map((n) => place(n, 0));
    const col = Math.max(0, ...froms.map((f) => f.col)) + 1;
    const label = `${e.kind === 'merge' ? 'merged' : e.kind === 'split' ? 'split' : 'renamed'} ${e.date}`;
    for (const t of e.to) {
      const target = place(t, col);
      for (const f of froms) edges.push({ from: f.name, to: target.name, kind: e.kind, label });
    }
  }
  for (const e of events) {
    if (e.kind === 'create') for (const n of e.to) place(n, 0).notes.push(`created ${e.date}`);
    else if (e.kind === 'move')
      place(e.unit ?? lineage.unit, 0).notes.push(`moved to ${e.to[0] ?? '?'} ${e.date}`);
    else if (e.kind === 'dissolve') for (const n of e.from) place(n, 0).notes.push(`dissolved ${e.date}`);
  }
  return { nodes: [...nodes.values()], edges };
}
