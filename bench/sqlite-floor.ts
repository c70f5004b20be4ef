// The least time SQLite itself takes to store what an import stored: the same rows, read back from the
// imported file into memory first, written into a new file by one thread with nothing else to do, as
// the writer thread writes an organization's first commit for `bin/orgshift import` (same connection settings,
// through a rollback journal, one transaction, each large table's indexes dropped and built after). No parsing, planning,
// checking or keying: what is left when all of that costs nothing.
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { FACT_TABLES } from '../src/store/schema.ts';
import { configureConnection } from '../src/store/sqlite-connection.ts';

/** `OrgStore.bulkRows`: tables getting at least this many rows are written without their indexes. */
const BULK_ROWS = 50_000;

export interface SqliteFloor {
  totalMs: number;
  /** Of which the plans' texts. */
  plansMs: number;
  rows: number;
}

export function sqliteFloor(stored: string, scratch: string): SqliteFloor {
  const source = new BetterSqlite3(stored, { readonly: true });
  const schema = source
    .prepare(
      "select type, name, tbl_name as tbl, sql from sqlite_master where sql is not null and name not like 'sqlite_%'",
    )
    .all() as Array<{ type: string; name: string; tbl: string; sql: string }>;
  // The plans' texts: each one's first part in `plans`, the rest in `plan_parts`.
  const planTables = ['plans', 'plan_parts'].map((table) => {
    const select = source.prepare(`select * from ${table}`).raw();
    return { table, columns: select.columns().map((c) => c.name), rows: select.all() as unknown[][] };
  });
  const tables = FACT_TABLES.map((table) => {
    const select = source.prepare(`select * from ${table}`).raw();
    return { table, columns: select.columns().map((c) => c.name), rows: select.all() as unknown[][] };
  }).filter((t) => t.rows.length > 0);
  source.close();

  for (const suffix of ['', '-wal', '-shm']) rmSync(scratch + suffix, { force: true });
  const db = new BetterSqlite3(scratch);
  // A new file's rollback journal, kept: as the store writes the commit of an import alone
  // (store/sqlite.ts, `workerWriter`).
  configureConnection(db, true);
  for (const s of schema.filter((s) => s.type === 'table')) db.exec(s.sql);
  for (const s of schema.filter((s) => s.type === 'index')) db.exec(s.sql);
  const insert = (table: string, columns: string[]) =>
    db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);

  const started = performance.now();
  db.exec('begin immediate');
  for (const { table, columns, rows: all } of planTables) {
    const row = insert(table, columns);
    for (const values of all) row.run(values);
  }
  const plansMs = performance.now() - started;
  let rows = 0;
  for (const { table, columns, rows: all } of tables) {
    const indexes =
      all.length >= BULK_ROWS ? schema.filter((s) => s.type === 'index' && s.tbl === table) : [];
    for (const index of indexes) db.exec(`drop index "${index.name}"`);
    const row = insert(table, columns);
    for (const values of all) row.run(values);
    for (const index of indexes) db.exec(index.sql);
    rows += all.length;
  }
  db.exec('commit');
  const totalMs = performance.now() - started;
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(scratch + suffix, { force: true });
  return { totalMs, plansMs, rows };
}
