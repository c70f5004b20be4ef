import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { sql } from './kysely-runtime.ts';

/**
 * Schema migrations, in order. Never edit one that has shipped: add the next. The column
 * types used (text, integer) mean the same on SQLite and PostgreSQL.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('orgs')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('plans')
        .addColumn('org_id', 'integer', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('effective', 'text', (c) => c.notNull())
        .addColumn('announced_by', 'text')
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('plans_pk', ['org_id', 'plan_id'])
        .execute();

      const fact = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('org_id', 'integer', (c) => c.notNull())
          .addColumn('fact_key', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .addColumn('superseded_at', 'text');
      const valid = (name: string) =>
        fact(name)
          .addColumn('valid_from', 'text', (c) => c.notNull())
          .addColumn('valid_to', 'text')
          .addColumn('plan_id', 'text', (c) => c.notNull())
          .addColumn('inferred', 'integer', (c) => c.notNull())
          .addColumn('quote', 'text');

      await fact('units')
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .addColumn('aliases', 'text', (c) => c.notNull())
        .execute();
      await valid('unit_versions')
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .execute();
      await fact('people')
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('aliases', 'text', (c) => c.notNull())
        .addColumn('unnamed', 'integer', (c) => c.notNull())
        .execute();
      await valid('person_versions')
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('level', 'text')
        .addColumn('title', 'text')
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .execute();
      await fact('businesses')
        .addColumn('business_id', 'text', (c) => c.notNull())
        .addColumn('aliases', 'text', (c) => c.notNull())
        .execute();
      await valid('business_versions')
        .addColumn('business_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .execute();
      await valid('posts')
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .addColumn('post', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text')
        .addColumn('concurrent', 'integer', (c) => c.notNull())
        .execute();
      await valid('report_lines')
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('manager_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .execute();
      await fact('lineage_events')
        .addColumn('event_date', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('unit_id', 'text')
        .addColumn('from_ids', 'text', (c) => c.notNull())
        .addColumn('to_ids', 'text', (c) => c.notNull())
        .addColumn('from_names', 'text', (c) => c.notNull())
        .addColumn('to_names', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('inferred', 'integer', (c) => c.notNull())
        .addColumn('quote', 'text')
        .execute();
      for (const table of [
        'units',
        'unit_versions',
        'people',
        'person_versions',
        'businesses',
        'business_versions',
        'posts',
        'report_lines',
        'lineage_events',
      ]) {
        await db.schema
          .createIndex(`${table}_current`)
          .on(table)
          .columns(['org_id', 'superseded_at', 'fact_key'])
          .execute();
      }
    },
  },
  '0002_access': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('grants')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('scope_unit', 'text')
        .addColumn('confidential', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('grants_pk', ['user_id', 'org_id'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_failures_name')
        .on('login_failures')
        .columns(['name', 'at'])
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('org_id', 'integer')
        .addColumn('target', 'text')
        .addColumn('before_state', 'text')
        .addColumn('after_state', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('drafts')
        .addColumn('org_id', 'integer', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('author_id', 'integer', (c) => c.notNull())
        .addColumn('collaborators', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('effective', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('drafts_pk', ['org_id', 'plan_id'])
        .execute();
    },
  },
  '0003_scenarios': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('scenarios')
        .addColumn('org_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('base_plans', 'text', (c) => c.notNull())
        .addColumn('plans', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('scenarios_pk', ['org_id', 'name'])
        .execute();
    },
  },
  '0004_unit_status_and_further_parents': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite adds one at a time.
      await db.schema.alterTable('unit_versions').addColumn('status', 'text').execute();
      await db.schema.alterTable('unit_versions').addColumn('also_under', 'text').execute();
    },
  },
  '0005_replaced_plans': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('plans').addColumn('replaced_at', 'text').execute();
    },
  },
  '0006_records_implied_by_versions': {
    async up(db: Kysely<unknown>): Promise<void> {
      // A record's own row is no longer stored when it says nothing its versions do not (facts.ts,
      // `impliedByVersions`): such rows stored before are superseded now, so that what is stored is
      // what the facts would be written as today (a commit compares the two). Read as of any time,
      // the organization is the same: the record is made from its versions where its row is gone.
      const now = new Date().toISOString();
      for (const [table, versions, id, more] of [
        ['units', 'unit_versions', 'unit_id', ''],
        ['people', 'person_versions', 'person_id', ' AND unnamed = 0'],
        ['businesses', 'business_versions', 'business_id', ''],
      ] as const) {
        await sql`UPDATE ${sql.table(table)} SET superseded_at = ${now}
          WHERE superseded_at IS NULL AND aliases = '[]'${sql.raw(more)}
          AND (org_id, ${sql.ref(id)}) IN
            (SELECT org_id, ${sql.ref(id)} FROM ${sql.table(versions)} WHERE superseded_at IS NULL)`.execute(
          db,
        );
      }
    },
  },
  '0007_plan_parts': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('plan_parts')
        .addColumn('org_id', 'integer', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('part', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('plan_parts_pk', ['org_id', 'plan_id', 'part'])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export const MIGRATIONS = Object.keys(migrations);
