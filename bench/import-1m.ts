// Importing a large HRIS people file (1M rows; --rows N), end to end, against the peer pipeline the
// issue names: csv-parse (streaming) → PostgreSQL COPY → a closure table of the reporting lines, on
// the same file in the same run. Orgshift runs as a user runs it — `bin/orgshift import` into a fresh
// SQLite store — and its peak memory is read from /usr/bin/time. Ratio = peer time / Orgshift time.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { from as copyFrom } from 'pg-copy-streams';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { type ImportFiles, writeImportFiles } from './import-files.ts';
import { sqliteFloor } from './sqlite-floor.ts';
import { arg, scratchDatabase } from './support.ts';

const quick = process.argv.includes('--quick');
const rows = arg('rows', quick ? 20_000 : 1_000_000);
const log = (m: string) => process.stderr.write(`${m}\n`);
const root = new URL('..', import.meta.url).pathname;
// The import thread's heap may grow to 3/4 of the machine's memory unless --heap N (MB) bounds it
// (ORGSHIFT_IMPORT_HEAP_MB).
const heapMb = arg('heap', 0);

const dir = mkdtempSync(join(tmpdir(), 'orgshift-import-'));
try {
  log(`writing ${rows} people rows…`);
  const files = await writeImportFiles(dir, rows);
  const megabytes = (path: string) => statSync(path).size / 1e6;

  /** `bin/orgshift import` of the files into a new store, as a user runs it; its time and peak memory. */
  const importFiles = (of: ImportFiles, db: string) => {
    const started = performance.now();
    const run = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'peak-kb %M',
        join(root, 'bin/orgshift'),
        '--db',
        db,
        'import',
        '--units',
        of.units,
        '--people',
        of.people,
        '--posts',
        of.posts,
      ],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env: heapMb > 0 ? { ...process.env, ORGSHIFT_IMPORT_HEAP_MB: String(heapMb) } : process.env,
      },
    );
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`the import failed: ${run.stderr.slice(-2000)}`);
    const peakMb = Number(/peak-kb (\d+)/.exec(run.stderr)?.[1] ?? 0) / 1024;
    const summary = run.stderr.split('\n').find((l) => l.startsWith('read ')) ?? '';
    log(`Orgshift: ${(ms / 1000).toFixed(1)} s, peak ${peakMb.toFixed(0)} MB — ${summary}`);
    return { ms, peakMb };
  };

  log('Orgshift: bin/orgshift import…');
  const { ms: oursMs, peakMb } = importFiles(files, join(dir, 'org.db'));
  const planFile = join(dir, 'rename.yaml');
  writeFileSync(
    planFile,
    'plan: rename\ntitle: t\neffective: 2023-01-01\nchanges:\n  - rename: { unit: "#u5", to: Five }\n',
  );
  let started = performance.now();
  const check = spawnSync(
    join(root, 'bin/orgshift'),
    ['--db', join(dir, 'org.db'), 'plan', 'check', planFile],
    {
      encoding: 'utf8',
    },
  );
  const checkMs = performance.now() - started;
  if (check.status !== 0) throw new Error(`the check failed: ${check.stderr.slice(-2000)}`);
  log(`Orgshift: first check after the import ${(checkMs / 1000).toFixed(1)} s`);

  log('SQLite alone: the same rows written again…');
  const floor = sqliteFloor(join(dir, 'org.db'), join(dir, 'floor.db'));
  log(`SQLite alone: ${(floor.totalMs / 1000).toFixed(1)} s for ${floor.rows} rows and the plans`);

  // The same organization, but every member's manager_id the head of the unit above theirs: a
  // reporting line of its own each, where the file above stores none.
  log('Orgshift: the same with skip-level managers…');
  const skipDir = join(dir, 'skip-level');
  mkdirSync(skipDir);
  const skip = importFiles(await writeImportFiles(skipDir, rows, 'skip-level'), join(skipDir, 'org.db'));
  rmSync(skipDir, { recursive: true, force: true });

  // Memory as the people file grows and the units do not: the same shape with 20k units (and heads)
  // at `rows` and at three times as many rows.
  const bound: Array<{ rows: number; units: number; ms: number; peakMb: number }> = [];
  for (const times of [1, 3]) {
    const n = rows * times;
    const unitCount = Math.min(20_000, Math.round(rows / 11));
    log(`Orgshift: ${n} rows with ${unitCount} units…`);
    const boundDir = join(dir, `bound-${times}`);
    mkdirSync(boundDir);
    const run = importFiles(
      await writeImportFiles(boundDir, n, 'heads', unitCount),
      join(boundDir, 'org.db'),
    );
    bound.push({ rows: n, units: unitCount, ...run });
    rmSync(boundDir, { recursive: true, force: true });
  }

  log('peer: csv-parse → COPY → closure table…');
  const { db, close } = await scratchDatabase('orgshift_import');
  let peer: { copyMs: number; closureMs: number; totalMs: number; closureRows: number; copied: number };
  try {
    await db.query(`create table people (person_id text, name text, unit_id text, manager_id text,
      title text, level text, valid_from date, valid_to date)`);
    started = performance.now();
    let copied = 0;
    // csv-parse reads the records (validating the CSV); they are written back as COPY text rows.
    const toCopy = new Transform({
      writableObjectMode: true,
      transform(record: string[], _encoding, done) {
        copied += 1;
        done(null, `${record.map((v) => (v === '' ? '\\N' : v.replace(/[\\\t\n]/g, ' '))).join('\t')}\n`);
      },
    });
    await pipeline(
      createReadStream(files.people),
      parse({ from_line: 2, relax_column_count: false }),
      toCopy,
      db.query(copyFrom('copy people from stdin')),
    );
    const copyMs = performance.now() - started;
    const closureStarted = performance.now();
    await db.query('create index on people (manager_id) where valid_to is null');
    await db.query(`create table closure as
      with recursive c(ancestor, descendant, depth) as (
        select person_id, person_id, 0 from people where valid_to is null
        union all
        select c.ancestor, p.person_id, c.depth + 1
        from c join people p on p.manager_id = c.descendant and p.valid_to is null
      )
      select * from c`);
    await db.query('create index on closure (ancestor)');
    const closureMs = performance.now() - closureStarted;
    const closureRows = Number((await db.query('select count(*) as n from closure')).rows[0].n);
    peer = { copyMs, closureMs, totalMs: copyMs + closureMs, closureRows, copied };
    log(`peer: ${(peer.totalMs / 1000).toFixed(1)} s (${closureRows} closure rows)`);
  } finally {
    await close();
  }

  const ratio = peer.totalMs / oursMs;
  console.log(
    JSON.stringify({
      results: [
        {
          workload: `import of a ${files.peopleRows}-row people CSV (with its units and posts), end to end`,
          peer: 'csv-parse → PostgreSQL COPY → closure table of reporting lines',
          ratio: Number(ratio.toFixed(2)),
          target: 3,
          oursMs: Math.round(oursMs),
          peerMs: Math.round(peer.totalMs),
          peakMb: Math.round(peakMb),
          firstCheckMs: Math.round(checkMs),
          skipLevelMs: Math.round(skip.ms),
          skipLevelRatio: Number((peer.totalMs / skip.ms).toFixed(2)),
          sqliteFloorMs: Math.round(floor.totalMs),
          peakMbByRowsWithFixedUnits: bound.map((b) => [b.rows, Math.round(b.peakMb)]),
          bestRatioOnSqlite: Number((peer.totalMs / floor.totalMs).toFixed(2)),
        },
      ],
    }),
  );
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const section = [
    '## Importing a large HRIS file (`bench/import-1m.ts`)',
    '',
    `Machine: ${describeMachine()}, PostgreSQL on loopback. Orgshift's import ran on its thread, ${heapMb > 0 ? `its heap bounded to ${heapMb} MB (ORGSHIFT_IMPORT_HEAP_MB)` : "its heap let grow to 3/4 of the machine's memory"}. Generated files (bench/import-files.ts): ${files.peopleRows} people rows (${megabytes(files.people).toFixed(0)} MB; ${files.persons} people, one in ten with a second period), ${files.unitCount} units, one head per unit; every manager_id is the head above. One run each. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| | s | peak memory | ratio (peer / Orgshift) | target |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| Orgshift: \`bin/orgshift import --units --people --posts\` into a new SQLite store (parse, validate, check, write the bitemporal facts and the plans' texts), straight from the files' columns | ${s(oursMs)} | ${peakMb.toFixed(0)} MB | | |`,
    `| Orgshift: then \`bin/orgshift plan check\` of a one-line plan, in a new process | ${s(checkMs)} | | | |`,
    `| Orgshift: the same organization with every member's manager_id the head of the unit above theirs, not the one the organization gives them: a reporting line of its own each: lines that go up (to the head of the unit above), so the direct way still, with 1M report lines more to store | ${s(skip.ms)} | ${skip.peakMb.toFixed(0)} MB | ${(peer.totalMs / skip.ms).toFixed(2)} | |`,
    `| SQLite alone storing the same ${floor.rows} rows and the plans' text (${s(floor.plansMs)} s of it), read back into memory first, one thread with nothing else to do, as the writer thread stores them (bench/sqlite-floor.ts) | ${s(floor.totalMs)} | | best reachable on this store: ${(peer.totalMs / floor.totalMs).toFixed(2)} | |`,
    ...bound.map(
      (b) =>
        `| Orgshift: the same shape with ${b.rows} people rows and ${b.units} units: memory as the people file grows | ${s(b.ms)} | ${b.peakMb.toFixed(0)} MB | | |`,
    ),
    `| Peer: csv-parse → COPY into one table (${s(peer.copyMs)} s), closure table of the current reporting lines, ${peer.closureRows} rows (${s(peer.closureMs)} s) | ${s(peer.totalMs)} | (PostgreSQL) | ${ratio.toFixed(2)} | ≥ 3 |`,
    '',
    `${ratio >= 3 ? 'Target met' : 'Target not met'} in this run (${ratio.toFixed(2)}× with the file as an HR system exports it; ${(peer.totalMs / skip.ms).toFixed(2)}× with a reporting line of its own for every member: 1M rows more). The machine is shared and noisy: the same import took 11.9–17.4 s and the peer 48–71 s in runs of the same day (2026-12-07), so one run's ratio moves by a third either way.`,
    '',
    "How (2026-12-07): files of the shape most HR systems export — each unit one period from its start, people with their periods, posts with their holders, every manager_id the one the organization gives anyway, empty, or a reporting line that goes up (to someone in a shallower unit, or to the head of the person's own) — are imported straight from their columns (`src/formats/hris-direct.ts`): no periods, changes, operations or records are made, only the rows' cells in arrays, the checks, and the facts and plans' texts made from the arrays as the store walks them. The files are decoded and hashed first (the plans' ids carry the hash, and every fact names its plan), so that the people file is read as its facts are stored: the writer thread inserts people while the rest of the file is read. The plans' texts are made while the writer inserts. Anything else (a quoted field, a row the usual way refuses, a unit that moves or ends, a line that may not go up) takes the usual way, which decides and locates; the two store the same rows (property test `test/formats/hris-direct.test.ts`; on this million-row file every table was compared). The usual way before this: 23–41 s for the same file (1.45–1.96×), and 49–59 s with the skip-level lines (1.1–1.3×).",
    '',
    "Where the time goes (a CPU profile of `bin/orgshift import` of the file above, 2026-12-07, 13.5 s in all with the profiler, threads aligned): the CLI starts (1 s) and starts the import's thread, which loads its modules (1 s: tsx); decoding and hashing the files, reading the units and posts (1 s); then for 7 s the import thread reads the people file and keys their 1M rows (both at once, the thread busy throughout) while the writer thread inserts them (70–90% busy); the writer builds the people's index (1.1 s) while the import thread makes the plans' texts; posts and lineage events (1 s); the plans' 121 MB of text (1.2 s, the import thread idle) and the commit (0.5 s). Both threads are now about equally loaded, and both cores busy most of the time: what is left is the work itself (per row: the cells parsed, a SHA-1 key, an INSERT) and the two threads' starts.",
    '',
    `Memory: the import takes the lean way (2026-12-07; docs/import.md): the people file is hashed (its manager_ids gathered) and then read again rather than held; each person's rows, once read, give their facts to the writer and their changes' lines and reporting lines to a spool on disk, and go, but for the posts' holders' and the named managers'. What grows is the units and posts, those rows, and 16–32 bytes a person: with ${bound[0]?.units} units, ${bound.map((b) => `${b.rows} rows peaked at ${b.peakMb.toFixed(0)} MB`).join(', ')}. Of a peak, about 150 MB is the process's and threads' start, up to 256 MB the import thread's young generation (bin/orgshift's --max-semi-space-size=128), about 100 MB the writer thread. Before: 1.16 GB at 1M rows (91k units), growing 575 B a row.`,
    '',
    "Tried and not kept, in earlier sessions (the usual way): rows inserted by SQLite from the batch's JSON (json_each) instead of one statement per row; the writer's temporary store in memory for the index builds; SQLite's sorter threads; rows inserted in key order with the index kept; a typed-array table of the keys issued; ten rows per INSERT; hashing in plain JavaScript; 16 KB pages (faster bulk writes, but every later small commit would write 4× the bytes); 512 MB of SQLite page cache; a Map sharing every repeated value; a larger young generation; --heap-growing-percent=25. This session: constant columns (org_id, recorded_at, superseded_at) as literals in the INSERT (no faster alone: 5.27 against 5.25 s a million rows); the writer's rows as V8's structured clone instead of JSON (no faster: JSON.stringify + parse 1.3 s a million rows, serialize + deserialize 1.2 s).",
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
