import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/core/model.ts';
import { checkPlans, summarize } from '../../src/core/replay.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { PLAN_PART_CHARS } from '../../src/store/plan-parts.ts';
import { sqliteStore } from '../../src/store/sqlite.ts';
import type { WriterRequest } from '../../src/store/sqlite-writer.ts';
import type { OrgRef, OrgStore, PlanTextPiece } from '../../src/store/store.ts';
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

/** The example organization, replayed: its history and its plans as a commit takes them. */
function exampleCommit() {
  const examples = examplePlans();
  const result = checkPlans(
    [],
    examples.map((e) => e.plan),
  );
  if (!result.ok) throw new Error('the examples do not replay');
  const plans = examples.map((e, i) => ({ summary: summarize(e.plan, i + 1), source: e.source }));
  return { history: result.history, plans };
}

const NOW = '2026-01-01T00:00:00.000Z';

/** The example's first commit as an import makes it (`FirstCommit`); `alone` as `bin/orgshift import`. */
const madeOf = (plans: ReturnType<typeof exampleCommit>['plans'], history: History, alone: boolean) => ({
  expectedRows: 1,
  plans: () => plans.map((p) => p.summary),
  text: (i: number) => plans[i]!.source,
  facts: () => history,
  alone,
});

describe("SQLite: an organization's first commit written on another thread", () => {
  it('stores what the commit on this thread stores, row for row', async () => {
    const { history, plans } = exampleCommit();
    const { store: threaded } = await store();
    const { store: here } = await store();
    threaded.bulkRows = 1;
    const writers = { made: 0 };
    const make = threaded.capabilities.firstCommitWriter!.bind(threaded.capabilities);
    threaded.capabilities.firstCommitWriter = (alone) => {
      writers.made += 1;
      return make(alone);
    };
    here.capabilities.firstCommitWriter = undefined;
    for (const s of [threaded, here]) {
      const org = await s.ensureOrg('default', NOW);
      expect(await s.commit(org, plans, history, NOW)).toBe(1);
    }
    expect(writers.made).toBe(1);
    expect(await threaded.dump()).toBe(await here.dump());
    // The same store goes on as usual: its next commit is written on this thread.
    const org = (await threaded.findOrg('default'))!;
    expect(await threaded.commit(org, [], history, NOW)).toBe(2);
    expect(writers.made).toBe(1);
    await threaded.close();
    await here.close();
  });

  it('stores nothing when another writer committed first, and the store stays writable', async () => {
    const { history, plans } = exampleCommit();
    const { store: s } = await store();
    s.bulkRows = 1;
    const org = await s.ensureOrg('default', NOW);
    const before = await s.dump();
    // Another writer bumped the version since `org` was read.
    await s.db.updateTable('orgs').set({ version: 1 }).where('id', '=', org.id).execute();
    const bumped = await s.dump();
    expect(bumped).not.toBe(before);
    await expect(s.commit(org, plans, history, NOW)).rejects.toMatchObject({ id: 'conflict' });
    expect(await s.dump()).toBe(bumped);
    expect(await s.commit((await s.findOrg('default'))!, plans, history, NOW)).toBe(2);
    await s.close();
  });

  const ways: Array<
    [string, (s: OrgStore, org: OrgRef, failing?: (stage: string) => void) => Promise<unknown>]
  > = [
    [
      'a commit (WAL)',
      (s, org, failing) => s.commit(org, exampleCommit().plans, exampleCommit().history, NOW, failing),
    ],
    [
      'an import alone (a rollback journal)',
      (s, org, failing) =>
        s.commitMade(org, madeOf(exampleCommit().plans, exampleCommit().history, true), NOW, failing),
    ],
  ];
  for (const [way, write] of ways) {
    it(`rolls back what ${way} wrote when this thread fails half way: the file as it was, WAL, writable`, async () => {
      const { store: s, path } = await store();
      s.bulkRows = 1;
      const org = await s.ensureOrg('default', NOW);
      const before = await s.dump();
      const indexesBefore = indexes(path);
      let told = 0;
      const failing = (stage: string) => {
        if (stage === 'writing facts' && ++told === 3) throw new Error('stopped half way');
      };
      await expect(write(s, org, failing)).rejects.toThrow('stopped half way');
      expect(told).toBe(3);
      expect(await s.dump()).toBe(before);
      expect(indexes(path)).toEqual(indexesBefore);
      expect(existsSync(`${path}-journal`)).toBe(false);
      expect(journalMode(path)).toBe('wal');
      expect(await write(s, org)).toBe(1);
      await s.close();
    });
  }

  it('stores the plans while the facts are made, then their rows: what a commit of both stores', async () => {
    const { history, plans } = exampleCommit();
    const { store: made } = await store();
    const { store: given } = await store();
    for (const s of [made, given]) s.bulkRows = 1;
    const asked: string[] = [];
    const org = await made.ensureOrg('default', NOW);
    const version = await made.commitMade(
      org,
      {
        expectedRows: 1,
        plans: () => {
          asked.push('plans');
          return plans.map((p) => p.summary);
        },
        text: (i: number) => plans[i]!.source,
        facts: () => {
          asked.push('facts');
          return history;
        },
        made: () => asked.push('made'),
      },
      NOW,
    );
    expect(version).toBe(1);
    expect(asked).toEqual(['plans', 'facts', 'made']);
    expect(await given.commit(await given.ensureOrg('default', NOW), plans, history, NOW)).toBe(1);
    expect(await made.dump()).toBe(await given.dump());
    await made.close();
    await given.close();
  });

  it('stores texts made in pieces meanwhile as a commit of the whole texts stores them, in parts', async () => {
    const { history, plans: small } = exampleCommit();
    // A text of megabytes, as an import's first plan is.
    const padding = Array.from({ length: 150_000 }, (_, i) => `# line ${i} 🏢\n`).join('');
    const plans = small.map((p, i) => (i === 1 ? { ...p, source: `${p.source}${padding}` } : p));
    expect(plans[1]!.source.length).toBeGreaterThan(2 * PLAN_PART_CHARS);
    const { store: made } = await store();
    const { store: here } = await store();
    made.bulkRows = 1;
    here.capabilities.firstCommitWriter = undefined;
    const sizes = [1, 7, 50_000, 333_333, 2];
    const meanwhile = (function* (): Generator<PlanTextPiece> {
      let n = 0;
      for (const { summary, source } of plans) {
        for (let at = 0; at < source.length; ) {
          const size = sizes[n++ % sizes.length]!;
          yield { plan: summary.id, text: source.slice(at, at + size) };
          at += size;
        }
      }
    })();
    const org = await made.ensureOrg('default', NOW);
    const first = {
      ...madeOf(plans, history, true),
      text: () => {
        throw new Error('the texts are given meanwhile');
      },
      meanwhile,
    };
    expect(await made.commitMade(org, first, NOW)).toBe(1);
    expect(await here.commit(await here.ensureOrg('default', NOW), plans, history, NOW)).toBe(1);
    expect(await made.dump()).toBe(await here.dump());
    const parts = await made.db.selectFrom('plan_parts').select(['plan_id', 'part']).execute();
    expect(parts.map((p) => [p.plan_id, Number(p.part)])).toEqual([
      [plans[1]!.summary.id, 1],
      [plans[1]!.summary.id, 2],
    ]);
    expect((await made.plans(org.id)).map((p) => p.source)).toEqual(plans.map((p) => p.source));
    await made.close();
    await here.close();
  });

  it('rolls the plans back and stores nothing when the facts cannot be made that way', async () => {
    const { history, plans } = exampleCommit();
    const { store: s } = await store();
    s.bulkRows = 1;
    const org = await s.ensureOrg('default', NOW);
    const before = await s.dump();
    const asked: string[] = [];
    const first = {
      expectedRows: 1,
      plans: () => {
        asked.push('plans');
        return plans.map((p) => p.summary);
      },
      text: (i: number) => plans[i]!.source,
      facts: () => null,
      made: () => asked.push('made'),
    };
    expect(await s.commitMade(org, first, NOW)).toBeNull();
    expect(asked).toEqual(['plans']);
    expect(await s.dump()).toBe(before);
    const failing = {
      ...first,
      facts: () => {
        throw new Error('the facts failed');
      },
    };
    await expect(s.commitMade(org, failing, NOW)).rejects.toThrow('the facts failed');
    expect(await s.dump()).toBe(before);
    // The store stays writable: the writer's transaction was rolled back and its thread ended.
    expect(await s.commit(org, plans, history, NOW)).toBe(1);
    await s.close();
  });

  it('makes the facts first where it writes on this thread: no texts made for facts that cannot be', async () => {
    const { history, plans } = exampleCommit();
    const { store: s } = await store();
    const asked: string[] = [];
    const first = {
      plans: () => {
        asked.push('plans');
        return plans.map((p) => p.summary);
      },
      text: (i: number) => plans[i]!.source,
      made: () => asked.push('made'),
    };
    const org = await s.ensureOrg('default', NOW);
    // Fewer rows expected than bulkRows: no writer thread.
    expect(await s.commitMade(org, { ...first, expectedRows: 10, facts: () => null }, NOW)).toBeNull();
    expect(asked).toEqual([]);
    const version = await s.commitMade(org, { ...first, expectedRows: 10, facts: () => history }, NOW);
    expect(version).toBe(1);
    expect(asked).toEqual(['plans', 'made']);
    expect((await s.plans(org.id)).length).toBe(plans.length);
    await s.close();
  });

  it('is not used for an in-memory database, which another connection would not see', async () => {
    const { history, plans } = exampleCommit();
    const s = sqliteStore(new BetterSqlite3(':memory:'), ':memory:');
    await s.migrate();
    s.bulkRows = 1;
    expect(s.capabilities.firstCommitWriter).toBeUndefined();
    const org = await s.ensureOrg('default', NOW);
    expect(await s.commit(org, plans, history, NOW)).toBe(1);
    expect((await s.plans(org.id)).length).toBe(plans.length);
    await s.close();
  });
});

/** What the file looks like just before the writer commits: its journal files, seen from outside. */
interface BeforeCommit {
  rollbackJournal: boolean;
  walBytes: number;
}

/** Wraps the store's writer so that `seen` gets the files' state once every request but the commit is done. */
function watchCommit(s: OrgStore, path: string, seen: BeforeCommit[]): void {
  const make = s.capabilities.firstCommitWriter!.bind(s.capabilities);
  s.capabilities.firstCommitWriter = (alone) => {
    const inner = make(alone);
    let commit: WriterRequest | null = null;
    return {
      send(request) {
        if (request.type === 'commit') commit = request;
        else inner.send(request);
      },
      behind: () => inner.behind(),
      async settle(pending) {
        if (commit) {
          await inner.settle(0);
          seen.push({
            rollbackJournal: existsSync(`${path}-journal`),
            walBytes: existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0,
          });
          inner.send(commit);
          commit = null;
        }
        return inner.settle(pending);
      },
      close: () => inner.close(),
    };
  };
}

function journalMode(path: string): string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma('journal_mode', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('SQLite: a first commit with no other reader in the process (alone: bin/orgshift import)', () => {
  it('writes through a rollback journal when no other connection is open, then the file is WAL again', async () => {
    const { history, plans } = exampleCommit();
    const { store: alone, path } = await store();
    const { store: shared, path: sharedPath } = await store();
    const { store: here } = await store();
    for (const s of [alone, shared]) s.bulkRows = 1;
    here.capabilities.firstCommitWriter = undefined;
    const seen: BeforeCommit[] = [];
    watchCommit(alone, path, seen);
    watchCommit(shared, sharedPath, seen);
    expect(
      await alone.commitMade(await alone.ensureOrg('default', NOW), madeOf(plans, history, true), NOW),
    ).toBe(1);
    expect(
      await shared.commitMade(await shared.ensureOrg('default', NOW), madeOf(plans, history, false), NOW),
    ).toBe(1);
    expect(await here.commit(await here.ensureOrg('default', NOW), plans, history, NOW)).toBe(1);
    // Alone: the pages went to the file, the old ones to a rollback journal; not alone: to the WAL.
    expect(seen[0]).toEqual({ rollbackJournal: true, walBytes: 0 });
    expect(seen[1]!.rollbackJournal).toBe(false);
    expect(seen[1]!.walBytes).toBeGreaterThan(0);
    expect(existsSync(`${path}-journal`)).toBe(false);
    expect(journalMode(path)).toBe('wal');
    expect(await alone.dump()).toBe(await here.dump());
    expect(await shared.dump()).toBe(await here.dump());
    // The store goes on as usual on its own connection.
    const org = (await alone.findOrg('default'))!;
    expect(await alone.commit(org, [], history, NOW)).toBe(2);
    for (const s of [alone, shared, here]) await s.close();
  });

  it('stays on the WAL when another connection has the file open, and that connection reads throughout', async () => {
    const { history, plans } = exampleCommit();
    const { store: s, path } = await store();
    s.bulkRows = 1;
    const seen: BeforeCommit[] = [];
    watchCommit(s, path, seen);
    const other = new BetterSqlite3(path, { readonly: true });
    const count = () => other.prepare('select count(*) as n from people').get() as { n: number };
    expect(count().n).toBe(0);
    expect(await s.commitMade(await s.ensureOrg('default', NOW), madeOf(plans, history, true), NOW)).toBe(1);
    expect(seen[0]!.rollbackJournal).toBe(false);
    expect(count().n).toBeGreaterThan(0);
    other.close();
    expect(journalMode(path)).toBe('wal');
    await s.close();
  });
});
