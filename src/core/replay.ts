import { OperationError, OrgBuilder } from './apply.ts';
import type { Problem } from './errors.ts';
import { checkInvariants } from './invariants.ts';
import { mayViolate } from './live-org.ts';
import type { History, Operation, Plan, PlanSummary, Versioned } from './model.ts';

/** A plan together with its place in the order plans were applied. */
export interface SequencedPlan {
  plan: Plan;
  seq: number;
}

export type ReplayResult =
  | { ok: true; history: History }
  | { ok: false; failed: SequencedPlan; problems: Problem[] };

/** Plans in valid-time order; plans with the same effective date keep the order they were applied in. */
export function replayOrder(plans: SequencedPlan[]): SequencedPlan[] {
  return [...plans].sort((a, b) =>
    a.plan.effective < b.plan.effective ? -1 : a.plan.effective > b.plan.effective ? 1 : a.seq - b.seq,
  );
}

function operationLabel(op: Operation): string {
  return `${op.kind} (changes[${op.index}])`;
}

function applyOperation(builder: OrgBuilder, plan: Plan, op: Operation): Problem | null {
  builder.at(plan.effective, {
    plan: plan.id,
    inferred: op.inferred,
    ...(op.quote !== undefined ? { quote: op.quote } : {}),
  });
  builder.namesAtEnd = plan.snapshot === true;
  try {
    builder.apply(op);
    return null;
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    const location = (error.key !== undefined ? op.keyLocations[error.key] : undefined) ?? op.location;
    return { message: error.message, location, operation: operationLabel(op), plan: plan.id };
  }
}

/**
 * Rebuilds the organization from its plans. Each plan is checked against the organization as
 * of its date: operations one by one, then the invariants. The first plan refused stops the
 * replay, and its problems say where.
 */
export function replay(plans: SequencedPlan[]): ReplayResult {
  const ordered = replayOrder(plans);
  const builder = new OrgBuilder();
  for (const [position, entry] of ordered.entries()) {
    const problems = applyPlan(builder, entry.plan, (violations) =>
      locateViolations(
        applyUnchecked(
          new OrgBuilder(),
          ordered.slice(0, position).map((e) => e.plan),
        ),
        entry.plan,
        violations,
      ),
    );
    if (problems) return { ok: false, failed: entry, problems };
  }
  const history = builder.history;
  history.plans = ordered.map(({ plan, seq }): PlanSummary => summarize(plan, seq));
  compact(history);
  return { ok: true, history };
}

export function summarize(plan: Omit<Plan, 'changes'>, seq: number): PlanSummary {
  return {
    id: plan.id,
    title: plan.title,
    effective: plan.effective,
    announcedBy: plan.announcedBy,
    sources: plan.sources,
    file: plan.file,
    seq,
  };
}

/** Operations applied between two reports of progress. */
export const PROGRESS_EVERY = 50_000;

/**
 * Applies one plan's operations to `builder`, then checks the invariants on its date: first only
 * around what the plan touched (`mayViolate`), and the whole organization only when that finds a
 * suspect. Returns the problems of a refused plan (the builder is then half-changed), or null.
 * `locate` turns broken invariants into problems located at an operation (see `locateViolations`).
 */
export function applyPlan(
  builder: OrgBuilder,
  plan: Plan,
  locate: (violations: string[]) => Problem[],
  /** Told how many of the plan's operations are applied, every so many (an import's plans hold millions). */
  onApplied?: (operations: number) => void,
): Problem[] | null {
  builder.markTouched();
  const changes = plan.changes;
  for (let i = 0; i < changes.length; i++) {
    const problem = applyOperation(builder, plan, changes[i]!);
    if (problem) return [problem];
    if (onApplied && (i + 1) % PROGRESS_EVERY === 0) onApplied(i + 1);
  }
  if (!mayViolate(builder)) return null;
  const violations = checkInvariants(builder.history, plan.effective);
  return violations.length > 0 ? locate(violations) : null;
}

/** Applies plans that were accepted before, without checking them again. */
export function applyUnchecked(builder: OrgBuilder, plans: Plan[]): OrgBuilder {
  for (const plan of plans) for (const op of plan.changes) applyOperation(builder, plan, op);
  return builder;
}

/**
 * Invariants are checked once per plan; only when one fails is the plan applied again, on
 * `builder` as it was before the plan, an operation at a time to find the first operation after
 * which it fails.
 */
export function locateViolations(builder: OrgBuilder, plan: Plan, violations: string[]): Problem[] {
  for (const op of plan.changes) {
    applyOperation(builder, plan, op);
    const found = checkInvariants(builder.history, plan.effective);
    if (found.length > 0) {
      return found.map((message) => ({
        message,
        location: op.location,
        operation: operationLabel(op),
        plan: plan.id,
      }));
    }
  }
  return violations.map((message) => ({ message, location: plan.location, plan: plan.id }));
}

/** Drops the empty intervals left when a fact is replaced on the day it began. */
export function compact(history: History): void {
  const keep = (v: Versioned) => v.to === null || v.from < v.to;
  // Copied without spare room: a filtered or pushed-to array keeps room for 16 more versions, about
  // 130 bytes for each of millions of records.
  const lasting = <V extends Versioned>(versions: V[]) => versions.filter(keep).slice();
  for (const record of history.units.values()) record.versions = lasting(record.versions);
  for (const record of history.people.values()) record.versions = lasting(record.versions);
  for (const record of history.businesses.values()) record.versions = lasting(record.versions);
  history.posts = history.posts.filter(keep);
  history.lines = history.lines.filter(keep);
}

export type CheckResult = { ok: true; history: History } | { ok: false; problems: Problem[] };

/**
 * Checks `incoming` plans as if applied after `applied`: each against the organization as of
 * its date and every later plan against the result. A back-dated plan that breaks a later
 * one is refused with problems naming both.
 */
export function checkPlans(applied: SequencedPlan[], incoming: Plan[]): CheckResult {
  const ids = new Set(applied.map((a) => a.plan.id));
  const duplicate: Problem[] = [];
  for (const plan of incoming) {
    if (ids.has(plan.id)) {
      duplicate.push({
        message: `plan "${plan.id}" has already been applied`,
        location: plan.location,
        plan: plan.id,
      });
    }
    ids.add(plan.id);
  }
  if (duplicate.length > 0) return { ok: false, problems: duplicate };
  let seq = applied.reduce((max, a) => Math.max(max, a.seq), 0);
  const all = [...applied, ...incoming.map((plan) => ({ plan, seq: ++seq }))];
  const result = replay(all);
  if (result.ok) return result;
  const incomingIds = new Set(incoming.map((p) => p.id));
  if (incomingIds.has(result.failed.plan.id)) return { ok: false, problems: result.problems };
  const later = result.failed.plan;
  const culprits = incoming.filter((p) => p.effective <= later.effective);
  const problems: Problem[] = culprits.map((plan) => ({
    message: `plan "${plan.id}" (effective ${plan.effective}) would break plan "${later.id}" (effective ${later.effective}), applied earlier: ${result.problems.map((p) => p.message).join('; ')}`,
    location: plan.location,
    plan: plan.id,
  }));
  for (const problem of result.problems) {
    problems.push({ ...problem, message: `in later plan "${later.id}": ${problem.message}` });
  }
  return { ok: false, problems };
}
