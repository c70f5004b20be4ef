import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { OrgStore } from './store.ts';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

/** Opens a store on a PostgreSQL database given by URL (postgres://USER@HOST:PORT/DB). */
export function openPostgresStore(url: string): OrgStore {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new OrgStore(db, 'postgres');
}
