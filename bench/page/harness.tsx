// Runs in Chromium (bench/page-chart.ts drives it): the page's chart and d3-org-chart on the same
// generated tree, each timed from mounting to the first painted chart, then expand-all, then a drag.
import { OrgChart as D3OrgChart } from 'd3-org-chart';
import { useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { Tree, TreeNode } from '../../web/src/api.ts';
import { cardLines } from '../../web/src/chart/card.ts';
import { collapsedBelow, countUnits } from '../../web/src/chart/layout.ts';
import { type ChartHandle, OrgChart } from '../../web/src/chart/OrgChart.tsx';
import type { Timing } from './timing.ts';

const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

/** Waits, frame by frame, until the condition holds; then one more frame so that it is painted. */
async function until(condition: () => boolean, limitMs = 600_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limitMs) throw new Error('timed out');
    await frame();
  }
  await frame();
}

/** Drags the chart by synthetic mouse events, one step per frame, and counts frames per second. */
async function pan(target: Element, ms = 2000): Promise<number> {
  const box = target.getBoundingClientRect();
  let x = box.left + box.width / 2;
  const y = box.top + box.height / 2;
  target.dispatchEvent(
    new MouseEvent('mousedown', { bubbles: true, clientX: x, clientY: y, button: 0, view: window }),
  );
  const start = await frame();
  let frames = 0;
  let now = start;
  let direction = -1;
  while (now - start < ms) {
    x += direction * 12;
    if (Math.abs(x - (box.left + box.width / 2)) > 500) direction = -direction;
    window.dispatchEvent(
      new MouseEvent('mousemove', { bubbles: true, clientX: x, clientY: y, view: window }),
    );
    now = await frame();
    frames += 1;
  }
  window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: x, clientY: y, view: window }));
  return (frames * 1000) / (now - start);
}

const host = () => document.getElementById('chart')!;

interface Controls {
  expand(): void;
  chart: ChartHandle | null;
}

function Harness({ tree, controls }: { tree: Tree; controls: Controls }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => collapsedBelow(tree.root!, 2));
  controls.expand = () => setCollapsed(new Set());
  return (
    <OrgChart
      ref={(handle) => {
        controls.chart = handle;
      }}
      tree={tree}
      collapsed={collapsed}
      onToggle={() => {}}
      label="benchmark"
    />
  );
}

/** A unit about halfway down the deepest path: centring on it fills the screen with cards. */
function deepUnit(root: TreeNode): string {
  const path: TreeNode[] = [root];
  while (path.at(-1)!.children.length > 0)
    path.push(path.at(-1)!.children[Math.floor(path.at(-1)!.children.length / 2)]!);
  return path[Math.floor(path.length * 0.7)]!.id;
}

async function orgshift(tree: Tree): Promise<Timing> {
  const root = tree.root!;
  const controls: Controls = { expand: () => {}, chart: null };
  const svg = () => host().querySelector('svg.chart-svg');
  const shown = (n: number) => () =>
    svg()?.getAttribute('data-units') === String(n) &&
    (Number(svg()?.getAttribute('data-drawn')) > 0 || svg()?.getAttribute('data-dense') === 'true');
  const firstCount = countShown(root, 2);
  const t0 = performance.now();
  flushSync(() => createRoot(host()).render(<Harness tree={tree} controls={controls} />));
  await until(shown(firstCount));
  const firstChart = performance.now() - t0;
  const total = countUnits(root);
  const t1 = performance.now();
  flushSync(() => controls.expand());
  await until(shown(total));
  const expandAll = performance.now() - t1;
  // Pan where the cards are: centred on a deep unit at a readable scale, the screen full of cards.
  controls.chart!.center(deepUnit(root));
  await until(() => Number(svg()!.getAttribute('data-drawn')) > 10);
  const drawn = Number(svg()!.getAttribute('data-drawn'));
  const fps = await pan(svg()!);
  // And the overview: the whole organization on screen, drawn as boxes on a canvas.
  controls.chart!.fit(false);
  await frame();
  await frame();
  const overviewFps = await pan(svg()!);
  return { shownFirst: firstCount, firstChart, expandAll, shownAll: total, fps, overviewFps, drawn };
}

function countShown(root: TreeNode, depth: number): number {
  let n = 0;
  const walk = (u: TreeNode, d: number) => {
    n++;
    if (d < depth) for (const c of u.children) walk(c, d + 1);
  };
  walk(root, 0);
  return n;
}

interface Row {
  id: string;
  parentId: string | null;
  unit: TreeNode;
}

async function d3OrgChart(tree: Tree): Promise<Timing> {
  const rows: Row[] = [];
  const walk = (u: TreeNode, parent: string | null) => {
    rows.push({ id: u.id, parentId: parent, unit: u });
    for (const c of u.children) walk(c, u.id);
  };
  walk(tree.root!, null);
  const nodes = () => host().querySelectorAll('g.node').length;
  const firstCount = countShown(tree.root!, 2);
  const t0 = performance.now();
  const chart = new D3OrgChart<Row>()
    .container(host())
    .svgWidth(1280)
    .svgHeight(760)
    .data(rows)
    .duration(0)
    .initialExpandLevel(2)
    .nodeWidth(() => 260)
    .nodeHeight(() => 96)
    // The same text as the page's cards, as d3-org-chart draws cards: HTML in a foreignObject.
    .nodeContent((d) =>
      cardLines(d.data.unit)
        .map((line) => `<div class="${line.kind}">${line.text.replace(/</g, '&lt;')}</div>`)
        .join(''),
    )
    .render();
  await until(() => nodes() >= firstCount);
  const firstChart = performance.now() - t0;
  const t1 = performance.now();
  chart.expandAll();
  await until(() => nodes() >= rows.length);
  const expandAll = performance.now() - t1;
  const fps = await pan(host().querySelector('svg')!);
  return {
    shownFirst: firstCount,
    firstChart,
    expandAll,
    shownAll: rows.length,
    fps,
    overviewFps: null,
    drawn: nodes(),
  };
}

declare global {
  interface Window {
    runBenchmark(which: 'orgshift' | 'd3-org-chart', url: string): Promise<Timing>;
  }
}

window.runBenchmark = async (which, url) => {
  const tree = (await (await fetch(url)).json()) as Tree;
  return which === 'orgshift' ? orgshift(tree) : d3OrgChart(tree);
};
