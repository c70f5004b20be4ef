import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';
import { OrgStore } from './store.ts';

/**
 * Opens (creating if needed) an SQLite store. WAL journal with `synchronous = FULL`: a
 * transaction that returned is on disk, even after a power cut, and readers never block the writer.
 */
export function openSqliteStore(path: string): OrgStore {
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return new OrgStore(db, 'sqlite');
}
