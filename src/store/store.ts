import type { Kysely, Transaction } from 'kysely';
import { OrgshiftError } from '../core/errors.ts';
import { type Facts, type History, isFactStream, type PlanSummary, type Progress } from '../core/model.ts';
import {
  FACT_COLUMNS,
  HistoryReader,
  keyCells,
  keyerOf,
  type RawRow,
  rowOf,
  rowText,
  tableCells,
  tableRowCount,
} from './facts.ts';
import { Migrator } from './kysely-runtime.ts';
import { migrationProvider } from './migrations.ts';
import { PlanTextParts, planTextParts } from './plan-parts.ts';
import {
  type Database,
  FACT_TABLES,
  type FactTable,
  type PlanPartsTable,
  type PlansTable,
} from './schema.ts';
import type { WriterRequest } from './sqlite-writer.ts';

export interface StoredPlan {
  summary: PlanSummary;
  source: string;
  recordedAt: string;
}

export interface OrgRef {
  id: number;
  name: string;
  version: number;
}

/** How many rows go into one INSERT: well under every engine's limit on bound parameters. */
const CHUNK = 200;

/**
 * What one engine can do that another cannot. Shared code asks for a capability and never
 * for an engine's name.
 */
export interface DialectCapabilities {
  /** Copies the live database to a file, consistently, while it is in use. */
  backup?(file: string): Promise<void>;
  /** Replaces the database with a backup made by `backup`; the store is closed afterwards. */
  restore?(file: string): Promise<void>;
  /** Tells other processes that an organization changed; runs inside the committing transaction. */
  notifyChange?(trx: Transaction<Database>, orgId: number, version: number): Promise<void>;
  /** Calls `onChange` whenever another process commits a change; returns a function that stops listening. */
  listen?(onChange: (orgId: number, version: number) => void): Promise<() => Promise<void>>;
  /**
   * The isolation level at which a transaction's reads all see one state of the database; none when
   * every transaction already does (SQLite in WAL mode).
   */
  snapshotIsolation?: 'repeatable read';
  /** Operational checks on the database file (SQLite's integrity_check). */
  integrityCheck?(): Promise<string>;
  /**
   * Runs a write transaction alone among this process's connections to the same database.
   * An embedded engine whose driver waits for locks synchronously needs it: two connections
   * in one thread would otherwise wait on each other.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Inserts fact rows (key and columns) of one organization, recorded at `now`, inside the write
   * transaction that is running, faster than generic multi-row INSERTs (an embedded engine runs one
   * prepared statement per row).
   */
  insertRows?(table: FactTable, orgId: number, now: string, keyed: Array<[string, readonly unknown[]]>): void;
  /**
   * Runs `work`, which inserts `rows` rows into `table` inside the running write transaction, with the
   * table's indexes dropped while it runs and built once after, when that is faster than keeping them
   * up to date a row at a time (the table holds fewer rows than are coming: an import into a new
   * store). Called only for an organization's first rows in a table, at least `OrgStore.bulkRows` of them.
   */
  bulkInsert?<T>(table: FactTable, rows: number, work: () => Promise<T>): Promise<T>;
  /**
   * A writer on another thread with its own connection, for an organization's first commit when it is
   * large (an import): it inserts rows and builds indexes while this thread keys the next rows. Its
   * requests run in order in one transaction; the first failure rolls it back. `alone`: nothing else in
   * this process reads the store until the commit returns (`FirstCommit.alone`).
   */
  firstCommitWriter?(alone: boolean): FirstCommitWriter;
  /**
   * The content columns of one organization's rows in `table` — current ones, or those known at
   * `knownAt` — a row at a time, each as an array in `columns` order, inside the read transaction that is
   * running (an embedded engine steps a statement: millions of rows are never held at once).
   */
  scanRows?: ScanRows;
  /**
   * Runs `read` on a read-only connection of the store's own, one at a time, apart from the connection
   * the store writes and answers other queries on: an embedded engine steps its rows synchronously, and
   * an organization of millions of rows takes seconds to read, which `readHistory` then spreads over
   * many turns of the event loop (other requests are answered between its rows) only because nothing
   * else uses the connection its statement is open on. `scanRows` steps that connection's rows.
   */
  readApart?<T>(read: (db: Kysely<Database>, scanRows: ScanRows) => Promise<T>): Promise<T>;
  /** Waits for the reads apart under way to end (each closes its connection); the store is closing. */
  release?(): Promise<void>;
  /**
   * Runs one write statement only if it can have the database's write lock at once; false when another
   * connection holds it. An embedded engine waits for the lock synchronously, the whole process with it:
   * a write that may be skipped (a session's last use) must not wait while another process imports.
   */
  writeIfFree?(sql: string, params: readonly unknown[]): boolean;
}

export type ScanRows = (
  table: FactTable,
  columns: readonly string[],
  orgId: number,
  knownAt?: string,
) => Iterable<RawRow>;

/** Rows `readHistory` reads apart (`readApart`) between two turns of the event loop. */
const ROWS_PER_TURN = 8192;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** SQLite's error for a lock another connection holds (`SQLITE_BUSY` and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * The store's refusal when another connection held the write lock for longer than this one waits (an
 * SQLite file another process is importing into): a conflict to try again, not an internal error.
 */
export function busyRefusal(error: unknown): OrgshiftError | undefined {
  if (!isBusy(error)) return undefined;
  return new OrgshiftError(
    'conflict',
    'the store is busy: another process is writing to it (an import, perhaps); try again when it is done',
    [],
    { cause: error },
  );
}

const together = <T>(work: () => Promise<T>): Promise<T> => work();

/**
 * The durable store: one Kysely schema and one set of queries for every SQL engine. A
 * dialect module (`sqlite.ts`, `postgres.ts`) supplies the Kysely instance and its capabilities.
 */
export class OrgStore {
  constructor(
    readonly db: Kysely<Database>,
    readonly engine: string,
    readonly capabilities: DialectCapabilities = {},
  ) {}

  /** Rows read at a time where the engine cannot step through a table's rows one by one (PostgreSQL). */
  readPage = 20_000;

  /** Rows below which a first write keeps the table's index up to date row by row (see `bulkInsert`). */
  bulkRows = 50_000;

  private writer(history: Facts, progress: Progress | undefined): FactWriter {
    const { insertRows, bulkInsert } = this.capabilities;
    return {
      insertRows: insertRows?.bind(this.capabilities),
      bulkInsert: bulkInsert?.bind(this.capabilities),
      bulkRows: this.bulkRows,
      told: rowsTold(history, progress),
    };
  }

  /** Brings the schema to `target` (a migration name; default: the latest). Returns the migrations applied. */
  async migrate(target?: string): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const attempt = () =>
      this.exclusive(() => (target === undefined ? migrator.migrateToLatest() : migrator.migrateTo(target)));
    let { error, results } = await attempt();
    if (error) {
      // Another process may have been migrating the same database at the same moment; the
      // failed migration rolled back, so a second look finds the schema up to date or migrates it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      ({ error, results } = await attempt());
    }
    if (error)
      throw new Error(`migration failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  async close(): Promise<void> {
    await this.capabilities.release?.();
    await this.db.destroy();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return (this.capabilities.exclusive ?? together)(work);
  }

  /**
   * Holds this process's write queue while `work` has another connection write (an import on a thread
   * of its own): this process's writes wait for it here, not on the database's lock.
   */
  whileAnotherWrites<T>(work: () => Promise<T>): Promise<T> {
    return this.exclusive(work);
  }

  /** Runs `work` in a write transaction, alone among this process's writers where the engine needs it. */
  inWriteTransaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.exclusive(() => this.db.transaction().execute(work));
  }

  async findOrg(name: string): Promise<OrgRef | undefined> {
    return this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'version'])
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async ensureOrg(name: string, now: string, attempts = 3): Promise<OrgRef> {
    const found = await this.findOrg(name);
    if (found) return found;
    try {
      await this.exclusive(() => this.createOrg(name, now));
    } catch (error) {
      // Another writer created an organization at the same moment (same name or same id).
      if (attempts <= 1) throw error;
      return this.ensureOrg(name, now, attempts - 1);
    }
    return (await this.findOrg(name))!;
  }

  private async createOrg(name: string, now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const max = await trx
        .selectFrom('orgs')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      const id = Number(max?.id ?? 0) + 1;
      await trx.insertInto('orgs').values({ id, name, version: 0, created_at: now }).execute();
    });
  }

  async listOrgs(): Promise<OrgRef[]> {
    return this.db.selectFrom('orgs').select(['id', 'name', 'version']).orderBy('name').execute();
  }

  /** The applied plans, in order; not those a later import replaced. */
  async plans(orgId: number): Promise<StoredPlan[]> {
    const rows = await this.db
      .selectFrom('plans')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('replaced_at', 'is', null)
      .orderBy('seq')
      .execute();
    // The texts' further parts (`plan-parts.ts`), of the plans that apply.
    const parts = await this.db
      .selectFrom('plan_parts')
      .select(['plan_id', 'text'])
      .where('org_id', '=', orgId)
      .where('plan_id', 'in', (eb) =>
        eb.selectFrom('plans').select('plan_id').where('org_id', '=', orgId).where('replaced_at', 'is', null),
      )
      .orderBy('plan_id')
      .orderBy('part')
      .execute();
    const rest = new Map<string, string[]>();
    for (const { plan_id, text } of parts) {
      const some = rest.get(plan_id);
      if (some) some.push(text);
      else rest.set(plan_id, [text]);
    }
    return this.storedPlans(
      rows.map((row) => {
        const more = rest.get(row.plan_id);
        return more ? { ...row, source: row.source + more.join('') } : row;
      }),
    );
  }

  /** An applied plan's text, replaced or not; null when the organization has no plan of that id. */
  async planSource(orgId: number, planId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('plans')
      .select('source')
      .where('org_id', '=', orgId)
      .where('plan_id', '=', planId)
      .executeTakeFirst();
    if (!row) return null;
    const parts = await this.db
      .selectFrom('plan_parts')
      .select('text')
      .where('org_id', '=', orgId)
      .where('plan_id', '=', planId)
      .orderBy('part')
      .execute();
    return row.source + parts.map((p) => p.text).join('');
  }

  /** The highest sequence number given to a plan of the organization, replaced ones included (0: none). */
  async lastSeq(orgId: number): Promise<number> {
    const row = await this.db
      .selectFrom('plans')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** The plans applied as known at `knownAt` (default: now), without their text (an import's are large). */
  private async planSummaries(
    trx: Transaction<Database>,
    orgId: number,
    knownAt?: string,
  ): Promise<StoredPlan[]> {
    let query = trx
      .selectFrom('plans')
      .select(['plan_id', 'title', 'effective', 'announced_by', 'file', 'seq', 'recorded_at'])
      .where('org_id', '=', orgId);
    query =
      knownAt === undefined
        ? query.where('replaced_at', 'is', null)
        : query
            .where('recorded_at', '<=', knownAt)
            .where((eb) => eb.or([eb('replaced_at', 'is', null), eb('replaced_at', '>', knownAt)]));
    const rows = await query.orderBy('seq').execute();
    return this.storedPlans(rows.map((row) => ({ ...row, source: '' })));
  }

  private storedPlans(
    rows: Array<{
      plan_id: string;
      title: string;
      effective: string;
      announced_by: string | null;
      file: string;
      seq: number;
      source: string;
      recorded_at: string;
    }>,
  ): StoredPlan[] {
    return rows.map((row) => ({
      summary: {
        id: row.plan_id,
        title: row.title,
        effective: row.effective,
        announcedBy: row.announced_by,
        sources: [],
        file: row.file,
        seq: row.seq,
      },
      source: row.source,
      recordedAt: row.recorded_at,
    }));
  }

  /**
   * The organization's facts as known at `knownAt` (a UTC timestamp; default: now, i.e.
   * every row not yet superseded).
   */
  async history(orgId: number, knownAt?: string): Promise<History> {
    return this.readConsistently((trx, apart) => this.readHistory(trx, orgId, knownAt, apart));
  }

  /**
   * The organization's current facts and the version they belong to, read together: a commit in
   * between cannot give facts of one version under the number of another.
   */
  async current(orgId: number): Promise<{ version: number; history: History }> {
    return this.readConsistently(async (trx, apart) => {
      const org = await trx.selectFrom('orgs').select('version').where('id', '=', orgId).executeTakeFirst();
      return { version: org?.version ?? 0, history: await this.readHistory(trx, orgId, undefined, apart) };
    });
  }

  /** Reads in one transaction: apart from the store's connection where the engine has one to read on. */
  private readConsistently<T>(
    work: (trx: Transaction<Database>, apart: ScanRows | undefined) => Promise<T>,
  ): Promise<T> {
    const { readApart } = this.capabilities;
    if (!readApart) return this.readTransaction((trx) => work(trx, undefined));
    return readApart((db, scanRows) => db.transaction().execute((trx) => work(trx, scanRows)));
  }

  /** Runs reads that must see one state of the database (a transaction at snapshot isolation). */
  private readTransaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const level = this.capabilities.snapshotIsolation;
    const builder = this.db.transaction();
    return (level ? builder.setIsolationLevel(level) : builder).execute(work);
  }

  /**
   * `apart`: the rows are stepped on a connection nothing else uses (`readApart`), so other work may run
   * between them; otherwise the engine's `scanRows` steps the store's own connection, all in one turn.
   */
  private async readHistory(
    trx: Transaction<Database>,
    orgId: number,
    knownAt?: string,
    apart?: ScanRows,
  ): Promise<History> {
    const reader = new HistoryReader();
    for (const table of FACT_TABLES) {
      // The content columns only: the bookkeeping (a 40-character key per row among them) is not needed.
      const columns = FACT_COLUMNS[table] as readonly string[];
      const scan = apart ?? this.capabilities.scanRows;
      if (scan) {
        let rows = 0;
        for (const row of scan(table, columns, orgId, knownAt)) {
          reader.add(table, row);
          if (apart && ++rows % ROWS_PER_TURN === 0) await nextTurn();
        }
        continue;
      }
      const add = (rows: Array<Record<string, unknown>>) => {
        for (const row of rows)
          reader.add(
            table,
            columns.map((c) => row[c] ?? null),
          );
      };
      const query = trx
        .selectFrom(table)
        .select(FACT_COLUMNS[table] as never)
        .where('org_id', '=', orgId);
      if (knownAt !== undefined) {
        add(
          (await query
            .where('recorded_at', '<=', knownAt)
            .where((eb) => eb.or([eb('superseded_at', 'is', null), eb('superseded_at', '>', knownAt)]))
            .execute()) as Array<Record<string, unknown>>,
        );
        continue;
      }
      // The current rows a page at a time along the `*_current` index (org, superseded, key), so that
      // a large organization's rows are never all held as objects at once.
      let after: string | null = null;
      for (;;) {
        let page = query.select('fact_key').where('superseded_at', 'is', null);
        if (after !== null) page = page.where('fact_key', '>', after);
        const rows = (await page.orderBy('fact_key').limit(this.readPage).execute()) as Array<
          Record<string, unknown> & { fact_key: string }
        >;
        add(rows);
        if (rows.length < this.readPage) break;
        after = rows[rows.length - 1]!.fact_key;
      }
    }
    const plans = (await this.planSummaries(trx, orgId, knownAt)).map((p) => p.summary);
    const history = reader.finish(plans);
    // Read apart, the sorting at the end and what the caller builds next (a query's index) are two
    // turns, not one longer stall.
    if (apart) await nextTurn();
    return history;
  }

  /**
   * Records applied plans and the organization they produce, in one transaction. The
   * organization's version must still be `expectedVersion` (another writer may have committed
   * since it was read); otherwise nothing is written and a `conflict` error is thrown. `replaces`:
   * ids of applied plans these take the place of (an import's days given again with more in them),
   * kept on record as replaced at `now`; each must still apply, or it is a `conflict`.
   */
  async commit(
    org: OrgRef,
    plans: Array<{ summary: PlanSummary; source: string }>,
    history: Facts,
    now: string,
    progress?: Progress,
    replaces: readonly string[] = [],
  ): Promise<number> {
    const parallel = this.capabilities.firstCommitWriter;
    // An organization's first commit (nothing of it is stored), when large: written on another thread.
    if (parallel && org.version === 0 && replaces.length === 0 && historyRows(history) >= this.bulkRows) {
      const given: FirstCommit = {
        expectedRows: Number.POSITIVE_INFINITY,
        plans: () => plans.map((p) => p.summary),
        text: (i) => plans[i]!.source,
        facts: () => history,
      };
      return (await this.commitOnWriter(parallel, org, given, now, progress)) as number;
    }
    const next = org.version + 1;
    await this.exclusive(() =>
      this.writeCommit(org, next, plans, now, async (trx) => {
        await replacePlans(trx, org, replaces, now);
        await writeFacts(trx, org.id, history, now, this.writer(history, progress));
      }),
    );
    return next;
  }

  /**
   * An organization's first commit, its plans and facts made when the store asks (`FirstCommit`):
   * where the dialect has a writer on another thread and at least `bulkRows` rows are expected, the
   * writer begins and stores the plans' texts while this thread makes the facts, then inserts the
   * rows as this thread keys them. Null (nothing written) when the facts cannot be made that way.
   */
  async commitMade(
    org: OrgRef,
    first: FirstCommit,
    now: string,
    progress?: Progress,
  ): Promise<number | null> {
    const parallel = this.capabilities.firstCommitWriter;
    if (parallel && org.version === 0 && first.expectedRows >= this.bulkRows) {
      return this.commitOnWriter(parallel, org, first, now, progress);
    }
    const history = first.facts();
    if (!history) return null;
    const plans = first.plans().map((summary, i) => ({ summary, source: first.text(i) }));
    first.made?.();
    return this.commit(org, plans, history, now, progress);
  }

  private commitOnWriter(
    parallel: (alone: boolean) => FirstCommitWriter,
    org: OrgRef,
    first: FirstCommit,
    now: string,
    progress: Progress | undefined,
  ): Promise<number | null> {
    const next = org.version + 1;
    return this.exclusive(async () => {
      const writer = parallel.call(this.capabilities, first.alone === true);
      try {
        writer.send({ type: 'begin', orgId: org.id, orgName: org.name, version: org.version, next });
        const texts = new TextsToWriter(writer, org.id);
        let summaries: PlanSummary[] | null = null;
        const summarized = () => {
          summaries ??= first.plans();
          return summaries;
        };
        let plansSent = false;
        const plans = () => {
          if (plansSent) return;
          plansSent = true;
          texts.end();
          writer.send({
            type: 'plans',
            rows: summarized().map((summary) => planRow(org.id, summary, texts.firstPart(summary.id), now)),
          });
        };
        const { meanwhile } = first;
        // The plans' texts go first, unless they are made meanwhile: the writer stores them (an import's
        // first plan may be a hundred megabytes) while this thread makes the facts.
        if (!meanwhile) {
          summarized().forEach((summary, i) => {
            texts.piece({ plan: summary.id, text: first.text(i) });
          });
          plans();
        }
        const history = first.facts();
        if (!history) return null;
        first.made?.();
        const told = rowsTold(history, progress);
        // The texts made meanwhile go to the writer in parts as they fill; the plans once they are done.
        const made = meanwhile && {
          work: meanwhile,
          piece: (piece: PlanTextPiece) => texts.piece(piece),
          done: plans,
        };
        await writeFirstRows(writer, org.id, history, now, told, this.bulkRows, made);
        if (made && !plansSent) {
          for (let step = meanwhile.next(); step.done !== true; step = meanwhile.next()) {
            if (step.value === false)
              throw new Error("the plans' texts were not ready once the facts were walked");
            texts.piece(step.value);
            if (writer.behind() > TEXT_PARTS_AHEAD) await writer.settle(WRITER_AHEAD);
          }
        }
        plans();
        writer.send({ type: 'commit' });
        await writer.settle(0);
        return next;
      } finally {
        await writer.close();
      }
    });
  }

  /**
   * Like `commit`, given only the facts that change: `before` as they are stored, `after` as they
   * become. Writes only those rows. If the stored facts are not `before` (the caller's copy of the
   * organization was stale), nothing is written and it throws `StaleFactsError`.
   */
  async commitChanges(
    org: OrgRef,
    plans: Array<{ summary: PlanSummary; source: string }>,
    before: History,
    after: History,
    now: string,
    progress?: Progress,
  ): Promise<number> {
    const next = org.version + 1;
    await this.exclusive(() =>
      this.writeCommit(org, next, plans, now, (trx) =>
        writeChanges(trx, org.id, before, after, now, this.writer(after, progress)),
      ),
    );
    return next;
  }

  private async writeCommit(
    org: OrgRef,
    next: number,
    plans: Array<{ summary: PlanSummary; source: string }>,
    now: string,
    write: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const bumped = await trx
        .updateTable('orgs')
        .set({ version: next })
        .where('id', '=', org.id)
        .where('version', '=', org.version)
        .executeTakeFirst();
      if (Number(bumped.numUpdatedRows) !== 1) {
        throw new OrgshiftError(
          'conflict',
          `organization "${org.name}" changed while the plan was checked; try again`,
        );
      }
      for (const { summary, source } of plans) {
        const [first = '', ...rest] = planTextParts(source);
        await trx
          .insertInto('plans')
          .values(planRow(org.id, summary, first, now))
          .execute();
        for (const [i, text] of rest.entries())
          await trx
            .insertInto('plan_parts')
            .values({ org_id: org.id, plan_id: summary.id, part: i + 1, text })
            .execute();
      }
      await write(trx);
      await this.capabilities.notifyChange?.(trx, org.id, next);
    });
  }

  /** Every row of every table, in a stable order: two equal dumps mean an unchanged store. */
  async dump(): Promise<string> {
    const out: Record<string, unknown[]> = {};
    out.orgs = await this.db.selectFrom('orgs').selectAll().orderBy('id').execute();
    out.plans = await this.db.selectFrom('plans').selectAll().orderBy('org_id').orderBy('seq').execute();
    out.plan_parts = await this.db
      .selectFrom('plan_parts')
      .selectAll()
      .orderBy('org_id')
      .orderBy('plan_id')
      .orderBy('part')
      .execute();
    for (const table of FACT_TABLES) {
      out[table] = await this.db
        .selectFrom(table)
        .selectAll()
        .orderBy('org_id')
        .orderBy('fact_key')
        .orderBy('recorded_at')
        .execute();
    }
    return JSON.stringify(out);
  }
}

/**
 * What an organization's first commit is made of, asked for by `OrgStore.commitMade` in the order
 * that suits the store, each once.
 */
export interface FirstCommit {
  /** About how many rows the facts will be. */
  expectedRows: number;
  /** The plans, in order. */
  plans(): PlanSummary[];
  /** Plan `i`'s text, whole; not asked for when `meanwhile` gives the texts to a writer. */
  text(i: number): string;
  /** The facts, or null when they cannot be made this way (then nothing is written). */
  facts(): Facts | null;
  /** Called once the facts and the texts were made, before the rows are written: lets go of what made them. */
  made?(): void;
  /**
   * The plans' texts in pieces, made while a writer on another thread inserts the rows (an import
   * straight from its files: the texts take seconds, where its facts are ready at once). With it the
   * rows are sent first, and this is stepped whenever the writer is behind: a step gives the next piece
   * of a text (the plans' texts one after the other, each in order), or `false` when there is nothing
   * to make yet. The pieces are stored in parts as they fill (`plan-parts.ts`), so a text is never held
   * whole, and `plans` is asked for once this is done (at the latest after the rows). Without a writer
   * on another thread, `text` is asked instead.
   */
  meanwhile?: Iterator<PlanTextPiece | false>;
  /**
   * Nothing else in this process reads the store until the commit returns (`bin/orgshift import`; not
   * a server): the writer may then keep other connections out while it writes, if that is faster.
   */
  alone?: boolean;
}

/** A piece of plan `plan`'s text (`FirstCommit.meanwhile`). */
export interface PlanTextPiece {
  plan: string;
  text: string;
}

/**
 * Plans' texts given in pieces, plan after plan, sent to a writer in parts as they fill
 * (`plan-parts.ts`); each one's first part kept for its row in `plans`.
 */
class TextsToWriter {
  private readonly firstParts = new Map<string, string>();
  private plan: string | null = null;
  private parts = new PlanTextParts();
  private part = 0;

  constructor(
    private readonly writer: FirstCommitWriter,
    private readonly orgId: number,
  ) {}

  piece({ plan, text }: PlanTextPiece): void {
    if (plan !== this.plan) {
      this.end();
      this.plan = plan;
    }
    this.send(this.parts.add(text));
  }

  /** The text being given is complete. */
  end(): void {
    if (this.plan === null) return;
    this.send(this.parts.end());
    this.plan = null;
    this.parts = new PlanTextParts();
    this.part = 0;
  }

  /** The plan's first part ('' for a text given no piece). */
  firstPart(plan: string): string {
    return this.firstParts.get(plan) ?? '';
  }

  private send(parts: string[]): void {
    const plan = this.plan!;
    for (const text of parts) {
      if (this.part === 0) this.firstParts.set(plan, text);
      else {
        const row: PlanPartsTable = { org_id: this.orgId, plan_id: plan, part: this.part, text };
        this.writer.send({ type: 'plan-parts', rows: [row] });
      }
      this.part++;
    }
  }
}

/** See `DialectCapabilities.firstCommitWriter`. */
export interface FirstCommitWriter {
  /** Sends a request; throws the failure of an earlier one, if any came back. */
  send(request: WriterRequest): void;
  /** How many requests sent the writer has not done yet, as of now (not as of the last answer read). */
  behind(): number;
  /** Waits until at most `pending` requests are unanswered; throws the first failure. */
  settle(pending: number): Promise<void>;
  /** Rolls back what is not committed and ends the writer. */
  close(): Promise<void>;
}

/** Marks applied plans replaced at `now`; a `conflict` when one of them is no longer applied. */
async function replacePlans(
  trx: Transaction<Database>,
  org: OrgRef,
  ids: readonly string[],
  now: string,
): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const some = ids.slice(i, i + CHUNK);
    const done = await trx
      .updateTable('plans')
      .set({ replaced_at: now })
      .where('org_id', '=', org.id)
      .where('replaced_at', 'is', null)
      .where('plan_id', 'in', some)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== some.length)
      throw new OrgshiftError(
        'conflict',
        `organization "${org.name}" changed while the plans were checked; try again`,
      );
  }
}

/** An applied plan's row in `plans`. */
function planRow(orgId: number, summary: PlanSummary, source: string, now: string): PlansTable {
  return {
    org_id: orgId,
    plan_id: summary.id,
    seq: summary.seq,
    title: summary.title,
    effective: summary.effective,
    announced_by: summary.announcedBy,
    file: summary.file,
    source,
    recorded_at: now,
    replaced_at: null,
  };
}

/** The facts a commit was given as its starting point are not those stored: nothing was written. */
export class StaleFactsError extends Error {
  constructor(table: string) {
    super(`the stored ${table} differ from the organization the plan was checked against`);
    this.name = 'StaleFactsError';
  }
}

/** What writing facts uses of the store. */
interface FactWriter {
  insertRows: DialectCapabilities['insertRows'];
  bulkInsert: DialectCapabilities['bulkInsert'];
  bulkRows: number;
  told: RowsTold;
}

/** Tells `progress` how many of a history's fact rows are written, out of all its rows. */
interface RowsTold {
  /** `rows` more were written (or found already stored). */
  written(rows: number): void;
}

function rowsTold(history: Facts, progress: Progress | undefined): RowsTold {
  if (!progress) return { written() {} };
  // A stream's rows are counted at most until it has been read through (`FactStream.size`).
  const counted = isFactStream(history);
  let total = historyRows(history);
  let done = 0;
  return {
    written(rows) {
      if (counted) total = historyRows(history);
      done = Math.min(total, done + rows);
      progress('writing facts', done, total);
    },
  };
}

/** Batches of rows a writer thread may be sent ahead of those it has inserted. */
const WRITER_AHEAD = 4;

/**
 * Requests a writer may be sent ahead once texts are made meanwhile: parts of texts (a megabyte each)
 * are not made faster than the writer stores them, so that they are not all held in its queue.
 */
const TEXT_PARTS_AHEAD = WRITER_AHEAD + 8;

/** Rows written at a time when an organization's first facts stream in (an import's are millions). */
const STREAM_CHUNK = 10_000;

function historyRows(history: Facts): number {
  let total = 0;
  for (const table of FACT_TABLES) total += tableRowCount(history, table);
  return total;
}

/**
 * An organization's first rows, sent to a writer on another thread (`firstCommitWriter`): this
 * thread keys the rows and sends them 10k at a time (no more than a few batches ahead), the writer
 * inserts them.
 */
async function writeFirstRows(
  writer: FirstCommitWriter,
  orgId: number,
  history: Facts,
  now: string,
  told: RowsTold,
  bulkRows: number,
  /** Texts to make while the writer is behind (`FirstCommit.meanwhile`): where each piece goes, and what to do once they are done. */
  meanwhile?: {
    work: Iterator<PlanTextPiece | false>;
    piece: (piece: PlanTextPiece) => void;
    done: () => void;
  },
): Promise<void> {
  let more = meanwhile !== undefined;
  for (const table of FACT_TABLES) {
    const rows = tableRowCount(history, table);
    if (rows === 0) continue;
    // Without its indexes (built once after) only when the rows are many, as `bulkInsert`.
    writer.send({ type: 'table', table, rows: rows >= bulkRows ? rows : -1 });
    const keyer = keyerOf(history);
    // Each row as `[key, ...cells]`: the writer reads arrays faster than the rows' own JSON objects, and
    // it is the writer that is busy.
    let chunk: unknown[][] = [];
    const flush = async () => {
      writer.send({ type: 'rows', table, data: JSON.stringify(chunk), now, orgId });
      told.written(chunk.length);
      chunk = [];
      // The texts are made while the writer is behind, rather than waiting for it.
      while (more && writer.behind() > WRITER_AHEAD && writer.behind() <= TEXT_PARTS_AHEAD) {
        const step = meanwhile!.work.next();
        if (step.done === true) {
          more = false;
          meanwhile!.done();
          break;
        }
        // Nothing to make yet.
        if (step.value === false) break;
        meanwhile!.piece(step.value);
      }
      await writer.settle(WRITER_AHEAD);
    };
    for (const cells of tableCells(history, table)) {
      cells.unshift(keyer.keyOfText(rowText(table, cells)));
      chunk.push(cells);
      if (chunk.length === STREAM_CHUNK) await flush();
    }
    if (chunk.length > 0) await flush();
    writer.send({ type: 'end-table', table });
  }
}

/** Supersedes the rows of `before` that are not in `after` and inserts those of `after` that are new. */
async function writeChanges(
  trx: Transaction<Database>,
  orgId: number,
  before: History,
  after: History,
  now: string,
  writer: FactWriter,
): Promise<void> {
  const { insertRows } = writer;
  for (const table of FACT_TABLES) {
    const was = keyCells(table, tableCells(before, table));
    // Nothing stored for the organization in this table (its first plans): nothing can be there already.
    const empty =
      was.size === 0 &&
      (await trx
        .selectFrom(table)
        .select('fact_key')
        .where('org_id', '=', orgId)
        .where('superseded_at', 'is', null)
        .limit(1)
        .executeTakeFirst()) === undefined;
    if (empty) {
      await streamFacts(trx, table, orgId, after, now, writer);
      continue;
    }
    const will = keyCells(table, tableCells(after, table));
    const stale = [...was.keys()].filter((key) => !will.has(key));
    const fresh = [...will].filter(([key]) => !was.has(key));
    if ((await supersede(trx, table, orgId, stale, now)) !== stale.length) throw new StaleFactsError(table);
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const keys = fresh.slice(i, i + CHUNK).map(([key]) => key);
      const present = await trx
        .selectFrom(table)
        .select('fact_key')
        .where('org_id', '=', orgId)
        .where('superseded_at', 'is', null)
        .where('fact_key', 'in', keys)
        .execute();
      if (present.length > 0) throw new StaleFactsError(table);
    }
    await insertFacts(trx, table, orgId, fresh, now, insertRows);
    writer.told.written(will.size);
  }
}

/**
 * Inserts a table's rows of `history` (an organization's first there), with the table's indexes built
 * once after when they are many and the dialect can (`bulkInsert`).
 */
async function streamFacts(
  trx: Transaction<Database>,
  table: FactTable,
  orgId: number,
  history: Facts,
  now: string,
  { insertRows, bulkInsert, bulkRows, told }: FactWriter,
): Promise<void> {
  const rows = tableRowCount(history, table);
  if (rows === 0) return;
  const insert = () => writeStream(trx, table, orgId, history, now, insertRows, told);
  await (bulkInsert && rows >= bulkRows ? bulkInsert(table, rows, insert) : insert());
}

/** Inserts a table's rows of `history`, keyed and written as they are made, never all held at once. */
async function writeStream(
  trx: Transaction<Database>,
  table: FactTable,
  orgId: number,
  history: Facts,
  now: string,
  insertRows: DialectCapabilities['insertRows'],
  told: RowsTold,
): Promise<void> {
  const keyer = keyerOf(history);
  let chunk: Array<[string, unknown[]]> = [];
  for (const cells of tableCells(history, table)) {
    chunk.push([keyer.keyOfText(rowText(table, cells)), cells]);
    if (chunk.length < STREAM_CHUNK) continue;
    await insertFacts(trx, table, orgId, chunk, now, insertRows);
    told.written(chunk.length);
    chunk = [];
  }
  await insertFacts(trx, table, orgId, chunk, now, insertRows);
  told.written(chunk.length);
}

/** Marks the live rows with these keys superseded; returns how many it found. */
async function supersede(
  trx: Transaction<Database>,
  table: FactTable,
  orgId: number,
  keys: string[],
  now: string,
): Promise<number> {
  let superseded = 0;
  for (let i = 0; i < keys.length; i += CHUNK) {
    const result = await trx
      .updateTable(table)
      .set({ superseded_at: now })
      .where('org_id', '=', orgId)
      .where('superseded_at', 'is', null)
      .where('fact_key', 'in', keys.slice(i, i + CHUNK))
      .executeTakeFirst();
    superseded += Number(result.numUpdatedRows);
  }
  return superseded;
}

/** Inserts new fact rows with their keys, through the dialect's fast path when it has one. */
async function insertFacts(
  trx: Transaction<Database>,
  table: FactTable,
  orgId: number,
  fresh: Array<[string, readonly unknown[]]>,
  now: string,
  insertRows: DialectCapabilities['insertRows'],
): Promise<void> {
  if (insertRows) {
    insertRows(table, orgId, now, fresh);
    return;
  }
  const values = (slice: Array<[string, readonly unknown[]]>) =>
    slice.map(([key, cells]) =>
      Object.assign(rowOf(table, cells), {
        org_id: orgId,
        fact_key: key,
        recorded_at: now,
        superseded_at: null,
      }),
    );
  for (let i = 0; i < fresh.length; i += CHUNK) {
    await trx
      .insertInto(table)
      .values(values(fresh.slice(i, i + CHUNK)) as never)
      .execute();
  }
}

/** Supersedes rows no longer true and inserts new ones; rows that stay are left untouched. */
async function writeFacts(
  trx: Transaction<Database>,
  orgId: number,
  history: Facts,
  now: string,
  writer: FactWriter,
): Promise<void> {
  const { insertRows } = writer;
  for (const table of FACT_TABLES) {
    const current = await trx
      .selectFrom(table)
      .select('fact_key')
      .where('org_id', '=', orgId)
      .where('superseded_at', 'is', null)
      .execute();
    if (current.length === 0) {
      await streamFacts(trx, table, orgId, history, now, writer);
      continue;
    }
    const wanted = keyCells(table, tableCells(history, table));
    const currentKeys = new Set(current.map((r) => r.fact_key));
    const stale = [...currentKeys].filter((key) => !wanted.has(key));
    await supersede(trx, table, orgId, stale, now);
    const fresh = [...wanted].filter(([key]) => !currentKeys.has(key));
    await insertFacts(trx, table, orgId, fresh, now, insertRows);
    writer.told.written(wanted.size);
  }
}
