// What every SQLite connection to a store shares: the store's own and its writer thread's
// (`sqlite-writer.ts`), which must write the file the same way.
import type BetterSqlite3 from 'better-sqlite3';
import { FACT_COLUMNS } from './facts.ts';
import type { FactTable } from './schema.ts';

/**
 * WAL journal with `synchronous = FULL`: a transaction that returned is on disk, even after a power
 * cut, and readers never block the writer. `keepJournal`: the file's journal mode is left as it is (a
 * writer thread on a file its store switched to a rollback journal: see `sqlite.ts`).
 */
export function configureConnection(database: BetterSqlite3.Database, keepJournal = false): void {
  if (!keepJournal) database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  // 64 MB of page cache (the default is 2 MB): large imports insert into indexes keyed by hashes,
  // whose pages a small cache keeps evicting.
  database.pragma('cache_size = -65536');
  database.pragma('foreign_keys = ON');
}

/** The INSERT of one fact row: its cells in `FACT_COLUMNS` order, then org_id, fact_key, recorded_at, superseded_at. */
export function factInsertSql(table: FactTable): string {
  const all = [...FACT_COLUMNS[table], 'org_id', 'fact_key', 'recorded_at', 'superseded_at'];
  return `insert into ${table} (${all.join(', ')}) values (${all.map(() => '?').join(', ')})`;
}
