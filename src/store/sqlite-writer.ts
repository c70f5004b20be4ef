// The SQLite side of an organization's first commit when it is large (an import): run in a worker
// thread on its own connection to the store's file, so that SQLite inserts and builds indexes while
// the main thread keys the next rows. One transaction; the main thread's connection is idle meanwhile
// (the store's write queue holds the file for the commit). See `OrgStore.commit`.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { FACT_COLUMNS } from './facts.ts';
import type { FactTable, PlanPartsTable, PlansTable } from './schema.ts';
import { configureConnection, factInsertSql } from './sqlite-connection.ts';

/** What the thread is started with. */
export interface WriterData {
  path: string;
  /** The store switched the file to a rollback journal for this commit: the thread keeps it. */
  rollbackJournal: boolean;
  /** One Int32: how many requests the thread has done, readable at once by the thread that sends them. */
  done: SharedArrayBuffer;
}

/** What the main thread asks, in order. */
export type WriterRequest =
  | { type: 'begin'; orgId: number; orgName: string; version: number; next: number }
  | { type: 'table'; table: FactTable; rows: number }
  /** `data`: JSON of rows, each `[fact_key, ...cells]` (cells in `FACT_COLUMNS` order). */
  | { type: 'rows'; table: FactTable; data: string; now: string; orgId: number }
  | { type: 'end-table'; table: FactTable }
  | { type: 'plans'; rows: PlansTable[] }
  /** Parts of plans' texts after the first (`plan-parts.ts`), sent as they are made. */
  | { type: 'plan-parts'; rows: PlanPartsTable[] }
  | { type: 'commit' }
  /** Rolls back what is not committed, closes the connection and ends the thread. */
  | { type: 'close' };

/** What the worker answers: each request done (in order), or the first failure (then it rolls back). */
export type WriterReply =
  | { type: 'done'; request: WriterRequest['type'] }
  | { type: 'failed'; message: string; conflict: boolean };

const port = parentPort;
if (port) {
  const { path, rollbackJournal, done } = workerData as WriterData;
  const doneCount = new Int32Array(done);
  const database = new BetterSqlite3(path);
  configureConnection(database, rollbackJournal);
  let failed = false;
  let dropped: string[] = [];
  const inserts = new Map<FactTable, BetterSqlite3.Statement>();
  const insertFor = (table: FactTable) => {
    let found = inserts.get(table);
    if (!found) {
      found = database.prepare(factInsertSql(table));
      inserts.set(table, found);
    }
    return found;
  };
  const handle = (request: WriterRequest): void => {
    switch (request.type) {
      case 'begin': {
        database.exec('begin immediate');
        const bumped = database
          .prepare('update orgs set version = ? where id = ? and version = ?')
          .run(request.next, request.orgId, request.version);
        if (bumped.changes !== 1) {
          throw Object.assign(
            new Error(`organization "${request.orgName}" changed while the plan was checked; try again`),
            { conflict: true },
          );
        }
        return;
      }
      case 'table': {
        // As the store's `bulkInsert`: a table holding no more rows than are coming is written without
        // its indexes, built once after.
        const held =
          (database.prepare(`select max(rowid) from ${request.table}`).pluck().get() as number | null) ?? 0;
        const indexes = database
          .prepare(
            "select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null",
          )
          .all(request.table) as Array<{ name: string; sql: string }>;
        dropped = [];
        if (held > request.rows) return;
        for (const { name, sql } of indexes) {
          database.exec(`drop index "${name.replaceAll('"', '""')}"`);
          dropped.push(sql);
        }
        return;
      }
      case 'rows': {
        const insert = insertFor(request.table);
        const n = FACT_COLUMNS[request.table].length;
        const values: unknown[] = new Array(n + 4);
        values[n] = request.orgId;
        values[n + 2] = request.now;
        values[n + 3] = null;
        for (const row of JSON.parse(request.data) as unknown[][]) {
          for (let i = 0; i < n; i++) values[i] = row[i + 1];
          values[n + 1] = row[0];
          insert.run(values);
        }
        return;
      }
      case 'end-table':
        for (const sql of dropped) database.exec(sql);
        dropped = [];
        return;
      case 'plans': {
        for (const row of request.rows) {
          const columns = Object.keys(row) as Array<keyof PlansTable>;
          database
            .prepare(
              `insert into plans (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
            )
            .run(columns.map((c) => row[c]));
        }
        return;
      }
      case 'plan-parts': {
        const insert = database.prepare(
          'insert into plan_parts (org_id, plan_id, part, text) values (?, ?, ?, ?)',
        );
        for (const row of request.rows) insert.run(row.org_id, row.plan_id, row.part, row.text);
        return;
      }
      case 'commit':
        database.exec('commit');
        return;
      case 'close':
        return;
    }
  };
  port.on('message', (request: WriterRequest) => {
    if (request.type === 'close') {
      if (database.inTransaction) database.exec('rollback');
      database.close();
      port.close();
      return;
    }
    if (failed) return;
    try {
      handle(request);
      Atomics.add(doneCount, 0, 1);
      port.postMessage({ type: 'done', request: request.type } satisfies WriterReply);
    } catch (error) {
      failed = true;
      if (database.inTransaction) database.exec('rollback');
      const conflict = (error as { conflict?: boolean }).conflict === true;
      port.postMessage({ type: 'failed', message: (error as Error).message, conflict } satisfies WriterReply);
    }
  });
}
