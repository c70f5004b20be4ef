// How the cost of a plan's impact grows with the organization: a plan touching k = 10 people on
// generated organizations of n people. The goal is roughly O(k log n); this measures it.
import { stringify } from 'yaml';
import { impact } from '../src/core/impact.ts';
import { checkPlans, replay } from '../src/core/replay.ts';
import { parsePlan } from '../src/formats/plan-file.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';

const quick = process.argv.includes('--quick');
const sizes = quick ? [1_000, 4_000] : [1_000, 4_000, 16_000];

function generatedOrganization(people: number): string {
  const departments = Math.max(10, Math.round(people / 50));
  const changes: unknown[] = [{ create: { unit: 'Company', type: 'company' } }];
  for (let d = 0; d < departments; d++) {
    changes.push({
      create: {
        unit: `Department ${d}`,
        type: 'department',
        parent: d < 10 ? 'Company' : `Department ${Math.floor(d / 10) - 1}`,
      },
    });
  }
  for (let p = 0; p < people; p++) {
    changes.push({ hire: { person: `Person ${p}`, unit: `Department ${p % departments}`, level: 'P5' } });
    if (p < departments) changes.push({ appoint: { person: `Person ${p}`, unit: `Department ${p}` } });
  }
  return stringify({ plan: 'generated', title: 'Generated', effective: '2020-01-01', changes });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rows: Array<{ people: number; impactMs: number }> = [];
for (const n of sizes) {
  const base = parsePlan(generatedOrganization(n), 'generated.yaml');
  const applied = [{ plan: base, seq: 1 }];
  const before = replay(applied);
  if (!before.ok) throw new Error('generated organization refused');
  const changes = Array.from({ length: 10 }, (_, i) => ({
    promote: { person: `Person ${i * 7}`, level: 'P6' },
  }));
  const plan = parsePlan(
    stringify({ plan: 'promote', title: 'Promote ten', effective: '2021-01-01', changes }),
    'promote.yaml',
  );
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const after = checkPlans(applied, [plan]);
    if (!after.ok) throw new Error('plan refused');
    impact(before.history, after.history, plan.effective, plan.id);
    times.push(performance.now() - started);
  }
  rows.push({ people: n, impactMs: Math.round(median(times)) });
}
const first = rows[0]!;
const last = rows.at(-1)!;
const growth = last.impactMs / first.impactMs;
const sizeGrowth = last.people / first.people;
console.log(
  JSON.stringify({
    results: [
      {
        workload: `impact of a 10-person plan as n grows ×${sizeGrowth} (${first.people} → ${last.people} people)`,
        peer: 'linear growth (O(n)); ratio = size growth / time growth, above 1 is better than linear',
        ratio: Number((sizeGrowth / growth).toFixed(2)),
        // O(k log n): time should grow about as log n does.
        target: Number((sizeGrowth / (Math.log(last.people) / Math.log(first.people))).toFixed(2)),
        rows,
      },
    ],
  }),
);

const machine = describeMachine();
const section = [
  '## Impact cost against organization size (`npm run bench`)',
  '',
  `Machine: ${machine}. Median of 3 runs. Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| people (n) | check + impact of a plan touching 10 people, ms |',
  '| --- | --- |',
  ...rows.map((r) => `| ${r.people} | ${r.impactMs} |`),
  '',
  `From n = ${first.people} to n = ${last.people} (×${sizeGrowth}) the time grew ×${growth.toFixed(1)}: the cost follows the`,
  'organization, not the change. Goal (issue 6): roughly O(k log n). Not met: checking a plan replays the',
  'whole history and the impact compares two full snapshots. What limits it is the replay design',
  '(docs/architecture.md); the in-memory engine of the performance issue (snapshots kept per date,',
  'events applied incrementally) is the way to make both proportional to the change.',
  '',
].join('\n');
if (!quick) writeSection('## Impact cost against organization size', section);
