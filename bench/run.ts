// `npm run bench [-- --quick] [-- --json]`: every benchmark, one after another, each in its own
// process. Each prints {"results": [{workload, peer, ratio, target, ...}]} on stdout; this gathers
// them. Full runs rewrite their sections of BENCHMARKS.md; --quick runs (small sizes) do not.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHMARKS = [
  'api-load.ts',
  'impact-scaling.ts',
  'asof-vs-cte.ts',
  'subtree-ltree.ts',
  'rollups.ts',
  'diff-span.ts',
  'plan-commit.ts',
  'memory.ts',
  'page-chart.ts',
  'import-1m.ts',
];
const passed = process.argv.slice(2).filter((a) => a !== '--json');
const json = process.argv.includes('--json');

interface Result {
  workload: string;
  peer: string | null;
  ratio: number | null;
  target: number | null;
  [key: string]: unknown;
}

const results: Result[] = [];
let failed = false;
for (const file of BENCHMARKS) {
  const started = performance.now();
  process.stderr.write(`bench/${file}…\n`);
  const run = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      join(import.meta.dirname, file),
      ...passed,
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (run.status !== 0) {
    process.stderr.write(`bench/${file} failed (exit ${run.status}) after ${seconds} s\n`);
    failed = true;
    continue;
  }
  const start = run.stdout.indexOf('{"results"');
  const parsed = JSON.parse(run.stdout.slice(start)) as { results: Result[] };
  results.push(...parsed.results.map((r) => ({ ...r, benchmark: file })));
  process.stderr.write(`bench/${file}: ${parsed.results.length} result(s) in ${seconds} s\n`);
}

if (json) process.stdout.write(`${JSON.stringify({ results })}\n`);
else
  for (const r of results)
    process.stdout.write(
      `${r.workload}: ${r.ratio === null ? '(no peer)' : `ratio ${r.ratio.toFixed(2)} vs ${r.peer}`}${r.target === null ? '' : `, target ${r.target}`}\n`,
    );
process.exit(failed ? 1 : 0);
