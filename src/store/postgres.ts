import { createRequire } from 'node:module';
import { Kysely, PostgresDialect, sql } from './kysely-runtime.ts';
import type { Database } from './schema.ts';
import { OrgStore } from './store.ts';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

const CHANNEL = 'orgshift_changes';

/** Opens a store on a PostgreSQL database given by URL (postgres://USER@HOST:PORT/DB). */
export function openPostgresStore(url: string): OrgStore {
  // The client is required here, not imported: a CLI on an SQLite file does not load it (87 ms of a
  // start under tsx, 2026-12-07). Required once, it is cached as every module is.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new OrgStore(db, 'postgres', {
    snapshotIsolation: 'repeatable read',
    async notifyChange(trx, orgId, version) {
      // Delivered when the transaction commits, and only then.
      await sql`select pg_notify(${CHANNEL}, ${`${orgId}:${version}`})`.execute(trx);
    },
    async listen(onChange) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', (message) => {
        const [org, version] = (message.payload ?? '').split(':').map(Number);
        if (Number.isInteger(org) && Number.isInteger(version)) onChange(org!, version!);
      });
      client.on('error', () => {});
      await client.query(`listen ${CHANNEL}`);
      return async () => {
        await client.end();
      };
    },
  });
}
