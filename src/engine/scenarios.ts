import { OrgshiftError } from '../core/errors.ts';
import { type Impact, impact } from '../core/impact.ts';
import type { History } from '../core/model.ts';
import * as queries from '../core/queries.ts';
import { checkPlans } from '../core/replay.ts';
import { compareOrganizations, type PlanText, type RebaseConflict, rebase } from '../core/scenario.ts';
import { parseDay } from '../core/time.ts';
import { parsePlan } from '../formats/plan-file.ts';
import type { ScenarioRow } from '../store/schema.ts';
import type { AppliedPlan, OrgEngine } from './org-engine.ts';

export interface ScenarioSummary {
  name: string;
  date: string;
  state: string;
  createdBy: string;
  /** True when plans were applied or added to the organization since the scenario was branched or rebased. */
  stale: boolean;
  plans: Array<{ id: string; title: string; effective: string; file: string }>;
}

/**
 * Scenarios: several alternative sets of plans branched from the applied history, kept side by
 * side, compared, rebased when the organization moves on, and one of them applied.
 */
export class ScenarioService {
  constructor(
    private readonly engine: OrgEngine,
    private readonly org: string,
  ) {}

  private async orgId(): Promise<number> {
    return (await this.engine.store.ensureOrg(this.org, this.engine.now())).id;
  }

  private async row(name: string): Promise<ScenarioRow> {
    const row = await this.engine.access.scenario(await this.orgId(), name);
    if (!row) throw new OrgshiftError('not_found', `no scenario "${name}"`);
    return row;
  }

  private texts(row: ScenarioRow): PlanText[] {
    return JSON.parse(row.plans) as PlanText[];
  }

  private async summary(row: ScenarioRow): Promise<ScenarioSummary> {
    const applied = (await this.engine.sequencedPlans(this.org)).map((p) => p.plan.id).sort();
    const base = (JSON.parse(row.base_plans) as string[]).sort();
    return {
      name: row.name,
      date: row.date,
      state: row.state,
      createdBy: row.created_by,
      stale:
        row.state === 'open' && (applied.length !== base.length || applied.some((id, i) => id !== base[i])),
      plans: this.texts(row).map((t) => {
        const plan = parsePlan(t.source, t.file);
        return { id: plan.id, title: plan.title, effective: plan.effective, file: t.file };
      }),
    };
  }

  async list(): Promise<ScenarioSummary[]> {
    return Promise.all(
      (await this.engine.access.scenarios(await this.orgId())).map((row) => this.summary(row)),
    );
  }

  async show(name: string): Promise<ScenarioSummary> {
    return this.summary(await this.row(name));
  }

  async create(name: string, date: string, createdBy: string): Promise<ScenarioSummary> {
    if (!/^[\p{L}\p{N}._-]{1,100}$/u.test(name))
      throw new OrgshiftError(
        'invalid_input',
        'a scenario name has 1 to 100 letters, digits, ".", "_" or "-"',
      );
    if (parseDay(date) === null)
      throw new OrgshiftError('invalid_input', `"${date}" is not a calendar day (YYYY-MM-DD)`);
    const orgId = await this.orgId();
    if (await this.engine.access.scenario(orgId, name))
      throw new OrgshiftError('conflict', `scenario "${name}" exists already`);
    const now = this.engine.now();
    const row: ScenarioRow = {
      org_id: orgId,
      name,
      date,
      state: 'open',
      base_plans: JSON.stringify((await this.engine.sequencedPlans(this.org)).map((p) => p.plan.id)),
      plans: '[]',
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    };
    await this.engine.access.insertScenario(row);
    return this.summary(row);
  }

  /** Adds a plan at the end of the scenario; it must apply after the scenario's other plans. */
  async add(name: string, text: PlanText): Promise<ScenarioSummary> {
    const row = await this.open(name);
    const plan = parsePlan(text.source, text.file);
    const texts = this.texts(row);
    const plans = texts.map((t) => parsePlan(t.source, t.file));
    if (
      [...plans, ...(await this.engine.sequencedPlans(this.org)).map((p) => p.plan)].some(
        (p) => p.id === plan.id,
      )
    ) {
      throw new OrgshiftError('conflict', `a plan "${plan.id}" exists already`);
    }
    const result = checkPlans(await this.engine.sequencedPlans(this.org), [...plans, plan]);
    if (!result.ok)
      throw new OrgshiftError(
        'plan_refused',
        `plan "${plan.id}" does not apply in scenario "${name}"`,
        result.problems,
      );
    await this.save(row, { plans: JSON.stringify([...texts, text]) });
    return this.show(name);
  }

  private async open(name: string): Promise<ScenarioRow> {
    const row = await this.row(name);
    if (row.state !== 'open') throw new OrgshiftError('conflict', `scenario "${name}" is ${row.state}`);
    return row;
  }

  private async save(row: ScenarioRow, patch: Partial<ScenarioRow>): Promise<void> {
    const ok = await this.engine.access.updateScenario(row.org_id, row.name, row.updated_at, {
      ...patch,
      updated_at: this.engine.now(),
    });
    if (!ok) throw new OrgshiftError('conflict', `scenario "${row.name}" changed meanwhile; try again`);
  }

  /** The organization the scenario produces (the applied history plus its plans). */
  async history(name: string): Promise<History> {
    const row = await this.row(name);
    const plans = this.texts(row).map((t) => parsePlan(t.source, t.file));
    const result = checkPlans(await this.engine.sequencedPlans(this.org), plans);
    if (!result.ok) {
      throw new OrgshiftError(
        'conflict',
        `scenario "${name}" no longer applies to the organization; rebase it`,
        result.problems,
      );
    }
    return result.history;
  }

  async tree(name: string, asOf?: string) {
    const row = await this.row(name);
    return queries.tree(await this.history(name), asOf ?? row.date);
  }

  /** Two scenarios side by side: how their organizations differ on the first one's date, and each one's impact. */
  async compare(
    first: string,
    second: string,
  ): Promise<{
    date: string;
    first: string;
    second: string;
    changes: queries.DiffChange[];
    impacts: Record<string, Impact>;
  }> {
    const a = await this.row(first);
    const b = await this.row(second);
    const ha = await this.history(first);
    const hb = await this.history(second);
    const base = await this.engine.history(this.org);
    return {
      date: a.date,
      first,
      second,
      changes: compareOrganizations(ha, hb, a.date),
      impacts: { [first]: impact(base, ha, a.date), [second]: impact(base, hb, b.date) },
    };
  }

  /** Moves the scenario onto the organization as it is now; lists every operation that no longer applies. */
  async rebase(name: string): Promise<{ scenario: ScenarioSummary; conflicts: RebaseConflict[] }> {
    const row = await this.open(name);
    const applied = await this.engine.sequencedPlans(this.org);
    const texts = this.texts(row);
    const result = rebase(
      applied,
      texts.map((text) => ({ plan: parsePlan(text.source, text.file), text })),
    );
    await this.save(row, {
      plans: JSON.stringify(result.plans),
      base_plans: JSON.stringify(applied.map((p) => p.plan.id)),
    });
    return { scenario: await this.show(name), conflicts: result.conflicts };
  }

  /** Applies the scenario's plans to the organization, all or nothing; refused when it is stale. */
  async apply(name: string): Promise<AppliedPlan[]> {
    const row = await this.open(name);
    const inputs = this.texts(row).map((t) => ({ plan: parsePlan(t.source, t.file), source: t.source }));
    if (inputs.length === 0) throw new OrgshiftError('invalid_input', `scenario "${name}" has no plans`);
    const applied = await this.engine.applyAll(this.org, inputs, JSON.parse(row.base_plans) as string[]);
    await this.save(row, { state: 'applied' });
    return applied;
  }
}
