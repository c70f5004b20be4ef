/**
 * One schema for every SQL engine. Every table is keyed by organization id first, so a
 * distributed engine can shard by it. Facts are bitemporal: `valid_from`/`valid_to` are
 * calendar days (text, half-open), `recorded_at`/`superseded_at` are UTC timestamps (text)
 * saying when Orgshift learned and unlearned the row. Current knowledge has `superseded_at` null.
 */
export interface Database {
  orgs: OrgsTable;
  plans: PlansTable;
  /** Added by 0007: a plan's text after its first part (`plan-parts.ts`), part 1 on. */
  plan_parts: PlanPartsTable;
  units: EntityTable & { unit_id: string };
  unit_versions: FactColumns &
    ValidColumns & {
      unit_id: string;
      name: string;
      type: string;
      parent_id: string | null;
      /** Added by 0004: null when the unit has no status. */
      status: string | null;
      /** Added by 0004: a JSON list of further parents, null when none. */
      also_under: string | null;
    };
  people: EntityTable & { person_id: string; unnamed: number };
  person_versions: FactColumns &
    ValidColumns & {
      person_id: string;
      name: string;
      level: string | null;
      title: string | null;
      unit_id: string;
    };
  businesses: EntityTable & { business_id: string };
  business_versions: FactColumns & ValidColumns & { business_id: string; name: string; unit_id: string };
  posts: FactColumns &
    ValidColumns & { unit_id: string; post: string; holder_id: string | null; concurrent: number };
  report_lines: FactColumns & ValidColumns & { person_id: string; manager_id: string; kind: string };
  users: { id: number; name: string; password_hash: string | null; created_at: string };
  grants: { user_id: number; org_id: number; role: string; scope_unit: string | null; confidential: number };
  sessions: { id_hash: string; user_id: number; csrf: string; created_at: string; last_seen_at: string };
  api_tokens: { id: string; user_id: number; secret_hash: string; created_at: string };
  login_failures: { name: string; at: string };
  audit_log: AuditRow;
  drafts: DraftRow;
  scenarios: ScenarioRow;
  lineage_events: FactColumns & {
    event_date: string;
    ordinal: number;
    kind: string;
    unit_id: string | null;
    from_ids: string;
    to_ids: string;
    from_names: string;
    to_names: string;
    plan_id: string;
    inferred: number;
    quote: string | null;
  };
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  request_id: string;
  action: string;
  outcome: string;
  org_id: number | null;
  target: string | null;
  before_state: string | null;
  after_state: string | null;
  prev_hash: string;
  hash: string;
}

export interface DraftRow {
  org_id: number;
  plan_id: string;
  state: string;
  author_id: number;
  collaborators: string;
  title: string;
  effective: string;
  file: string;
  source: string;
  created_at: string;
  updated_at: string;
}

export interface ScenarioRow {
  org_id: number;
  name: string;
  /** The day on which the scenario's organization is compared. */
  date: string;
  state: string;
  /** Ids of the applied plans the scenario was branched from (or last rebased onto), as JSON. */
  base_plans: string;
  /** The scenario's plans as JSON `[{file, source}]`, in order. */
  plans: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface OrgsTable {
  id: number;
  name: string;
  version: number;
  created_at: string;
}

export interface PlansTable {
  org_id: number;
  plan_id: string;
  seq: number;
  title: string;
  effective: string;
  announced_by: string | null;
  file: string;
  /** The text's first part (`plan-parts.ts`); the rest in `plan_parts`. */
  source: string;
  recorded_at: string;
  /** When a later import replaced the plan (`OrgStore.commit`'s `replaces`); null while it applies. */
  replaced_at: string | null;
}

export interface PlanPartsTable {
  org_id: number;
  plan_id: string;
  /** 1 for the text's second part (the first is `plans.source`), and so on. */
  part: number;
  text: string;
}

export interface FactColumns {
  org_id: number;
  /** A hash of the row's content: the same fact recorded twice has the same key. */
  fact_key: string;
  recorded_at: string;
  superseded_at: string | null;
}

export interface ValidColumns {
  valid_from: string;
  valid_to: string | null;
  plan_id: string;
  inferred: number;
  quote: string | null;
}

export interface EntityTable extends FactColumns {
  aliases: string;
}

export type FactTable =
  | 'units'
  | 'unit_versions'
  | 'people'
  | 'person_versions'
  | 'businesses'
  | 'business_versions'
  | 'posts'
  | 'report_lines'
  | 'lineage_events';

export const FACT_TABLES: readonly FactTable[] = [
  'units',
  'unit_versions',
  'people',
  'person_versions',
  'businesses',
  'business_versions',
  'posts',
  'report_lines',
  'lineage_events',
];
