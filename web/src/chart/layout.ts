import { flextree } from 'd3-flextree';
import type { TreeNode } from '../api.ts';

export const CARD_W = 260;
export const CARD_H = 96;
const GAP_X = 24;
const GAP_Y = 56;

export type Mark = 'created' | 'merged' | 'moved' | 'dissolved' | 'renamed' | 'split';

export interface LaidNode {
  id: string;
  unit: TreeNode;
  /** Left and top of the card, in chart coordinates. */
  x: number;
  y: number;
  depth: number;
  parent: number;
  /** How many child units it has, shown or not. */
  childCount: number;
  collapsed: boolean;
  /** One of a column of leaf units: linked from the side, not from above. */
  stacked: boolean;
}

export interface Layout {
  nodes: LaidNode[];
  byId: Map<string, number>;
  bounds: { x0: number; y0: number; x1: number; y1: number };
}

interface Item {
  unit: TreeNode | null;
  /** A column of leaf units under one parent, placed as one block to keep wide trees narrow. */
  stack: TreeNode[];
  shown: Item[];
}

/** Leaf children stack in a column when a unit has at least this many and no other children shown. */
const STACK_FROM = 3;
const STACK_INDENT = 20;
const STACK_GAP = 14;

/**
 * Places the expanded part of the tree with d3-flextree: a card per unit, children below their
 * parent, collapsed units' descendants left out, and a unit's leaf children in one column.
 * Linear in the number of units shown.
 */
export function layoutTree(root: TreeNode, collapsed: ReadonlySet<string>): Layout {
  const isLeaf = (u: TreeNode) => u.children.length === 0 || collapsed.has(u.id);
  const wrap = (unit: TreeNode): Item => {
    if (collapsed.has(unit.id) || unit.children.length === 0) return { unit, stack: [], shown: [] };
    if (unit.children.length >= STACK_FROM && unit.children.every(isLeaf)) {
      return { unit, stack: [], shown: [{ unit: null, stack: unit.children, shown: [] }] };
    }
    return { unit, stack: [], shown: unit.children.map(wrap) };
  };
  const size = (item: Item): [number, number] =>
    item.unit
      ? [CARD_W + GAP_X, CARD_H + GAP_Y]
      : [CARD_W + STACK_INDENT + GAP_X, item.stack.length * (CARD_H + STACK_GAP) + GAP_Y];
  const layout = flextree<Item>({ nodeSize: (n) => size(n.data), spacing: 0 });
  const tree = layout.hierarchy(wrap(root), (item) => item.shown);
  layout(tree);
  const nodes: LaidNode[] = [];
  const byId = new Map<string, number>();
  const bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const index = new Map<object, number>();
  const add = (unit: TreeNode, x: number, y: number, depth: number, parent: number, stacked: boolean) => {
    const i = nodes.length;
    nodes.push({
      id: unit.id,
      unit,
      x,
      y,
      depth,
      parent,
      childCount: unit.children.length,
      collapsed: collapsed.has(unit.id) && unit.children.length > 0,
      stacked,
    });
    byId.set(unit.id, i);
    bounds.x0 = Math.min(bounds.x0, x);
    bounds.y0 = Math.min(bounds.y0, y);
    bounds.x1 = Math.max(bounds.x1, x + CARD_W);
    bounds.y1 = Math.max(bounds.y1, y + CARD_H);
    return i;
  };
  tree.each((n) => {
    const parent = n.parent ? index.get(n.parent)! : -1;
    if (n.data.unit) {
      index.set(n, add(n.data.unit, n.x - CARD_W / 2, n.y, n.depth, parent, false));
      return;
    }
    const left = n.x - (CARD_W + STACK_INDENT) / 2 + STACK_INDENT;
    n.data.stack.forEach((unit, k) => {
      add(unit, left, n.y + k * (CARD_H + STACK_GAP), n.depth, parent, true);
    });
  });
  return { nodes, byId, bounds };
}

/** Every unit at or below `depth` levels from the root that has children: the set to collapse. */
export function collapsedBelow(root: TreeNode, depth: number): Set<string> {
  const out = new Set<string>();
  const walk = (n: TreeNode, d: number) => {
    if (n.children.length === 0) return;
    if (d >= depth) out.add(n.id);
    for (const c of n.children) walk(c, d + 1);
  };
  walk(root, 0);
  return out;
}

export function countUnits(root: TreeNode): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const u = stack.pop()!;
    n++;
    for (const c of u.children) stack.push(c);
  }
  return n;
}

/** The ids from the root down to the unit, or [] when it is not in the tree. */
export function pathTo(root: TreeNode, id: string): string[] {
  const path: string[] = [];
  const walk = (n: TreeNode): boolean => {
    path.push(n.id);
    if (n.id === id) return true;
    for (const c of n.children) if (walk(c)) return true;
    path.pop();
    return false;
  };
  return walk(root) ? path : [];
}

/** Follows a unit's path of names, from the unit up to the root as the search API gives it, to its id. */
export function idByNamePath(root: TreeNode, upward: readonly string[]): string | undefined {
  const names = [...upward].reverse();
  if (names[0] !== root.name) return undefined;
  let node = root;
  for (const name of names.slice(1)) {
    const next = node.children.find((c) => c.name === name);
    if (!next) return undefined;
    node = next;
  }
  return node.id;
}

/** Indices of the nodes whose cards intersect the rectangle (chart coordinates). */
export function nodesIn(layout: Layout, x0: number, y0: number, x1: number, y1: number): number[] {
  const out: number[] = [];
  const nodes = layout.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.x + CARD_W >= x0 && n.x <= x1 && n.y + CARD_H >= y0 && n.y <= y1) out.push(i);
  }
  return out;
}

/** Indices of the nodes whose link to their parent crosses the rectangle. */
export function linksIn(layout: Layout, x0: number, y0: number, x1: number, y1: number): number[] {
  const out: number[] = [];
  const nodes = layout.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.parent < 0) continue;
    const p = nodes[n.parent]!;
    const lx0 = Math.min(n.x, p.x);
    const lx1 = Math.max(n.x, p.x) + CARD_W;
    if (lx1 >= x0 - CARD_W && lx0 <= x1 && n.y + CARD_H >= y0 && p.y + CARD_H <= y1) out.push(i);
  }
  return out;
}

/** The elbow from a parent's bottom to a child's top (or, in a column, to its left side). */
export function linkPath(layout: Layout, child: number): string {
  const n = layout.nodes[child]!;
  const p = layout.nodes[n.parent]!;
  const px = p.x + CARD_W / 2;
  const py = p.y + CARD_H;
  if (n.stacked) {
    const spine = n.x - STACK_INDENT / 2;
    const mid = py + GAP_Y / 4;
    return `M${px},${py}V${mid}H${spine}V${n.y + CARD_H / 2}H${n.x}`;
  }
  const cx = n.x + CARD_W / 2;
  const mid = py + (n.y - py) / 2;
  return `M${px},${py}V${mid}H${cx}V${n.y}`;
}

/** A curve between two cards' sides, for a dotted reporting line. */
export function dottedPath(layout: Layout, from: number, to: number): string {
  const a = layout.nodes[from]!;
  const b = layout.nodes[to]!;
  const ax = a.x + CARD_W / 2;
  const ay = a.y + CARD_H / 2;
  const bx = b.x + CARD_W / 2;
  const by = b.y + CARD_H / 2;
  const bend = Math.max(60, Math.abs(ax - bx) / 4);
  return `M${ax},${ay}C${ax + bend},${ay - bend} ${bx + bend},${by + bend} ${bx},${by}`;
}
