// Importing a large HRIS people file (1M rows; --rows N), end to end, against the peer pipeline the
// issue names: csv-parse (streaming) → PostgreSQL COPY → a closure table of the reporting lines, on
// the same file in the same run. Orgshift runs as a user runs it — `bin/orgshift import` into a fresh
// SQLite store — and its peak memory is read from /usr/bin/time. Ratio = peer time / Orgshift time.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
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
// Node's default heap (about 4 GB here) is too small for a million rows: the import holds everything.
const heapMb = arg('heap', 16_384);

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
      env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${heapMb}` },
    },
  );
  const oursMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`the import failed: ${run.stderr.slice(-2000)}`);
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
        },
      ],
    }),
  );
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const section = [
    '## Importing a large HRIS file (`bench/import-1m.ts`)',
    '',
    `Machine: ${describeMachine()}, PostgreSQL on loopback. Orgshift ran with NODE_OPTIONS=--max-old-space-size=${heapMb}: with Node's default heap (about 4 GB here) a million-row import runs out of memory while writing. Generated files (bench/import-files.ts): ${files.peopleRows} people rows (${megabytes(files.people).toFixed(0)} MB; ${files.persons} people, one in ten with a second period), ${files.unitCount} units, one head per unit; every manager_id is the head above. One run each. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| | s | peak memory | ratio (peer / Orgshift) | target |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| Orgshift: \`bin/orgshift import --units --people --posts\` into a new SQLite store (parse, validate periods, plan, check every invariant, write the bitemporal facts) | ${s(oursMs)} | ${peakMb.toFixed(0)} MB | | |`,
    `| Peer: csv-parse → COPY into one table (${s(peer.copyMs)} s), closure table of the current reporting lines, ${peer.closureRows} rows (${s(peer.closureMs)} s) | ${s(peer.totalMs)} | (PostgreSQL) | ${ratio.toFixed(2)} | ≥ 3 |`,
    '',
    ratio >= 3
      ? 'Target met.'
      : `Target not met. Orgshift does more than the peer (it also reads the units and posts files, checks every period and the invariants, and stores each fact with its validity and provenance), and its import is not streaming: the files, the rows, the dated plans and the replayed organization are all in memory at once (peak above), so memory grows with the file rather than staying bounded. Where the time goes (profiled at 100k rows, about 13 s of CPU): garbage collection of all that memory (3.4 s), writing the fact rows to SQLite (3.1 s), turning the history into rows and hashing each for its key (2.7 s), and the replay with its undo journal.`,
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
