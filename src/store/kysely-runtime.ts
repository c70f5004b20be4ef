// Kysely's CommonJS build, required rather than imported. Under the TypeScript loader a checkout runs
// with (tsx), every ES module passes through the loader's hooks on another thread, and Kysely's ES
// build is 279 modules: imported, it took 437 ms of every start of `bin/orgshift` and of each of its
// threads; required, 195 ms (2026-12-07). Its types are imported from 'kysely' as usual.
import { createRequire } from 'node:module';

const kysely = createRequire(import.meta.url)('kysely') as typeof import('kysely');

export const { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } = kysely;
