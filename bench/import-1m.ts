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
          peer.totalMs / floor.totalMs < 3
            ? `Target not met, and not reachable on this store as it is: SQLite alone, given the same rows already in memory and nothing else to do, takes ${s(floor.totalMs)} s to store them (the row above), so that the peer is only ${(peer.totalMs / floor.totalMs).toFixed(1)}× that even were reading, checking and keying free. An import of this file stores ${floor.rows} fact rows (each with its 40-character SHA-1 key, validity, plan id and recording time: about 790 MB with their indexes) and the plans' 188 MB of text, against the peer's one 61 MB table and its closure. 3× would take a leaner stored form (binary keys; plan and recording time not repeated on every row) besides planning over columns rather than objects: a change of schema, not of code paths.`
            : `Target not met, though the store no longer rules it out: SQLite alone, given the same rows already in memory and nothing else to do, stores them in ${s(floor.totalMs)} s (the row above; a rollback journal for an import run alone, since 2026-12-04 — through the WAL, which writes every page twice, it took 13.2 s alone today and 19.9–25.4 s before), so that the peer is ${(peer.totalMs / floor.totalMs).toFixed(1)}× that. What stands between is Orgshift's own work on the main thread — reading the files, planning, checking every invariant and keying ${floor.rows} fact rows, about 27 s of one core (below) — which would have to fall under ${s(peer.totalMs / 3)} s in all, beside a writer that alone takes ${s(floor.totalMs)} s: planning over columns rather than objects, and a leaner stored form (binary keys; plan and recording time not repeated on every row), not more of the same code paths.`,
          '',
          "Where the time goes (a CPU profile of `bin/orgshift import`, 2026-12-04, 32.5 s in all): the main thread starts and reads the CSVs into periods (4.2 s), makes the plans' text (1.5 s) and applies and checks the 2.26M changes the short way (8.7 s), while the writer thread begins the transaction and stores the plans' text (1.6 s). Then this thread keys the rows (their JSON written from their cells, SHA-1: 8.8 s, of which the keys 4.2 s) while the writer inserts them (9.8 s), builds the indexes and commits (4.6 s); the writer is busy 14.4 s and this thread waits for it 4.4 s. The collector takes 4.6 s of the main thread. Through the WAL (before 2026-12-04) the same import took 39–43 s: the writer busy 17.6 s, its commit alone 2.9 s, and the kernel's writes 15.7 s of system time against 7.5 s. This machine is shared and noisy: the import took 51–60 s in six runs of 2026-12-03 (77 s and 3.4 GB before the short way and the writer thread, the peer 50–53 s), 31–38 s on 2026-12-04, the peer 37.2 s in the run above and 52–74 s on earlier days. On 2026-12-05, a slower day (SQLite alone 15.4 s against 10.3 s), the import took 53–70 s in four runs on its thread and 56–58 s in two runs in-process (the same files, one run after another: the thread costs little, the day a lot), the peer 64.5 s.",
          '',
          "Memory: the live heap at its largest (at the end of the apply: the days' changes and the facts) is about 1 GB (stage marks after forced collections, in-process); the changes are let go before the rows are keyed (0.5 GB left: the facts). The rest of the peak is the collector's headroom (the old generation is let grow to about twice what lives), the young generation (bin/orgshift allows 3 × 128 MB: the default 16 MB spent 11 s of the import in 773 scavenges), the writer thread's heap and the two connections' page caches. With NODE_OPTIONS=--max-old-space-size=2000 the import took 55 s at a peak of 2.6 GB; at 1500 it ran out of memory. Tried for memory and not kept: letting each change go as the short way walks it (3.38 → 3.21 GB in one run each; the usual way would then have to read the files again whenever the short way gives up); a 48 MB young generation for the writer thread (no change); a collection on the writer thread once it has stored the plans' text (150–200 MB less at the peak, but only through a V8 flag set at run time). Files are read 8 MB at a time, but what is held grows with the organization (about 1 KB of live heap per row): the memory is not bounded.",
          '',
          "Tried and not kept: rows inserted by SQLite from the batch's JSON (json_each) instead of one statement per row (in alternating runs 57.6 and 53.4 s against 57.9 and 53.8 s); the writer's temporary store in memory for the index builds (53.7 and 64.5 s against 53.0 and 62.1 s); SQLite's sorter threads for the index builds (no faster alone); rows inserted in key order with the index kept (slower than building it after: 4.3–5.0 s against 4.0 s a million rows, alone); a typed-array table of the keys issued instead of a Set of key strings (no faster); ten rows per INSERT (54 → 69 s); hashing in plain JavaScript (slower than crypto.hash once warm); 16 KB pages (25% faster bulk writes alone, not taken: every later small commit would write 4× the bytes); 512 MB of SQLite page cache (slower); a Map sharing every repeated value; a larger young generation; --heap-growing-percent=25.",
        ].join('\n'),
    '',
  ].join('\n');
  if (!quick) writeSection('## Importing a large HRIS file', section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
