import { existsSync, realpathSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { OrgshiftError } from '../core/errors.ts';
import { FACT_COLUMNS } from './facts.ts';
import { Kysely, SqliteDialect } from './kysely-runtime.ts';
import type { Database } from './schema.ts';
import { configureConnection, factInsertSql } from './sqlite-connection.ts';
import type { WriterData, WriterReply, WriterRequest } from './sqlite-writer.ts';
import {
  type DialectCapabilities,
  type FirstCommitWriter,
  isBusy,
  OrgStore,
  type ScanRows,
} from './store.ts';

/** One queue of write transactions per database file in this process. */
const writeQueues = new Map<string, Promise<unknown>>();

function queueFor(path: string) {
  return <T>(work: () => Promise<T>): Promise<T> => {
    let key = path;
    try {
      key = realpathSync(path);
    } catch {
      // A database that does not exist yet is keyed by the path given.
    }
    const previous = writeQueues.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    writeQueues.set(key, settled);
    return result;
  };
}

function checkBackupFile(file: string): void {
  if (!existsSync(file)) throw new OrgshiftError('invalid_input', `cannot restore ${file}: no such file`);
  let source: BetterSqlite3.Database | undefined;
  try {
    source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const integrity = source.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`integrity_check says ${String(integrity)}`);
    const tables = source
      .prepare("select name from sqlite_master where type = 'table' and name in ('orgs', 'plans')")
      .all();
    if (tables.length !== 2) throw new Error('it is not an Orgshift store');
  } catch (error) {
    throw new OrgshiftError('invalid_input', `cannot restore ${file}: ${(error as Error).message}`);
  } finally {
    source?.close();
  }
}

/**
 * Sets the file's journal mode if no other connection has the file open (leaving WAL needs the only
 * one), without waiting; whether it is now `mode`.
 */
function trySetJournal(database: BetterSqlite3.Database, mode: 'delete' | 'wal'): boolean {
  const wait = database.pragma('busy_timeout', { simple: true }) as number;
  database.pragma('busy_timeout = 0');
  try {
    return database.pragma(`journal_mode = ${mode}`, { simple: true }) === mode;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  } finally {
    database.pragma(`busy_timeout = ${wait}`);
  }
}

/**
 * A writer thread on the store's file (`sqlite-writer.ts`), its requests answered in order. `alone`
 * (nothing else in this process reads the store meanwhile) and no other connection open: the commit
 * goes through a rollback journal, WAL again after. Pages new to the file are then written once, where
 * the WAL writes every page twice (to the log, then to the file at the checkpoint): an import into a
 * new store took 39 → 33 s at 1M rows. Meanwhile another process opening the file waits (the busy
 * timeout, 5 s) and may be refused; with WAL it would read the state before the import.
 */
function workerWriter(path: string, database: BetterSqlite3.Database, alone: boolean): FirstCommitWriter {
  const rollbackJournal = alone && trySetJournal(database, 'delete');
  const done = new SharedArrayBuffer(4);
  const doneCount = new Int32Array(done);
  const workerData: WriterData = { path, rollbackJournal, done };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./sqlite-writer-entry.mjs', import.meta.url), { workerData });
  } catch (error) {
    if (rollbackJournal) trySetJournal(database, 'wal');
    throw error;
  }
  let sent = 0;
  let answered = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  worker.on('message', (reply: WriterReply) => {
    if (reply.type === 'done') answered += 1;
    else fail(reply.conflict ? new OrgshiftError('conflict', reply.message) : new Error(reply.message));
    wake?.();
  });
  worker.on('error', fail);
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', () => {
      fail(new Error('the writer thread ended'));
      resolve();
    }),
  );
  return {
    send(request: WriterRequest) {
      if (failure) throw failure;
      worker.postMessage(request);
      sent += 1;
    },
    behind() {
      return sent - Atomics.load(doneCount, 0);
    },
    async settle(pending: number) {
      while (!failure && sent - answered > pending) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      if (failure && sent - answered > pending) throw failure;
    },
    async close() {
      worker.postMessage({ type: 'close' });
      await exited;
      // Another process that opened the file meanwhile keeps it (the next connection sets WAL).
      if (rollbackJournal) trySetJournal(database, 'wal');
    },
  };
}

/** Statements prepared once per connection. */
function statementsOf(database: BetterSqlite3.Database): (sql: string) => BetterSqlite3.Statement {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let found = statements.get(sql);
    if (!found) {
      found = database.prepare(sql);
      statements.set(sql, found);
    }
    return found;
  };
}

function rowScanner(statement: (sql: string) => BetterSqlite3.Statement): ScanRows {
  return (table, columns, orgId, knownAt) => {
    // Through the index the rows come in key order, each a jump to another page of the table: when
    // they are a good part of the table (a store holding one large organization), reading the whole
    // table in order is several times faster.
    const whole = statement(`select count(*) from ${table}`).pluck().get() as number;
    const current = statement(`select count(*) from ${table} where org_id = ? and superseded_at is null`)
      .pluck()
      .get(orgId) as number;
    const how = current * 8 >= whole ? 'not indexed' : '';
    const when =
      knownAt === undefined
        ? 'superseded_at is null'
        : 'recorded_at <= @knownAt and (superseded_at is null or superseded_at > @knownAt)';
    const scan = statement(
      `select ${columns.join(', ')} from ${table} ${how} where org_id = @orgId and ${when}`,
    ).raw(true);
    return scan.iterate(knownAt === undefined ? { orgId } : { orgId, knownAt }) as Iterable<unknown[]>;
  };
}

/**
 * `readApart` for a store file: a read-only connection per read, one read at a time (WAL: it reads one
 * committed state while the store's connection writes). Closed after each read (opening one takes
 * under half a millisecond): a connection kept open would stop an import run alone from leaving WAL for
 * its one large commit (`workerWriter`).
 */
function apartReader(path: string): Pick<DialectCapabilities, 'readApart' | 'release'> {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    readApart(read) {
      const result = queue.then(async () => {
        const database = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
        database.pragma('busy_timeout = 5000');
        const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
        try {
          return await read(db, rowScanner(statementsOf(database)));
        } finally {
          await db.destroy();
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async release() {
      await queue;
    },
  };
}

/**
 * Opens (creating if needed) an SQLite store. WAL journal with `synchronous = FULL`: a
 * transaction that returned is on disk, even after a power cut, and readers never block the writer.
 */
export function openSqliteStore(path: string): OrgStore {
  return sqliteStore(new BetterSqlite3(path), path);
}

/** The store on a connection already open to the file at `path` (tests look at the connection itself). */
export function sqliteStore(database: BetterSqlite3.Database, path: string): OrgStore {
  configureConnection(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const statement = statementsOf(database);
  const apart = database.memory ? {} : apartReader(path);
  return new OrgStore(db, 'sqlite', {
    exclusive: queueFor(path),
    // Kysely's transaction holds this same connection: a prepared statement per row runs inside it.
    insertRows(table, orgId, now, keyed) {
      const insert = statement(factInsertSql(table));
      const n = FACT_COLUMNS[table].length;
      const values: unknown[] = new Array(n + 4);
      values[n] = orgId;
      values[n + 2] = now;
      values[n + 3] = null;
      for (const [factKey, cells] of keyed) {
        for (let i = 0; i < n; i++) values[i] = cells[i];
        values[n + 1] = factKey;
        insert.run(values);
      }
    },
    async bulkInsert(table, rows, work) {
      // Inserting a row keeps the index on its (random) key up to date, a jump to another page each
      // time; sorting every row once is cheaper when the table holds no more rows than are coming.
      const held = (statement(`select max(rowid) from ${table}`).pluck().get() as number | null) ?? 0;
      const index = statement(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = ?",
      ).all(table) as Array<{ name: string; sql: string | null }>;
      const rebuilt = index.filter((i) => i.sql !== null);
      if (held > rows || rebuilt.length === 0) return work();
      for (const { name } of rebuilt) database.exec(`drop index "${name.replaceAll('"', '""')}"`);
      const result = await work();
      for (const { sql } of rebuilt) database.exec(sql!);
      return result;
    },
    scanRows: rowScanner(statement),
    writeIfFree(sql, params) {
      const waits = database.pragma('busy_timeout', { simple: true }) as number;
      database.pragma('busy_timeout = 0');
      try {
        statement(sql).run(...params);
        return true;
      } catch (error) {
        if (isBusy(error)) return false;
        throw error;
      } finally {
        database.pragma(`busy_timeout = ${waits}`);
      }
    },
    // Another connection sees the same database only in a file (an in-memory one is its own).
    ...(database.memory ? {} : { firstCommitWriter: (alone) => workerWriter(path, database, alone) }),
    ...apart,
    async backup(file) {
      await database.backup(file);
    },
    async restore(file) {
      checkBackupFile(file);
      await apart.release?.();
      await db.destroy();
      const source = new BetterSqlite3(file, { readonly: true });
      try {
        await source.backup(path);
      } finally {
        source.close();
      }
    },
    async integrityCheck() {
      return String(database.pragma('integrity_check', { simple: true }));
    },
  });
}
