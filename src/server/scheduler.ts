import { OrgshiftError } from '../core/errors.ts';
import type { OrgEngine } from '../engine/org-engine.ts';
import { parsePlan } from '../formats/plan-file.ts';
import type { AccessService } from './access.ts';

/**
 * Applies scheduled plans whose effective date has come. Any instance may run it: a plan is
 * claimed by moving it from `scheduled` to `applying` in one conditional update, so only one
 * instance applies it.
 */
export async function applyDuePlans(engine: OrgEngine, access: AccessService): Promise<string[]> {
  const applied: string[] = [];
  for (const row of await access.store.dueDrafts(engine.today())) {
    if (
      !(await access.store.updateDraft(row.org_id, row.plan_id, 'scheduled', {
        state: 'applying',
        updated_at: engine.now(),
      }))
    )
      continue;
    try {
      await engine.apply(access.org, { plan: parsePlan(row.source, row.file), source: row.source });
      await access.store.updateDraft(row.org_id, row.plan_id, 'applying', {
        state: 'applied',
        updated_at: engine.now(),
      });
      await access.audit({
        actor: 'scheduler',
        requestId: 'scheduler',
        action: 'plan.apply',
        outcome: 'success',
        target: row.plan_id,
        before: { state: 'scheduled' },
        after: { state: 'applied' },
      });
      applied.push(row.plan_id);
    } catch (error) {
      await access.store.updateDraft(row.org_id, row.plan_id, 'applying', {
        state: 'approved',
        updated_at: engine.now(),
      });
      const problems = error instanceof OrgshiftError ? error.problems : [{ message: String(error) }];
      await access.audit({
        actor: 'scheduler',
        requestId: 'scheduler',
        action: 'plan.apply',
        outcome: 'failure',
        target: row.plan_id,
        before: { state: 'scheduled' },
        after: { state: 'approved', problems },
      });
    }
  }
  return applied;
}
