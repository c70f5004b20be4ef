import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { sqliteStore } from '../../src/store/sqlite.ts';
import type { OrgStore } from '../../src/store/store.ts';
import { examplePlans } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function store(): Promise<{ store: OrgStore; path: string; indexed: (table: string) => boolean }> {
  const path = join(dir, `org-${++files}.db`);
  const connection = new BetterSqlite3(path);
  const opened = sqliteStore(connection, path);
  await opened.migrate();
  // On the store's own connection: inside its write transaction it sees what the transaction did.
  const indexed = (table: string) =>
    connection.prepare('select 1 from sqlite_master where name = ?').get(`${table}_current`) !== undefined;
  return { store: opened, path, indexed };
}

/** Every index of the committed file, seen from another connection. */
function indexes(path: string): Array<{ name: string; sql: string | null }> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db
      .prepare("select name, sql from sqlite_master where type = 'index' order by name")
      .all() as Array<{
      name: string;
      sql: string | null;
    }>;
  } finally {
    db.close();
  }
}

/** Whether the people table is indexed as each bulk write into it runs, in order. */
function whetherPeopleIndexed(s: OrgStore, indexed: (table: string) => boolean): boolean[] {
  const seen: boolean[] = [];
  const bulkInsert = s.capabilities.bulkInsert!.bind(s.capabilities);
  s.capabilities.bulkInsert = (table, rows, work) =>
    bulkInsert(table, rows, async () => {
      if (table === 'people') seen.push(indexed(table));
      return work();
    });
  return seen;
}

describe('SQLite: first facts written in bulk', () => {
  it('drops the table index while many rows come into a table that holds fewer, and builds it again', async () => {
    const { store: s, path, indexed } = await store();
    const before = indexes(path);
    const e = new OrgEngine(s);
    s.bulkRows = 1;
    const seen = whetherPeopleIndexed(s, indexed);
    for (const p of examplePlans()) await e.apply('default', { plan: p.plan, source: p.source });
    // The first plan brings people into an empty table: no index while they are written.
    expect(seen[0]).toBe(false);
    expect(indexes(path)).toEqual(before);
    expect(before.some((i) => i.name === 'people_current')).toBe(true);
    await e.close();
  });

  it('keeps the index up to date when the table already holds more rows than are coming', async () => {
    const { store: s, indexed } = await store();
    const e = new OrgEngine(s);
    for (const p of examplePlans()) await e.apply('large', { plan: p.plan, source: p.source });
    s.bulkRows = 1;
    const seen = whetherPeopleIndexed(s, indexed);
    const [first] = examplePlans();
    await e.apply('small', { plan: first!.plan, source: first!.source });
    expect(seen).toEqual([true]);
    await e.close();
  });

  it('leaves the index in place and nothing written when a bulk write fails', async () => {
    const { store: s, path } = await store();
    const before = indexes(path);
    await expect(
      s.db.transaction().execute(async (trx) => {
        await s.capabilities.bulkInsert!('people', 10, async () => {
          await trx
            .insertInto('people')
            .values({
              org_id: 1,
              fact_key: 'k',
              recorded_at: 'now',
              superseded_at: null,
              person_id: 'p',
              aliases: '[]',
              unnamed: 0,
            })
            .execute();
          throw new Error('the write failed');
        });
      }),
    ).rejects.toThrow('the write failed');
    expect(indexes(path)).toEqual(before);
    const count = await s.db
      .selectFrom('people')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(0);
    await s.close();
  });
});
