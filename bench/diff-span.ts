// The diff over one day against the diff over one year, on a generated organization with monthly
// restructurings: the goal is that the one-day diff costs at most 1/50 of the one-year diff
// (its cost should follow the changes in the window, not the organization).
import { diff } from '../src/core/queries.ts';
import { addDays } from '../src/core/time.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { generatedHistory } from './support.ts';

const quick = process.argv.includes('--quick');
const people = quick ? 5_000 : 20_000;
const units = people / 10;
const years = 3;
const { generated, history } = generatedHistory({ people, units, years });
// A restructuring day in the middle of the history: the one-day window holds one plan's changes.
const day = generated.plans[Math.floor(generated.plans.length / 2)]!.plan.effective;
const from = addDays(day, -1);

// Cold each time: a copy of the history object has no snapshots kept yet (what a first request costs).
const time = (to: string, runs = 5) => {
  const times: number[] = [];
  let changes = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    changes = diff({ ...history }, from, to).changes.length;
    times.push(performance.now() - started);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(runs / 2)]!, changes };
};
const oneDay = time(day);
const oneYear = time(addDays(from, 365));
const ratio = oneYear.ms / oneDay.ms;
console.log(
  JSON.stringify({
    results: [
      {
        workload: `diff over one day (${oneDay.changes} changes) against one year (${oneYear.changes} changes)`,
        peer: 'the same diff over one year (ratio = one-year time / one-day time)',
        ratio: Number(ratio.toFixed(1)),
        target: 50,
      },
    ],
  }),
);
const section = [
  '## Diff over one day against one year (`bench/diff-span.ts`)',
  '',
  `Machine: ${describeMachine()}. Generated organization: ${people} people, ${units} units, ${years} years of monthly restructurings. From ${from}: one day (${oneDay.changes} changes) ${oneDay.ms.toFixed(1)} ms; one year (${oneYear.changes} changes) ${oneYear.ms.toFixed(1)} ms; ratio ${ratio.toFixed(1)} (target ≥ 50). Cold (no snapshot kept), median of 5. Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  ratio >= 50
    ? 'Target met.'
    : `Not met. The diff builds a full snapshot of the organization for its start and for every day in the window on which something changed, then compares them: a one-day window costs two snapshots, a one-year window one per restructuring day (here monthly, so about 13), whatever the number of changes. Meeting the target needs a diff read from the versions whose start or end falls in the window (sorted by boundary day, as the typed-array index sorts them), so that its cost follows the changes.`,
  '',
].join('\n');
if (!quick) writeSection('## Diff over one day against one year', section);
