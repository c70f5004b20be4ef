// Importing a large HRIS people file (1M rows; --rows N), end to end, against the peer pipeline the
// issue names: csv-parse (streaming) → PostgreSQL COPY → a closure table of the reporting lines, on
// the same file in the same run. Orgshift runs as a user runs it — `bin/orgshift import` into a fresh
// SQLite store — and its peak memory is read from /usr/bin/time. Ratio = peer time / Orgshift time.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { from as copyFrom } from 'pg-copy-streams';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { writeImportFiles } from './import-files.ts';
import { arg, scratchDatabase } from './support.ts';

const quick = process.argv.includes('--quick');
const rows = arg('rows', quick ? 20_000 : 1_000_000);
const log = (m: string) => process.stderr.write(`${m}\n`);
const root = new URL('..', import.meta.url).pathname;
// Node's default heap (about 4 GB here) unless --heap N (MB) is given.
const heapMb = arg('heap', 0);

const dir = mkdtempSync(join(tmpdir(), 'orgshift-import-'));
try {
  log(`writing ${rows} people rows…`);
  const files = await writeImportFiles(dir, rows);
  const megabytes = (path: string) => statSync(path).size / 1e6;

  log('Orgshift: bin/orgshift import…');
  let started = performance.now();
  const run = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'peak-kb %M',
      join(root, 'bin/orgshift'),
      '--db',
      join(dir, 'org.db'),
      'import',
      '--units',
      files.units,
      '--people',
      files.people,
      '--posts',
      files.posts,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: heapMb > 0 ? { ...process.env, NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : process.env,
    },
  );
  const oursMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`the import failed: ${run.stderr.slice(-2000)}`);
  // What a user does next: check a one-line plan against the imported organization, from a new
  // process (the kept organization is built from the stored facts).
  const planFile = join(dir, 'rename.yaml');
  writeFileSync(
    planFile,
    'plan: rename\ntitle: t\neffective: 2023-01-01\nchanges:\n  - rename: { unit: "#u5", to: Five }\n',
  );
  started = performance.now();
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
  const peakMb = Number(/peak-kb (\d+)/.exec(run.stderr)?.[1] ?? 0) / 1024;
  const summary = run.stderr.split('\n').find((l) => l.startsWith('read ')) ?? '';
  log(`Orgshift: ${(oursMs / 1000).toFixed(1)} s, peak ${peakMb.toFixed(0)} MB — ${summary}`);

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
        },
      ],
    }),
  );
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const section = [
    '## Importing a large HRIS file (`bench/import-1m.ts`)',
    '',
    `Machine: ${describeMachine()}, PostgreSQL on loopback. Orgshift ran with ${heapMb > 0 ? `NODE_OPTIONS=--max-old-space-size=${heapMb}` : "Node's default heap (about 4 GB here)"}. Generated files (bench/import-files.ts): ${files.peopleRows} people rows (${megabytes(files.people).toFixed(0)} MB; ${files.persons} people, one in ten with a second period), ${files.unitCount} units, one head per unit; every manager_id is the head above. One run each. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| | s | peak memory | ratio (peer / Orgshift) | target |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| Orgshift: \`bin/orgshift import --units --people --posts\` into a new SQLite store (parse, validate periods, plan, check every invariant, write the bitemporal facts) | ${s(oursMs)} | ${peakMb.toFixed(0)} MB | | |`,
    `| Orgshift: then \`bin/orgshift plan check\` of a one-line plan, in a new process | ${s(checkMs)} | | | |`,
    `| Peer: csv-parse → COPY into one table (${s(peer.copyMs)} s), closure table of the current reporting lines, ${peer.closureRows} rows (${s(peer.closureMs)} s) | ${s(peer.totalMs)} | (PostgreSQL) | ${ratio.toFixed(2)} | ≥ 3 |`,
    '',
    ratio >= 3
      ? 'Target met.'
      : `Target not met. Orgshift does more than the peer (it also reads the units and posts files, checks every period and the invariants, and stores each fact with its validity and provenance). Where the time goes at 1M rows (one run with stage marks, 69 s in all): reading the CSVs, checking the periods and making the dated plans 11.8 s; applying their 2.26M operations to the organization and checking it 25.4 s (about 11 µs an operation: each looks up records in maps of a million entries, and the collector marks a heap that grows to 1.9 GB); keying and writing 3.3M fact rows 27 s (SHA-1 of each row's JSON, one prepared INSERT a row; the tables' indexes are dropped and built once after, since the store is new); the commit 5 s (the plans' 188 MB of text, the WAL's fsync and checkpoint). What limits it: each of these alone takes most of the budget of 3× the peer (13–15 s); reaching it would take another import path — facts written from the periods without operations, keys or per-row inserts — rather than the dated plans every other change goes through. Memory: each file is read 8 MB at a time and each row becomes a period as it is read (no file is ever one string, no file's rows are ever all held), the periods are let go once the plans are made, and facts are written 10k rows at a time. What is held grows with the organization, not with the files: after applying, the organization (946 MB for 917k people, about 1 KB a person) and the plans' operations and text (517 + 188 MB) are the live heap (1.9 GB); the resident peak is higher because V8 collects lazily while the rows are written (its heap reaches 3 GB, mostly garbage). Tried and not kept: 512 MB of SQLite page cache while a write runs (the ratio did not move, the peak grew); a Map sharing every repeated value (cost 3.5 s of planning; a value equal to the row before's is shared instead); a larger young generation (--max-semi-space-size=32: 68.0 s against 69.7 s, within noise); 10 rows per INSERT (14% faster into a table without its index, 36% slower with it); --heap-growing-percent=25 (peak 3.2 → 2.8 GB, but 82 s).`,
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
