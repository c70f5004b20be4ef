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
    `| Orgshift: \`bin/orgshift import --units --people --posts\` into a new SQLite store (parse, validate periods, plan, check every invariant, write the bitemporal facts) | ${s(oursMs)} | ${peakMb.toFixed(0)} MB | | |`,
    `| Orgshift: then \`bin/orgshift plan check\` of a one-line plan, in a new process | ${s(checkMs)} | | | |`,
    `| Orgshift: the same organization with every member's manager_id the head of the unit above theirs, not the one the organization gives them: a reporting line of its own each | ${s(skip.ms)} | ${skip.peakMb.toFixed(0)} MB | ${(peer.totalMs / skip.ms).toFixed(2)} | |`,
    `| SQLite alone storing the same ${floor.rows} rows and the plans' text (${s(floor.plansMs)} s of it), read back into memory first, one thread with nothing else to do, as the writer thread stores them (bench/sqlite-floor.ts) | ${s(floor.totalMs)} | | best reachable on this store: ${(peer.totalMs / floor.totalMs).toFixed(2)} | |`,
    `| Peer: csv-parse → COPY into one table (${s(peer.copyMs)} s), closure table of the current reporting lines, ${peer.closureRows} rows (${s(peer.closureMs)} s) | ${s(peer.totalMs)} | (PostgreSQL) | ${ratio.toFixed(2)} | ≥ 3 |`,
    '',
    ratio >= 3
      ? 'Target met.'
      : [
          `Target not met. The store is no longer what stands between: SQLite alone, given the same ${floor.rows} rows already in memory and nothing else to do, stores them in ${s(floor.totalMs)} s (the row above), where the peer takes ${(peer.totalMs / floor.totalMs).toFixed(1)}× that. Orgshift's own work on the import thread is: reading the CSVs into checked periods, planning, applying and checking every invariant on each day, and keying the fact rows — about 20 s of one core (below), which would have to fall to ${s(peer.totalMs / 3)} s in all. That takes planning over columns rather than objects (the periods, operations and records are millions of objects: the collector alone takes a quarter of the thread), not more of the same code paths.`,
          '',
          "What changed on 2026-12-06 (same files, one run each, this machine): a record's own row (units, people: aliases, unnamed) is no longer stored when its versions say it all — 1,007,791 rows fewer, 37.9 → 33.1 s; and a manager_id that names the head the organization gives the person anyway (their unit's head; for a head, the head above) is no longer stored as a reporting line of its own — as in this file, where every manager_id is such: 999,998 rows fewer and 1M `report` changes not applied, 33.1 → 23.1 s, peak 4.1 → 3.0 GB, a plan check in a new process 13.3 → 8.4 s, and `import --replace` of the file with one row changed 170 s → 54 s. From 3,280,516 fact rows to 1,272,727. The skip-level row above is the same organization with every member's manager_id another than their head's: a line each is stored (2,272,725 rows), as before.",
          '',
          "Where the time goes (a CPU profile of `bin/orgshift import` on the file above, 2026-12-06, 25.6 s in all with the profiler): the import thread reads the CSVs into checked periods (5.6 s: the CSV 1.8 s, the periods 2.2 s, whether every manager is in the organization through each row 1.1 s), makes the plans' text (0.8 s), applies and checks the 1.26M changes the short way (5.6 s, of which the reporting-cycle check 1.5 s) and keys the 1.27M rows and sends them to the writer (5.2 s, SHA-1 1.0 s of it); the collector takes 6.2 s of it (93 scavenges, 2.6 s, with --trace-gc; the rest marking). The writer thread is busy 7.4 s (inserting, building the indexes, committing), idle the rest. This machine is shared and noisy: the same import took 23.1–23.3 s in runs with nothing else on the machine and 30.5 s in one beside a type check, the peer 33.9–37.0 s today and 37–65 s on earlier days (a different processor on different days).",
          '',
          "Memory (measured 2026-12-05, before the changes above; the peak is now 3.0 GB): the live heap at its largest (at the end of the apply: the days' changes and the facts) is about 1 GB (stage marks after forced collections, in-process); the changes are let go before the rows are keyed (0.5 GB left: the facts). The rest of the peak is the collector's headroom (the old generation is let grow to about twice what lives), the young generation (bin/orgshift allows 3 × 128 MB: the default 16 MB spent 11 s of the import in 773 scavenges), the writer thread's heap and the two connections' page caches. With NODE_OPTIONS=--max-old-space-size=2000 the import took 55 s at a peak of 2.6 GB; at 1500 it ran out of memory. Tried for memory and not kept: letting each change go as the short way walks it (3.38 → 3.21 GB in one run each; the usual way would then have to read the files again whenever the short way gives up); a 48 MB young generation for the writer thread (no change); a collection on the writer thread once it has stored the plans' text (150–200 MB less at the peak, but only through a V8 flag set at run time). Files are read 8 MB at a time, but what is held grows with the organization (about 1 KB of live heap per row): the memory is not bounded.",
          '',
          "Tried and not kept: rows inserted by SQLite from the batch's JSON (json_each) instead of one statement per row (in alternating runs 57.6 and 53.4 s against 57.9 and 53.8 s); the writer's temporary store in memory for the index builds (53.7 and 64.5 s against 53.0 and 62.1 s); SQLite's sorter threads for the index builds (no faster alone); rows inserted in key order with the index kept (slower than building it after: 4.3–5.0 s against 4.0 s a million rows, alone); a typed-array table of the keys issued instead of a Set of key strings (no faster); ten rows per INSERT (54 → 69 s); hashing in plain JavaScript (slower than crypto.hash once warm); 16 KB pages (25% faster bulk writes alone, not taken: every later small commit would write 4× the bytes); 512 MB of SQLite page cache (slower); a Map sharing every repeated value; a larger young generation; --heap-growing-percent=25.",
        ].join('\n'),
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
