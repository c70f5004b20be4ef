import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TreeNode } from '../../web/src/api.ts';
import { chartSvg } from '../../web/src/chart/card.ts';
import {
  CARD_H,
  CARD_W,
  collapsedBelow,
  countUnits,
  idByNamePath,
  layoutTree,
  linksIn,
  nodesIn,
  pathTo,
} from '../../web/src/chart/layout.ts';

function unit(id: string, children: TreeNode[] = []): TreeNode {
  return {
    id,
    name: `Unit ${id}`,
    type: 'team',
    head: null,
    posts: [],
    members: 0,
    businesses: [],
    businessDetails: [],
    inferred: false,
    children,
  };
}

/** A random tree: each unit's parent is an earlier unit. */
const trees = fc.array(fc.nat(), { minLength: 0, maxLength: 120 }).map((parents) => {
  const nodes = [unit('0')];
  parents.forEach((p, i) => {
    const node = unit(String(i + 1));
    nodes[p % nodes.length]!.children.push(node);
    nodes.push(node);
  });
  return nodes[0]!;
});

const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  a.x < b.x + CARD_W && b.x < a.x + CARD_W && a.y < b.y + CARD_H && b.y < a.y + CARD_H;

describe('the chart layout', () => {
  it('places every shown unit once, no two cards overlapping, children below their parents', () => {
    fc.assert(
      fc.property(trees, fc.integer({ min: 0, max: 4 }), (root, depth) => {
        const collapsed = depth === 4 ? new Set<string>() : collapsedBelow(root, depth);
        const layout = layoutTree(root, collapsed);
        const hidden = new Set<string>();
        const hide = (n: TreeNode, under: boolean) => {
          if (under) hidden.add(n.id);
          for (const c of n.children) hide(c, under || collapsed.has(n.id));
        };
        hide(root, false);
        expect(layout.nodes.length).toBe(countUnits(root) - hidden.size);
        expect(new Set(layout.nodes.map((n) => n.id)).size).toBe(layout.nodes.length);
        for (let i = 0; i < layout.nodes.length; i++) {
          const n = layout.nodes[i]!;
          if (n.parent >= 0) expect(n.y).toBeGreaterThan(layout.nodes[n.parent]!.y + CARD_H);
          for (let j = i + 1; j < layout.nodes.length; j++) {
            expect(overlap(n, layout.nodes[j]!), `${n.id} and ${layout.nodes[j]!.id} overlap`).toBe(false);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('draws only the cards and links that cross the visible region', () => {
    fc.assert(
      fc.property(
        trees,
        fc.integer({ min: -2000, max: 3000 }),
        fc.integer({ min: -200, max: 1500 }),
        (root, x0, y0) => {
          const layout = layoutTree(root, new Set());
          const x1 = x0 + 900;
          const y1 = y0 + 500;
          const inside = nodesIn(layout, x0, y0, x1, y1).map((i) => layout.nodes[i]!.id);
          const brute = layout.nodes
            .filter((n) => n.x + CARD_W >= x0 && n.x <= x1 && n.y + CARD_H >= y0 && n.y <= y1)
            .map((n) => n.id);
          expect(inside).toEqual(brute);
          // A link whose child card is visible is always drawn.
          const links = new Set(linksIn(layout, x0, y0, x1, y1));
          for (const i of nodesIn(layout, x0, y0, x1, y1)) {
            if (layout.nodes[i]!.parent >= 0) expect(links.has(i)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stacks three or more leaf children in one column under their parent', () => {
    const root = unit('r', [unit('a'), unit('b'), unit('c')]);
    const layout = layoutTree(root, new Set());
    const xs = layout.nodes.filter((n) => n.parent === 0).map((n) => n.x);
    expect(new Set(xs).size).toBe(1);
    expect(layout.nodes.filter((n) => n.stacked).length).toBe(3);
    const two = layoutTree(unit('r', [unit('a'), unit('b')]), new Set());
    expect(two.nodes.filter((n) => n.stacked).length).toBe(0);
  });

  it('finds paths by id and by the search API’s upward names', () => {
    const root = unit('r', [unit('a', [unit('b')]), unit('c')]);
    expect(pathTo(root, 'b')).toEqual(['r', 'a', 'b']);
    expect(pathTo(root, 'zz')).toEqual([]);
    expect(idByNamePath(root, ['Unit b', 'Unit a', 'Unit r'])).toBe('b');
    expect(idByNamePath(root, ['Unit b', 'Unit c', 'Unit r'])).toBeUndefined();
  });

  it('exports every laid-out unit into the SVG, with its text escaped', () => {
    const root = unit('r', [unit('a'), unit('b')]);
    root.children[0]!.name = 'R&D <Labs>';
    const svg = chartSvg(layoutTree(root, new Set()), []);
    expect(svg).toContain('R&amp;D &lt;Labs&gt;');
    expect(svg).toContain('Unit b');
    expect(svg.match(/<g class="card"/g)).toHaveLength(3);
    const collapsed = chartSvg(layoutTree(root, new Set(['r'])), []);
    expect(collapsed).not.toContain('Unit b');
  });
});
