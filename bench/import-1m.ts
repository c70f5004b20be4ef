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
      : `Target not met. Orgshift does more than the peer (it also reads the units and posts files, checks every period and the invariants, and stores each fact with its validity and provenance, and each dated plan's text). Into an organization with no plans yet, the import now takes the short way (core/first-plans.ts: the facts the usual builder makes of the import's operations, from one state object per unit and person; any operation it does not carry or that might be refused gives way to the usual way, which decides and words the problems) and the first commit is written on a second thread (store/sqlite-writer.ts) while this one keys the rows. This machine is shared and noisy: the same import took 52–65 s in six runs on 2026-12-03 (the peer 50–53 s; before this session's changes the import took 77 s and 3.4 GB against the peer's 50 s). bin/orgshift runs node with a young generation of up to 128 MB (the default 16 MB spent 11 s of the import in 773 scavenges). Where the time goes at 1M rows (stage marks, in-process, 58 s in all): reading the CSVs, checking the periods and making the day's changes 10 s; applying and checking the 2.26M changes the short way 12 s (was 25 s; map lookups among a million records and the collector dominate); making the plans' 188 MB of text 5 s; keying the 3.3M fact rows (their JSON written from their cells, SHA-1) and sending them to the writer 20 s while the writer inserts them and builds the indexes; the writer's commit and WAL checkpoint 4 s. What limits it: the writer thread is now the busy one (a profile: 41 s busy of 52 — parsing and inserting 3.3M rows at about 3 µs each on a core shared with the main thread and the collector, building seven indexes 5 s, the plans' text 2.5 s, the commit and WAL checkpoint 4 s) and it is idle while the main thread plans and applies (22 s); planning and applying hold a million records as JavaScript objects; 3× the peer (13–17 s) would take the periods, changes and facts held as columns (typed arrays) rather than objects, so that neither planning nor applying nor keying makes an object per row. Memory: files are read 8 MB at a time and rows become periods as they are read; the day's changes are kept as their bodies (no operation objects: those are made one at a time as they are applied), the plans' text is made only when stored. What is held grows with the organization: the periods' changes and the facts (about 1.2 GB of heap after applying at 1M rows). Tried and not kept: a typed-array table of the keys issued instead of a Set of key strings (no faster); ten rows per INSERT on the writer thread (54 → 69 s, user time 56 → 71 s); hashing in plain JavaScript (slower than crypto.hash once warm); 16 KB pages (25% faster bulk writes in isolation, not taken: every later small commit would write 4× the bytes); 512 MB of SQLite page cache (slower); a Map sharing every repeated value; a larger young generation; 10 rows per INSERT; --heap-growing-percent=25.`,
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
