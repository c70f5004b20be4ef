import { isPostgresUrl, openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { OrgStore } from './store.ts';

/** A store for `target`: a postgres:// URL, or the path of an SQLite file. */
export function openStore(target: string): OrgStore {
  return isPostgresUrl(target) ? openPostgresStore(target) : openSqliteStore(target);
}
