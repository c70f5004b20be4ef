import { headcountOverTime, type StatsOptions, stats } from '../core/analytics.ts';
import { OrgshiftError, type Problem } from '../core/errors.ts';
import { applyFirstPlans } from '../core/first-plans.ts';
import { type Impact, impact } from '../core/impact.ts';
import { LiveOrg, type Verdict } from '../core/live-plan.ts';
import {
  emptyHistory,
  type Facts,
  type History,
  type Plan,
  type PlanSummary,
  type Progress,
} from '../core/model.ts';
import * as queries from '../core/queries.ts';
import { type CheckResult, checkPlans, type SequencedPlan, summarize } from '../core/replay.ts';
import type { Day } from '../core/time.ts';
import { DirectNotSure, type DirectResult } from '../formats/hris-direct.ts';
import {
  type ImportDayChange,
  type ImportDays,
  importChanges,
  importedAgain,
  isImportPlan,
} from '../formats/hris-import.ts';
import { parsePlan } from '../formats/plan-file.ts';
import { FileSpool, type Spool } from '../formats/spool.ts';
import { AccessStore } from '../store/access-store.ts';
import { openStore } from '../store/open.ts';
import {
  type FirstCommit,
  type OrgRef,
  type OrgStore,
  type PlanTextPiece,
  StaleFactsError,
} from '../store/store.ts';

export type { AccessStore } from '../store/access-store.ts';
export type { AuditRow, DraftRow, ScenarioRow } from '../store/schema.ts';
/** The store's busy error as a refusal to try again (for the adapters, which do not reach the store). */
export { busyRefusal } from '../store/store.ts';

export interface PlanInput {
  plan: Plan;
  /** The plan file's text, kept so that the plan can be replayed and reviewed later. */
  source: string;
}

export interface AppliedPlan {
  plan: string;
  title: string;
  effective: Day;
  seq: number;
  version: number;
}

const EMPTY_ORG: OrgRef = { id: -1, name: '', version: 0 };

/** The error for plans the organization refuses. */
function refused(plans: readonly Plan[], problems: Problem[]): OrgshiftError {
  return new OrgshiftError(
    'plan_refused',
    `plan "${plans.map((p) => p.id).join('", "')}" was refused`,
    problems,
  );
}

/** What an import did, or with `dryRun` would do (`OrgEngine.importDays`). */
export interface ImportOutcome {
  applied: AppliedPlan[];
  /** Ids of plans of earlier imports these took (would take) the place of. */
  replaced: string[];
  /** With `dryRun`: the ids of the plans that would be applied, and each day's changes counted. */
  planned?: string[];
  days?: ImportDayChange[];
}

/** The promise kept under `key` while it runs, else a new one from `start`: concurrent callers share one. */
function inFlight<K, V>(running: Map<K, Promise<V>>, key: K, start: () => Promise<V>): Promise<V> {
  const already = running.get(key);
  if (already) return already;
  const started = start();
  running.set(key, started);
  const done = () => {
    if (running.get(key) === started) running.delete(key);
  };
  started.then(done, done);
  return started;
}

function samePlans(applied: SequencedPlan[], expected: string[]): boolean {
  const ids = applied.map((a) => a.plan.id).sort();
  const wanted = [...expected].sort();
  return ids.length === wanted.length && ids.every((id, i) => id === wanted[i]);
}

function appliedOf(entries: Array<{ summary: PlanSummary }>, version: number): AppliedPlan[] {
  return entries.map(({ summary }) => ({
    plan: summary.id,
    title: summary.title,
    effective: summary.effective,
    seq: summary.seq,
    version,
  }));
}

const BACKUP_ELSEWHERE =
  'this store has no built-in backup: for PostgreSQL use pg_dump -Fc and pg_restore (see docs/operations.md)';

/**
 * The organization service the CLI and the server use: reads through a per-organization
 * cache that is keyed by the organization's version, and applies plans after checking them
 * against the whole applied history.
 */
export class OrgEngine {
  private readonly cache = new Map<number, { version: number; history: History }>();
  /** Users, grants, sessions, tokens, the audit log and draft plans. */
  readonly access: AccessStore;

  constructor(
    readonly store: OrgStore,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.access = new AccessStore(store);
  }

  /** Opens the store at `target` (an SQLite path or a postgres:// URL) and migrates it. */
  static async open(target: string): Promise<OrgEngine> {
    let store: OrgStore | undefined;
    try {
      store = openStore(target);
      await store.migrate();
    } catch (error) {
      await store?.close().catch(() => {});
      if (error instanceof OrgshiftError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new OrgshiftError(
        'invalid_input',
        `cannot open the store ${target.replace(/\/\/[^@/]*@/, '//')}: ${reason}`,
        [],
        { cause: error },
      );
    }
    return new OrgEngine(store);
  }

  async close(): Promise<void> {
    await this.stopWatching?.();
    if (!this.closed) await this.store.close();
    this.closed = true;
  }

  private stopWatching: (() => Promise<void>) | undefined;
  private closed = false;

  /**
   * Where the store can tell of changes committed by other processes (PostgreSQL's
   * LISTEN/NOTIFY), drops the cached organization as soon as one is announced. Reads check the
   * organization's version in any case, so a missed message only costs a reload.
   */
  async watch(onChange?: (orgId: number, version: number) => void): Promise<boolean> {
    const listen = this.store.capabilities.listen;
    if (!listen || this.stopWatching) return false;
    this.stopWatching = await listen((orgId, version) => {
      const cached = this.cache.get(orgId);
      if (cached && cached.version < version) this.cache.delete(orgId);
      onChange?.(orgId, version);
    });
    return true;
  }

  /** A consistent copy of the whole store in `file`, taken while it is in use. */
  async backup(file: string): Promise<void> {
    const backup = this.store.capabilities.backup;
    if (!backup) throw new OrgshiftError('invalid_input', BACKUP_ELSEWHERE);
    await backup(file);
  }

  /** Replaces the whole store with a backup; the engine is closed afterwards. */
  async restore(file: string): Promise<void> {
    const restore = this.store.capabilities.restore;
    if (!restore) throw new OrgshiftError('invalid_input', BACKUP_ELSEWHERE);
    await this.stopWatching?.();
    await restore(file);
    this.closed = true;
    this.cache.clear();
    this.live.clear();
  }

  now(): string {
    return this.clock().toISOString();
  }

  today(): Day {
    return this.now().slice(0, 10);
  }

  private async orgOrEmpty(name: string): Promise<OrgRef> {
    return (await this.store.findOrg(name)) ?? EMPTY_ORG;
  }

  /**
   * The organization's facts (as known at `knownAt`; default: now). The history of now shares its
   * records with the kept organization, which applying a plan changes: use it before awaiting anything
   * else, and never change it.
   */
  async history(orgName: string, knownAt?: string): Promise<History> {
    const org = await this.orgOrEmpty(orgName);
    if (org === EMPTY_ORG) return emptyHistory();
    if (knownAt !== undefined) return this.store.history(org.id, knownAt);
    return (await this.current(org)).history;
  }

  /**
   * The organization's facts at `org`'s version or later: cached, or put in store order by the kept
   * organization (one copy of the facts in memory for both), or read. Never while a plan is being
   * written through the kept organization: its records then hold facts not yet stored.
   */
  private async current(org: OrgRef): Promise<{ version: number; history: History }> {
    for (;;) {
      const writing = this.writing.get(org.id);
      if (writing) {
        await writing;
        continue;
      }
      const cached = this.cache.get(org.id);
      if (cached && cached.version >= org.version) return cached;
      const kept = this.live.get(org.id);
      if (kept?.live && kept.version >= org.version) {
        const facts = { version: kept.version, history: kept.live.storeOrder() };
        this.cache.set(org.id, facts);
        return facts;
      }
      // One read at a time per organization: concurrent first requests share it.
      let read = await inFlight(this.reading, org.id, () => this.store.current(org.id));
      // A read begun before the caller's version was committed: read again.
      if (read.version < org.version) read = await this.store.current(org.id);
      if ((this.cache.get(org.id)?.version ?? -1) < read.version) this.cache.set(org.id, read);
      // A kept organization older than the facts read (another process applied a plan) would be a
      // second copy of them: it is built again from these when next needed.
      const stale = this.live.get(org.id);
      if (stale && stale.version < read.version) this.live.delete(org.id);
      return read;
    }
  }

  /** Facts being read from the store, per organization. */
  private readonly reading = new Map<number, Promise<{ version: number; history: History }>>();

  /**
   * Applied plans parsed once: every check replays them all, and parsing their YAML again each time
   * cost more than the replay itself. Keyed by organization and sequence number; the source is
   * compared too, so a restored or rewritten store never gets a stale parse. Always parsed from the
   * stored text (never the caller's plan: an import's plan points at CSV rows), so every replay sees
   * what a fresh instance reading the store would see.
   */
  private readonly parsed = new Map<string, { source: string; plan: Plan }>();

  /** `leaveOut`: ids of applied plans not to read (they are being replaced); each must be there. */
  private async appliedPlans(
    org: OrgRef,
    leaveOut: ReadonlySet<string> = new Set(),
  ): Promise<SequencedPlan[]> {
    if (org === EMPTY_ORG) return [];
    const all = await this.store.plans(org.id);
    const stored = leaveOut.size === 0 ? all : all.filter((s) => !leaveOut.has(s.summary.id));
    if (stored.length + leaveOut.size !== all.length) {
      throw new OrgshiftError(
        'conflict',
        'the organization changed while these plans were prepared; try again',
      );
    }
    return stored.map((s) => {
      const key = `${org.id}:${s.summary.seq}`;
      let hit = this.parsed.get(key);
      if (hit?.source !== s.source) {
        hit = { source: s.source, plan: parsePlan(s.source, s.summary.file) };
        this.parsed.set(key, hit);
      }
      return { plan: hit.plan, seq: s.summary.seq };
    });
  }

  /**
   * The organization as applied, replayed and kept per organization version: plans dated on or
   * after every applied plan are checked, and their impact computed, by trying them on it.
   */
  private readonly live = new Map<number, { version: number; live: LiveOrg | null }>();

  /** Plans being written through the kept organization, per organization: its trial is open meanwhile. */
  private readonly writing = new Map<number, Promise<void>>();

  /**
   * Runs `use` on the kept organization (null when there is none) in the same turn in which no plan
   * is being written through it: `use` is synchronous, so nothing else touches the organization then.
   */
  private async withLive<T>(org: OrgRef, use: (live: LiveOrg | null, version: number) => T): Promise<T> {
    for (;;) {
      const writing = this.writing.get(org.id);
      if (writing) {
        await writing;
        continue;
      }
      const kept = await this.liveOrg(org);
      if (!this.writing.has(org.id)) return use(kept.live, kept.version);
    }
  }

  private async liveOrg(org: OrgRef): Promise<{ version: number; live: LiveOrg | null }> {
    if (org === EMPTY_ORG) return { version: 0, live: null };
    const kept = this.live.get(org.id);
    // A newer one than the caller's reference will do for a check; a writer sees the newer version.
    if (kept && kept.version >= org.version) return kept;
    // From the stored facts, not by replaying the plans (an import's plans hold a row per operation):
    // the very records the reads use (one copy of the facts in memory for both).
    const built = await inFlight(this.building, org.id, () =>
      this.current(org).then(({ version, history }) => ({
        version,
        live: LiveOrg.resume({ ...history }, history.plans),
      })),
    );
    const now = this.live.get(org.id);
    if (!now || now.version < built.version) {
      this.live.set(org.id, built);
      return built;
    }
    return now;
  }

  /** Kept organizations being read from the store, one at a time per organization. */
  private readonly building = new Map<number, Promise<{ version: number; live: LiveOrg }>>();

  /** Checks plans against the organization without changing anything. */
  async check(orgName: string, plans: Plan[]): Promise<Verdict> {
    const org = await this.orgOrEmpty(orgName);
    const verdict = await this.withLive(org, (live) => (live?.covers(plans) ? live.check(plans) : null));
    if (verdict) return verdict;
    const result: CheckResult = checkPlans(await this.appliedPlans(org), plans);
    return result.ok ? { ok: true } : result;
  }

  /**
   * Applies one plan, all or nothing. Refused plans throw `plan_refused` with located
   * problems; a concurrent writer makes it check again against the newer organization.
   */
  async apply(orgName: string, input: PlanInput): Promise<AppliedPlan> {
    const [applied] = await this.applyAll(orgName, [input]);
    return applied!;
  }

  /**
   * Applies several plans in one transaction, in the order given: all of them or none.
   * A concurrent writer makes it check again against the newer organization.
   */
  async applyAll(
    orgName: string,
    inputs: PlanInput[],
    expectedPlans?: string[],
    /** Told how far checking the plans' changes and writing their facts have got (an import's are millions). */
    progress?: Progress,
    /** Ids of applied plans these take the place of (`OrgStore.commit`): the rest are replayed with these. */
    replaces: readonly string[] = [],
  ): Promise<AppliedPlan[]> {
    let stale = 0;
    for (let attempt = 0; ; attempt++) {
      const org = await this.store.ensureOrg(orgName, this.now());
      if (expectedPlans === undefined && replaces.length === 0) {
        const done = await this.applyOnKept(org, inputs, progress);
        // Another writer committed since `org` was read: read it again (that writer made progress).
        // Should the kept organization stay ahead of the store (a store restored under a running
        // server, which operations.md says not to do), it is dropped and built again.
        if (done === 'stale') {
          if (++stale > 20) this.live.delete(org.id);
          attempt--;
          continue;
        }
        if (done === 'conflict' && attempt < 5) continue;
        if (done !== 'not kept' && done !== 'conflict') return done;
      }
      const replaced = new Set(replaces);
      const applied = await this.appliedPlans(org, replaced);
      if (expectedPlans !== undefined && !samePlans(applied, expectedPlans)) {
        throw new OrgshiftError(
          'conflict',
          'the organization changed since these plans were prepared; rebase them first',
        );
      }
      const plans = inputs.map((i) => i.plan);
      const result = checkPlans(applied, plans);
      if (!result.ok) {
        throw refused(plans, result.problems);
      }
      // After every plan's, replaced ones included.
      let seq =
        replaced.size === 0
          ? applied.reduce((max, a) => Math.max(max, a.seq), 0)
          : await this.store.lastSeq(org.id);
      const entries = inputs.map((i) => ({ summary: summarize(i.plan, ++seq), source: i.source }));
      try {
        const version = await this.store.commit(org, entries, result.history, this.now(), progress, replaces);
        // The facts are read again on the next read (once per version), not here; the kept
        // organization is built again from them when next needed.
        this.cache.delete(org.id);
        this.live.delete(org.id);
        return appliedOf(entries, version);
      } catch (error) {
        if (error instanceof OrgshiftError && error.id === 'conflict' && attempt < 5) continue;
        throw error;
      }
    }
  }

  /**
   * Like `applyAll`, for plans that may be an organization's first (an import): into an organization
   * that holds no plan yet, they are applied the short way when it is sure of them (`applyFirstPlans`:
   * the facts `applyAll` would store, without the kept organization's indexes and undo journal) and
   * stored in one transaction. Otherwise, and whenever it is not sure, `applyAll` decides. Into an
   * organization that holds plans, only the changes no earlier import applied on their day
   * (`importedAgain`: a newer export of the same HR system adds what is new). `alone`: nothing else in
   * this process reads the store until this returns (`FirstCommit.alone`).
   */
  async applyFirst(
    orgName: string,
    imported: ImportDays,
    progress?: Progress,
    alone = false,
  ): Promise<AppliedPlan[]> {
    return (await this.importDays(orgName, imported, { ...(progress ? { progress } : {}), alone })).applied;
  }

  /**
   * `applyFirst`, telling which applied plans of earlier imports the import's plans took the place
   * of. With `replace`, the files replace what earlier imports brought in (`importedAgain`): the
   * organization becomes what these files and the plans not imported say, as a correction recorded now.
   * With `dryRun` the plans are checked and nothing is stored: `planned` and `days` say what would be done.
   */
  async importDays(
    orgName: string,
    imported: ImportDays,
    options: { progress?: Progress; alone?: boolean; replace?: boolean; dryRun?: boolean } = {},
  ): Promise<ImportOutcome> {
    const { progress, alone = false, replace = false, dryRun = false } = options;
    if (replace && imported.rejected.length > 0) {
      throw new OrgshiftError(
        'invalid_input',
        `${imported.rejected.length} rows rejected: with replace they would be taken out of the organization; fix them and import again (nothing imported)`,
        imported.rejected,
      );
    }
    if (replace && imported.accepted === 0) {
      throw new OrgshiftError(
        'invalid_input',
        'the files hold no rows: with replace, everything imported before would be taken out (nothing imported)',
      );
    }
    const org = dryRun ? await this.orgOrEmpty(orgName) : await this.store.ensureOrg(orgName, this.now());
    if (org.version === 0 && !dryRun) {
      if (imported.days.length === 0) return { applied: [], replaced: [] };
      const applied = await this.commitFirst(
        org,
        () => imported.days,
        imported.accepted,
        () => {
          const made = applyFirstPlans(imported.days, progress);
          return made.ok ? made.history : null;
        },
        // The changes are no longer needed once the texts and facts are made: hundreds of megabytes
        // for an import, let go before the facts are keyed and written.
        () => imported.release(),
        progress,
        alone,
      );
      return {
        applied: applied ?? (await this.applyAll(orgName, imported.plans(), undefined, progress)),
        replaced: [],
      };
    }
    const held =
      org === EMPTY_ORG
        ? []
        : (await this.store.plans(org.id)).map((p) => ({
            id: p.summary.id,
            effective: p.summary.effective,
            source: p.source,
          }));
    const all = imported.plans();
    const { plans, replaces } = importedAgain(all, held, replace);
    if (!dryRun && plans.length === 0 && replaces.length === 0) return { applied: [], replaced: [] };
    try {
      if (dryRun) {
        // Into an organization with no plans, the short way decides when it is sure.
        if (!(org.version === 0 && applyFirstPlans(imported.days, progress).ok)) {
          const checked = checkPlans(
            await this.appliedPlans(org, new Set(replaces)),
            plans.map((p) => p.plan),
          );
          if (!checked.ok) {
            throw refused(
              plans.map((p) => p.plan),
              checked.problems,
            );
          }
        }
        return {
          applied: [],
          replaced: replaces,
          planned: plans.map((p) => p.plan.id),
          days: importChanges(all, held, replace),
        };
      }
      return {
        applied: await this.applyAll(orgName, plans, undefined, progress, replaces),
        replaced: replaces,
      };
    } catch (error) {
      if (!(error instanceof OrgshiftError) || error.problems.length === 0) throw error;
      // A refusal among changes to days imported before is most likely a correction in the files;
      // with `replace`, one of the plans not imported may no longer apply after the files' changes.
      const hint = replace
        ? held.some((p) => !isImportPlan(p.id)) &&
          'the files replace what earlier imports brought in, and the plans that did not come from an import are applied again with them, in date order'
        : held.some((p) => isImportPlan(p.id)) &&
          'the organization holds an earlier import: an import adds what is new; files given in several runs go best with the earlier files given again with the new; to make the organization what the files say (corrections, rows removed), give them all again with --replace (the API: replace)';
      if (!hint) throw error;
      throw new OrgshiftError(error.id, error.message, [...error.problems, { message: hint }], {
        cause: error,
      });
    }
  }

  /**
   * An import into a new organization made straight from its files (`readDirect`: the same plans and
   * facts as `importDays`, for files of the shape most HR systems export). Null when the organization
   * holds plans or the files are not of that shape (nothing is stored; `importDays` then decides).
   * `read` reads the files, only once the organization is known to be new, the lean way (with a spool:
   * the people file is read as its rows are stored, and only the rows of the posts' holders and of the
   * managers a manager_id names are held).
   */
  async importDirect(
    orgName: string,
    read: (options: { spool: Spool }) => DirectResult,
    options: { progress?: Progress; alone?: boolean } = {},
  ): Promise<(ImportOutcome & { read: number }) | null> {
    const org = await this.store.ensureOrg(orgName, this.now());
    if (org.version !== 0) return null;
    const spool = new FileSpool();
    try {
      const made = read({ spool });
      if (!made.ok) return null;
      const imported = made.imported;
      // The texts are made in pieces while a writer thread inserts the facts, once the files are read
      // through.
      const making = (function* (): Generator<PlanTextPiece | false> {
        while (!imported.finished) yield false;
        for (const day of imported.days()) for (const text of day.pieces()) yield { plan: day.plan.id, text };
      })();
      const applied = await this.commitFirst(
        org,
        () => imported.days(),
        imported.expectedRows,
        () => imported.facts,
        () => {},
        options.progress,
        options.alone === true,
        making,
      );
      return applied ? { applied, replaced: [], read: imported.read() } : null;
    } catch (error) {
      if (!(error instanceof DirectNotSure)) throw error;
      return null;
    } finally {
      spool.close();
    }
  }

  /**
   * `applyFirst`'s short way, given an organization's first plans (when asked: their texts made when
   * asked too) and how to make their facts: null when those cannot be made (nothing is stored). The
   * store asks for the plans' texts and the facts in the order that suits it: a store with a writer
   * thread takes the texts first and stores them while the facts are made. `made`: both were made
   * (what made them may go). `meanwhile`: work to step while a writer thread inserts the facts
   * (`FirstCommit.meanwhile`).
   */
  private async commitFirst(
    org: OrgRef,
    days: () => ReadonlyArray<{ plan: Omit<Plan, 'changes'>; source(): string }>,
    expectedRows: number,
    facts: () => Facts | null,
    made: () => void,
    progress: Progress | undefined,
    alone: boolean,
    meanwhile?: Iterator<PlanTextPiece | false>,
  ): Promise<AppliedPlan[] | null> {
    let summaries: PlanSummary[] | null = null;
    const summarized = () => {
      summaries ??= days().map((day, i) => summarize(day.plan, i + 1));
      return summaries;
    };
    const first: FirstCommit = {
      expectedRows,
      plans: summarized,
      text: (i) => days()[i]!.source(),
      facts,
      made,
      alone,
      ...(meanwhile ? { meanwhile } : {}),
    };
    try {
      const version = await this.store.commitMade(org, first, this.now(), progress);
      if (version === null) return null;
      this.cache.delete(org.id);
      this.live.delete(org.id);
      return appliedOf(
        summarized().map((summary) => ({ summary })),
        version,
      );
    } catch (error) {
      if (error instanceof OrgshiftError && error.id === 'conflict') {
        throw new OrgshiftError(
          'conflict',
          `organization "${org.name}" got plans from another writer while this import was applied; import again`,
        );
      }
      throw error;
    }
  }

  /**
   * Applies plans dated on or after every applied plan through the kept organization: checked by
   * trying them, and only the facts they change written. 'not kept' when they are not covered (or
   * the stored facts turned out to differ from the kept organization, which is then dropped): the
   * caller replays instead.
   */
  private async applyOnKept(
    org: OrgRef,
    inputs: PlanInput[],
    progress?: Progress,
  ): Promise<AppliedPlan[] | 'not kept' | 'conflict' | 'stale'> {
    const plans = inputs.map((i) => i.plan);
    let release = () => {};
    const started = await this.withLive(org, (live, version) => {
      if (version > org.version) return 'stale' as const;
      if (!live?.covers(plans)) return null;
      const trial = live.begin(plans, progress);
      // The trial stays open while the facts are written: other users of the kept organization wait.
      if (trial.ok)
        this.writing.set(
          org.id,
          new Promise<void>((resolve) => {
            release = resolve;
          }),
        );
      return { live, trial };
    });
    if (!started) return 'not kept';
    if (started === 'stale') return 'stale';
    const { live, trial } = started;
    // First plans are applied without a trial, to the records the reads share: should they not be
    // stored, neither the kept organization nor the cached facts can be used again.
    if (live.broken) {
      this.live.delete(org.id);
      this.cache.delete(org.id);
    }
    if (!trial.ok) {
      throw refused(plans, trial.problems);
    }
    let seq = live.lastSeq;
    const entries = inputs.map((i) => ({ summary: summarize(i.plan, ++seq), source: i.source }));
    try {
      const version = await this.store.commitChanges(
        org,
        entries,
        trial.before,
        trial.after,
        this.now(),
        progress,
      );
      trial.keep(entries.map((e) => ({ ...e.summary, sources: [] })));
      this.live.set(org.id, { version, live });
      // The next read takes the kept organization's facts, put in store order (`current`).
      this.cache.delete(org.id);
      return appliedOf(entries, version);
    } catch (error) {
      trial.abort();
      if (error instanceof StaleFactsError) {
        this.live.delete(org.id);
        return 'not kept';
      }
      if (error instanceof OrgshiftError && error.id === 'conflict') return 'conflict';
      throw error;
    } finally {
      this.writing.delete(org.id);
      release();
    }
  }

  /** The applied plans, parsed, in the order they were applied. */
  async sequencedPlans(orgName: string): Promise<SequencedPlan[]> {
    return this.appliedPlans(await this.orgOrEmpty(orgName));
  }

  async plans(orgName: string): Promise<
    Array<{
      id: string;
      title: string;
      effective: Day;
      announcedBy: string | null;
      file: string;
      seq: number;
      recordedAt: string;
    }>
  > {
    const org = await this.orgOrEmpty(orgName);
    if (org === EMPTY_ORG) return [];
    const stored = await this.store.plans(org.id);
    return stored
      .map((s) => ({ ...s.summary, recordedAt: s.recordedAt }))
      .sort((a, b) => a.effective.localeCompare(b.effective) || a.seq - b.seq)
      .map(({ sources: _sources, ...rest }) => rest);
  }

  async planSource(orgName: string, planId: string): Promise<string> {
    const org = await this.orgOrEmpty(orgName);
    const found = org === EMPTY_ORG ? null : await this.store.planSource(org.id, planId);
    if (found === null) throw new OrgshiftError('not_found', `no applied plan "${planId}"`);
    return found;
  }

  async tree(orgName: string, asOf: Day, options: { unit?: string; depth?: number; knownAt?: string } = {}) {
    const history = await this.history(orgName, options.knownAt);
    return queries.tree(history, asOf, {
      ...(options.unit !== undefined ? { unit: options.unit } : {}),
      ...(options.depth !== undefined ? { depth: options.depth } : {}),
    });
  }

  async person(orgName: string, name: string, asOf: Day, knownAt?: string) {
    return queries.person(await this.history(orgName, knownAt), name, asOf);
  }

  async lineage(orgName: string, unit: string, knownAt?: string) {
    return queries.lineage(await this.history(orgName, knownAt), unit);
  }

  async business(orgName: string, name: string, knownAt?: string) {
    return queries.business(await this.history(orgName, knownAt), name);
  }

  /**
   * What `plan` would change, on its effective date, if it were applied now. Refused plans throw.
   * A plan dated on or after every applied plan is tried on the kept organization (cost follows the
   * plan); an earlier one compares the replayed histories without and with it.
   */
  async impact(orgName: string, plan: Plan): Promise<Impact> {
    const org = await this.orgOrEmpty(orgName);
    const result = await this.withLive(org, (live) => (live?.covers([plan]) ? live.impact(plan) : null));
    if (result) {
      if (!result.ok)
        throw new OrgshiftError('plan_refused', `plan "${plan.id}" would be refused`, result.problems);
      return result.impact;
    }
    return (await this.preview(orgName, plan)).impact;
  }

  /** The organization's history without and with the plan, and what the plan changes. */
  async preview(orgName: string, plan: Plan): Promise<{ before: History; after: History; impact: Impact }> {
    const org = await this.orgOrEmpty(orgName);
    const applied = await this.appliedPlans(org);
    const before = await this.history(orgName);
    const result = checkPlans(applied, [plan]);
    if (!result.ok)
      throw new OrgshiftError('plan_refused', `plan "${plan.id}" would be refused`, result.problems);
    return {
      before,
      after: result.history,
      impact: impact(before, result.history, plan.effective, plan.id),
    };
  }

  async stats(orgName: string, asOf: Day, options: StatsOptions = {}, knownAt?: string) {
    const history = await this.history(orgName, knownAt);
    return { ...stats(history, asOf, options), headcountOverTime: headcountOverTime(history) };
  }

  async diff(orgName: string, from: Day, to: Day, knownAt?: string) {
    return queries.diff(await this.history(orgName, knownAt), from, to);
  }
}
