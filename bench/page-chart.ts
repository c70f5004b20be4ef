// The page's chart against d3-org-chart, in Debian Chromium, on trees of generated organizations
// (bench/generate.ts): time to the first chart (three levels shown), expand-all, and frames per second
// while dragging the chart. The goal: Orgshift expanding 100k units takes less time than
// d3-org-chart expanding 10k, and panning holds 50 frames per second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { tree } from '../src/core/queries.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import type { Timing } from './page/timing.ts';
import { generatedHistory } from './support.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const RUNS = quick ? 1 : 3;
const big = quick ? 20_000 : 100_000;
const small = quick ? 2_000 : 10_000;
const log = (message: string) => process.stderr.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), 'orgshift-page-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function treeFile(units: number): string {
  log(`generating an organization of ${units} units…`);
  const { generated, history } = generatedHistory({ people: units, units, years: 0 });
  const name = `tree-${units}.json`;
  writeFileSync(join(dir, 'dist', name), JSON.stringify(tree(history, generated.end)));
  return `/${name}`;
}

await build({
  root: join(import.meta.dirname, 'page'),
  configFile: false,
  logLevel: 'warn',
  mode: 'production',
  plugins: [react()],
  build: { outDir: join(dir, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
const files = { big: treeFile(big), small: treeFile(small) };

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
};
const server = createServer(async (req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  try {
    const body = await readFile(join(dir, 'dist', path === '/' ? 'index.html' : path.replace(/\.\./g, '')));
    res.writeHead(200, { 'Content-Type': TYPES[extname(path) || '.html'] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

async function measure(which: 'orgshift' | 'd3-org-chart', file: string): Promise<Timing> {
  const runs: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction("typeof window.runBenchmark === 'function'");
    type Run = { runBenchmark(w: string, f: string): Promise<Timing> };
    runs.push(
      await page.evaluate(([w, f]) => (globalThis as unknown as Run).runBenchmark(w!, f!), [which, file]),
    );
    await page.close();
    log(`${which} ${file}: ${JSON.stringify(runs.at(-1))}`);
  }
  const median = (key: Exclude<keyof Timing, 'overviewFps'>) =>
    runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const overview = runs.map((r) => r.overviewFps ?? 0).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return {
    shownFirst: runs[0]!.shownFirst,
    shownAll: runs[0]!.shownAll,
    firstChart: median('firstChart'),
    expandAll: median('expandAll'),
    fps: median('fps'),
    overviewFps: runs[0]!.overviewFps === null ? null : overview,
    drawn: median('drawn'),
  };
}

const orgshiftBig = await measure('orgshift', files.big);
const orgshiftSmall = await measure('orgshift', files.small);
const peerSmall = await measure('d3-org-chart', files.small);
await browser.close();
server.close();

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
const rows = [
  ['Orgshift', big, orgshiftBig],
  ['Orgshift', small, orgshiftSmall],
  ['d3-org-chart 3.1', small, peerSmall],
] as const;
const section = [
  '## Page: org chart in Chromium (bench/page-chart.ts)',
  '',
  `Machine: ${describeMachine()}; Debian Chromium headless, software rendering (--disable-gpu), 1280×760 chart. Trees of generated organizations (bench/generate.ts, about 11 levels, three children per unit). "First chart": from mounting to the painted chart with three levels shown; "expand-all": from the click to every unit laid out and the visible ones painted; "pan": frames per second while a synthetic drag moves the chart 12 px per frame for 2 s after expand-all. Median of ${RUNS} run(s), each in a fresh page. Measured ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick sizes)' : ''}.`,
  '',
  '| chart | units | first chart | expand-all | pan (frames/s) | pan, whole organization on screen (frames/s) | cards in the DOM while panning |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    ([name, units, t]) =>
      `| ${name} | ${units.toLocaleString('en')} | ${ms(t.firstChart)} | ${ms(t.expandAll)} | ${t.fps.toFixed(0)} | ${t.overviewFps === null ? '—' : t.overviewFps.toFixed(0)} | ${t.drawn.toLocaleString('en')} |`,
  ),
  '',
  `- Expand-all: Orgshift on ${big.toLocaleString('en')} units ${ms(orgshiftBig.expandAll)} vs d3-org-chart on ${small.toLocaleString('en')} units ${ms(peerSmall.expandAll)}: ratio ${ratio(peerSmall.expandAll, orgshiftBig.expandAll)} (goal: above 1×). Same ${small.toLocaleString('en')}-unit tree: ${ratio(peerSmall.expandAll, orgshiftSmall.expandAll)}.`,
  `- First chart, same ${small.toLocaleString('en')}-unit tree: ${ratio(peerSmall.firstChart, orgshiftSmall.firstChart)} (peer time / Orgshift time).`,
  `- Panning after expand-all: Orgshift ${orgshiftBig.fps.toFixed(0)} frames/s on ${big.toLocaleString('en')} units, centred on a deep unit at scale 1 with the screen full of cards (goal ≥ 50); ${orgshiftBig.overviewFps?.toFixed(0)} frames/s with all ${big.toLocaleString('en')} units on screen (canvas boxes, no text). d3-org-chart ${peerSmall.fps.toFixed(0)} frames/s on ${small.toLocaleString('en')}, in the view it leaves after expand-all.`,
  '- Why: d3-org-chart keeps every expanded card in the DOM as an HTML foreignObject; Orgshift lays out all units (d3-flextree, linear) but keeps only the cards near the viewport in the DOM, and pans by moving one transform.',
  '',
].join('\n');
if (!quick) writeSection('## Page: org chart in Chromium', section);
const results = [
  {
    workload: `page expand-all (${big} units vs peer on ${small})`,
    peer: 'd3-org-chart',
    ratio: peerSmall.expandAll / orgshiftBig.expandAll,
    target: 1,
  },
  {
    workload: `page first chart (${small} units)`,
    peer: 'd3-org-chart',
    ratio: peerSmall.firstChart / orgshiftSmall.firstChart,
    target: null,
  },
  {
    workload: `page pan frames/s (${big} units; reads as frames/s, not a ratio)`,
    peer: 'none',
    ratio: orgshiftBig.fps,
    target: 50,
  },
];
if (json) process.stdout.write(`${JSON.stringify({ results })}\n`);
else process.stdout.write(section);
