import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { OrgStore } from '../../src/store/store.ts';

export interface DialectUnderTest {
  name: string;
  /** Where a new, empty store lives: an SQLite path or a postgres:// URL (for CLI and process tests). */
  newTarget(): Promise<string>;
  /** A new, empty, migrated store. */
  open(): Promise<OrgStore>;
  cleanup(): Promise<void>;
}

/** The server the PostgreSQL tests use; `.ci/run` starts it when it is not running. */
export const PG_ADMIN_URL = process.env.ORGSHIFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function sqlite(): DialectUnderTest {
  const dirs: string[] = [];
  const newTarget = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgshift-store-'));
    dirs.push(dir);
    return join(dir, 'org.db');
  };
  return {
    name: 'sqlite',
    newTarget,
    async open() {
      const store = openSqliteStore(await newTarget());
      await store.migrate();
      return store;
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgres(): DialectUnderTest {
  const databases: string[] = [];
  let counter = 0;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const newTarget = async () => {
    counter += 1;
    const name = `orgshift_test_${process.pid}_${Date.now().toString(36)}_${counter}`;
    await admin((c) => c.query(`create database ${name}`));
    databases.push(name);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    name: 'postgres',
    newTarget,
    async open() {
      const store = openPostgresStore(await newTarget());
      await store.migrate();
      return store;
    },
    async cleanup() {
      const names = databases.splice(0);
      await admin(async (c) => {
        for (const name of names) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/** The engines every store test runs on. No engine is skipped: a missing server fails the suite. */
export function dialects(): DialectUnderTest[] {
  return [sqlite(), postgres()];
}
