// The people of a subtree (about 10k people) as of a date: Orgshift's typed-array index against
// PostgreSQL ltree (a path per unit period, GiST-indexed, joined to person periods). Same generated
// data, same run; the two answers are checked equal before timing. Ratio = ltree time / Orgshift time.
import { OrgIndex } from '../src/core/org-index.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { generatedHistory, insertRows, median, scratchDatabase } from './support.ts';

const quick = process.argv.includes('--quick');
const people = quick ? 20_000 : 100_000;
const units = people / 10;
const years = quick ? 1 : 3;
const log = (m: string) => process.stderr.write(`${m}\n`);

log(`generating ${people} people, ${units} units, ${years} years…`);
const { generated, history } = generatedHistory({ people, units, years });
const index = OrgIndex.of(history);
const date = generated.end;
const day = index.compute(date);
const wanted = Math.min(10_000, Math.round(people / 10));
let chosen = day.order[0]!;
for (const u of day.order)
  if (Math.abs(day.headcount[u]! - wanted) < Math.abs(day.headcount[chosen]! - wanted)) chosen = u;
const chosenId = index.unitIds[chosen]!;

// Unit paths over time: a new period whenever a unit's path from the root changes.
const days = new Set<string>();
for (const u of history.units.values())
  for (const v of u.versions) {
    days.add(v.from);
    if (v.to !== null) days.add(v.to);
  }
const pathRows: string[][] = [];
const open = new Map<number, { path: string; from: string }>();
const pathOf = (at: ReturnType<typeof index.compute>, u: number) => {
  const labels: string[] = [];
  // ltree labels take letters, digits and underscores (units made by a split have ids like unit-12-north).
  for (let a = u; a !== -1; a = at.parent[a]!) labels.push(index.unitIds[a]!.replace(/[^A-Za-z0-9_]/g, '_'));
  return labels.reverse().join('.');
};
for (const d of [...days].sort()) {
  const at = index.compute(d);
  for (const [u, period] of open) {
    if (!at.alive[u] || pathOf(at, u) !== period.path) {
      pathRows.push([index.unitIds[u]!, period.path, `[${period.from},${d})`]);
      open.delete(u);
    }
  }
  for (const u of at.order) if (!open.has(u)) open.set(u, { path: pathOf(at, u), from: d });
}
for (const [u, period] of open) pathRows.push([index.unitIds[u]!, period.path, `[${period.from},)`]);

const { db, close } = await scratchDatabase('orgshift_ltree');
try {
  await db.query('create extension if not exists ltree');
  await db.query('create extension if not exists btree_gist');
  await db.query('create table unit_paths (unit_id text, path ltree, valid daterange)');
  await db.query('create table person_periods (person_id text, unit_id text, valid daterange)');
  await insertRows(db, 'unit_paths', pathRows);
  await insertRows(
    db,
    'person_periods',
    [...history.people.values()].flatMap((p) =>
      p.versions.map((v) => [p.id, v.unit, `[${v.from},${v.to ?? ''})`]),
    ),
  );
  await db.query('create index on unit_paths using gist (path)');
  await db.query('create index on unit_paths using gist (unit_id, valid)');
  await db.query('create index on person_periods using gist (unit_id, valid)');
  await db.query('analyze');
  const pathNow = (
    await db.query('select path::text from unit_paths where unit_id = $1 and valid @> $2::date', [
      chosenId,
      date,
    ])
  ).rows[0].path as string;
  const sql = `select p.person_id from unit_paths u join person_periods p on p.unit_id = u.unit_id and p.valid @> $2::date
    where u.path <@ $1::ltree and u.valid @> $2::date`;
  const theirs = (await db.query(sql, [pathNow, date])).rows
    .map((r: { person_id: string }) => r.person_id)
    .sort();
  const ours = index
    .peopleIn(day.subtree(chosen), date)
    .map((p) => index.personIds[p]!)
    .sort();
  if (theirs.length !== ours.length || theirs.some((id: string, i: number) => id !== ours[i]))
    throw new Error(`the answers differ: ${theirs.length} vs ${ours.length} people`);

  // Cold: the day is materialized from the index first. Warm: the day is already kept.
  const coldMs = await median(() => index.peopleIn(index.compute(date).subtree(chosen), date), 7);
  const warm = index.at(date);
  const warmMs = await median(() => index.peopleIn(warm.subtree(chosen), date), 7);
  const ltreeMs = await median(() => db.query(sql, [pathNow, date]), 7);
  const ratio = ltreeMs / coldMs;
  console.log(
    JSON.stringify({
      results: [
        {
          workload: `people of a ${ours.length}-person subtree (${day.size[chosen]} units) as of a date`,
          peer: 'PostgreSQL ltree (GiST) joined to person periods',
          ratio: Number(ratio.toFixed(2)),
          target: 5,
          coldMs,
          warmMs,
          ltreeMs,
        },
      ],
    }),
  );
  const section = [
    '## A subtree as of a date, against PostgreSQL ltree (`bench/subtree-ltree.ts`)',
    '',
    `Machine: ${describeMachine()}, PostgreSQL on loopback. Generated organization: ${people} people, ${units} units, ${years} years of weekly HR changes and monthly restructurings; ${pathRows.length} unit path periods. The subtree of ${chosenId} on ${date}: ${day.size[chosen]} units, ${ours.length} people; both answers checked equal. Median of 7. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| | ms | ratio (ltree / Orgshift) | target |',
    '| --- | ---: | ---: | ---: |',
    `| Orgshift, day materialized from the index, then the subtree's people | ${coldMs.toFixed(2)} | ${ratio.toFixed(1)} | ≥ 5 |`,
    `| Orgshift, day already kept | ${warmMs.toFixed(2)} | ${(ltreeMs / warmMs).toFixed(1)} | |`,
    `| PostgreSQL: \`path <@ $1\` on unit path periods, joined to person periods | ${ltreeMs.toFixed(2)} | | |`,
    '',
  ].join('\n');
  if (!quick) writeSection('## A subtree as of a date, against PostgreSQL ltree', section);
} finally {
  await close();
}
