import { z } from '@hono/zod-openapi';
import { EXPORT_FORMATS } from '../formats/export.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      id: z.string().openapi({ example: 'not_found' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar day written YYYY-MM-DD');

export const AsOfQuery = z.object({
  asOf: Day.optional().openapi({ example: '2022-01-07' }),
  knownAt: z.string().datetime({ offset: true }).optional(),
});

export const TreeQuery = AsOfQuery.extend({
  unit: z.string().min(1).optional(),
  depth: z.string().regex(/^\d+$/, 'a whole number').optional(),
});

export const KnownAtQuery = z.object({ knownAt: z.string().datetime({ offset: true }).optional() });

export const DiffQuery = KnownAtQuery.extend({ from: Day, to: Day });

export const SearchQuery = z.object({ q: z.string().min(1).max(200), asOf: Day.optional() });

export const NameParam = z.object({ name: z.string().min(1).max(500) });
export const UnitParam = z.object({ unit: z.string().min(1).max(500) });
export const IdParam = z.object({ id: z.string().min(1).max(200) });

const PersonRef = z.object({ id: z.string(), name: z.string(), unnamed: z.literal(true).optional() });

export interface TreeNodeShape {
  id: string;
  name: string;
  type: string;
  head: { id: string; name: string; level: string | null; unnamed?: true } | null;
  posts: Array<{
    post: string;
    person: { id: string; name: string; unnamed?: true } | null;
    concurrent: boolean;
    inferred: boolean;
  }>;
  status?: string;
  alsoUnder?: Array<{ id: string; name: string }>;
  members: number;
  businesses: string[];
  businessDetails: Array<{ name: string; inferred: boolean }>;
  inferred: boolean;
  children: TreeNodeShape[];
}

export const TreeNodeSchema: z.ZodType<TreeNodeShape> = z
  .lazy(() =>
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      head: PersonRef.extend({ level: z.string().nullable() }).nullable(),
      posts: z.array(
        z.object({
          post: z.string(),
          person: PersonRef.nullable(),
          concurrent: z.boolean(),
          inferred: z.boolean(),
        }),
      ),
      status: z.string().optional(),
      alsoUnder: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
      members: z.number().int(),
      businesses: z.array(z.string()),
      businessDetails: z.array(z.object({ name: z.string(), inferred: z.boolean() })),
      inferred: z.boolean(),
      children: z.array(TreeNodeSchema),
    }),
  )
  .openapi('TreeNode');

export const TreeSchema = z
  .object({
    asOf: Day,
    root: TreeNodeSchema.nullable(),
    dotted: z.array(
      z.object({ person: PersonRef, manager: PersonRef, fromUnit: z.string(), toUnit: z.string() }),
    ),
  })
  .openapi('Tree');

export const PersonSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    unnamed: z.boolean(),
    level: z.string().nullable(),
    title: z.string().nullable(),
    unit: z.string(),
    inferred: z.boolean(),
    posts: z.array(
      z.object({
        unit: z.string(),
        post: z.string(),
        concurrent: z.boolean(),
        inferred: z.boolean(),
        quote: z.string().optional(),
      }),
    ),
    manager: PersonRef.nullable(),
    chain: z.array(z.string()),
    dottedLines: z.array(PersonRef),
    directReports: z.array(
      PersonRef.extend({
        via: z.enum(['solid', 'dotted', 'concurrent post']),
        post: z.string().optional(),
        unit: z.string().optional(),
      }),
    ),
    history: z.array(
      z.object({
        from: Day,
        to: Day.nullable(),
        unit: z.string(),
        level: z.string().nullable(),
        title: z.string().nullable(),
        plan: z.string(),
      }),
    ),
    postHistory: z.array(
      z.object({
        from: Day,
        to: Day.nullable(),
        unit: z.string(),
        post: z.string(),
        concurrent: z.boolean(),
        plan: z.string(),
      }),
    ),
  })
  .openapi('Person');

export const LineageSchema = z
  .object({
    unit: z.string(),
    id: z.string(),
    events: z.array(
      z.object({
        kind: z.enum(['create', 'rename', 'move', 'merge', 'split', 'dissolve', 'replace', 'update']),
        date: Day,
        unit: z.string().optional(),
        from: z.array(z.string()),
        to: z.array(z.string()),
        plan: z.string(),
      }),
    ),
  })
  .openapi('Lineage');

export const BusinessSchema = z
  .object({
    business: z.string(),
    id: z.string(),
    owners: z.array(
      z.object({
        unit: z.string(),
        unitId: z.string(),
        from: Day,
        to: Day.nullable(),
        plan: z.string(),
        inferred: z.boolean(),
      }),
    ),
  })
  .openapi('Business');

export const DiffSchema = z
  .object({
    from: Day,
    to: Day,
    changes: z.array(
      z.object({ kind: z.string(), date: Day, plan: z.string().optional() }).catchall(z.unknown()),
    ),
  })
  .openapi('Diff');

export const SearchSchema = z
  .object({
    asOf: Day,
    results: z.array(
      z.object({
        kind: z.enum(['unit', 'person', 'business']),
        id: z.string(),
        name: z.string(),
        path: z.array(z.string()),
      }),
    ),
  })
  .openapi('SearchResults');

export const AppliedPlansSchema = z
  .object({
    plans: z.array(
      z.object({ id: z.string(), title: z.string(), effective: Day, announcedBy: z.string().nullable() }),
    ),
  })
  .openapi('AppliedPlans');

export const DraftSchema = z
  .object({
    id: z.string(),
    state: z.enum(['draft', 'proposed', 'approved', 'scheduled', 'applying', 'applied', 'withdrawn']),
    title: z.string(),
    effective: Day,
    author: z.string(),
    collaborators: z.array(z.string()),
    file: z.string(),
    source: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Draft');

export const DraftListSchema = z.object({ drafts: z.array(DraftSchema) }).openapi('Drafts');

export const DraftInput = z
  .object({
    source: z.string().min(1).max(1_000_000).optional().openapi({ description: 'the plan as YAML' }),
    plan: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'the plan as JSON, with the keys of the YAML format' }),
    file: z.string().min(1).max(200).optional(),
    collaborators: z.array(z.string().min(1).max(200)).max(50).optional(),
  })
  .refine((v) => (v.source === undefined) !== (v.plan === undefined), {
    message: 'give exactly one of source or plan',
  })
  .openapi('DraftInput');

export const DraftUpdate = z.object({ source: z.string().min(1).max(1_000_000) }).openapi('DraftUpdate');

export const CheckSchema = z
  .object({
    ok: z.boolean(),
    problems: z.array(
      z.object({
        message: z.string(),
        location: z.object({ file: z.string(), line: z.number(), col: z.number() }).optional(),
        operation: z.string().optional(),
        plan: z.string().optional(),
      }),
    ),
  })
  .openapi('CheckResult');

export const LoginInput = z
  .object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) })
  .openapi('LoginInput');

export const MeSchema = z
  .object({
    user: z.string(),
    role: z.enum(['viewer', 'planner', 'approver', 'admin']),
    scope: z.string().nullable(),
    confidential: z.boolean(),
    csrfToken: z.string().optional(),
  })
  .openapi('Me');

export const AuditSchema = z
  .object({
    rows: z.array(
      z.object({
        seq: z.number(),
        at: z.string(),
        actor: z.string(),
        requestId: z.string(),
        action: z.string(),
        outcome: z.string(),
        target: z.string().nullable(),
        before: z.unknown(),
        after: z.unknown(),
        hash: z.string(),
      }),
    ),
    intact: z.boolean(),
  })
  .openapi('AuditLog');

const Change = z.object({ kind: z.string(), date: Day }).catchall(z.unknown());

export const ImpactSchema = z
  .object({
    date: Day,
    managerChanges: z.array(
      z.object({ person: z.string(), from: z.string().nullable(), to: z.string().nullable() }),
    ),
    chainChanges: z.array(z.object({ person: z.string(), before: z.number(), after: z.number() })),
    unitChanges: z.array(Change),
    spans: z.array(z.object({ person: z.string(), before: z.number(), after: z.number() })),
    layers: z.object({ before: z.number(), after: z.number() }),
    headcount: z.array(z.object({ unit: z.string(), before: z.number(), after: z.number() })),
    businesses: z.array(
      z.object({ business: z.string(), from: z.string().nullable(), to: z.string().nullable() }),
    ),
    posts: z.array(
      z.object({
        unit: z.string(),
        post: z.string(),
        from: z.string().nullable(),
        to: z.string().nullable(),
      }),
    ),
    withoutHead: z.array(z.object({ person: z.string(), unit: z.string() })),
  })
  .openapi('Impact');

export const PreviewSchema = z
  .object({ date: Day, before: TreeSchema, after: TreeSchema, impact: ImpactSchema })
  .openapi('Preview');

export const StatsQuery = z.object({
  asOf: Day.optional(),
  unit: z.string().min(1).max(500).optional().openapi({ description: 'headcount over time for this unit' }),
  maxPosts: z.string().regex(/^\d+$/).optional(),
  maxChain: z.string().regex(/^\d+$/).optional(),
});

export const StatsSchema = z
  .object({
    asOf: Day,
    people: z.number(),
    units: z.number(),
    layers: z.number(),
    spanDistribution: z.array(z.object({ span: z.number(), managers: z.number() })),
    layerDistribution: z.array(z.object({ layer: z.number(), people: z.number() })),
    headcount: z.array(
      z.object({ unit: z.string(), path: z.array(z.string()), direct: z.number(), total: z.number() }),
    ),
    headcountOverTime: z.array(z.object({ date: Day, headcount: z.number() })),
    flags: z.object({
      unitsWithoutHead: z.array(z.string()),
      managersWithOneReport: z.array(z.string()),
      unitsWithOneChild: z.array(z.string()),
      manyPosts: z.array(z.object({ person: z.string(), posts: z.number() })),
      longChains: z.array(z.object({ person: z.string(), length: z.number() })),
    }),
  })
  .openapi('Stats');

export const ScenarioSchema = z
  .object({
    name: z.string(),
    date: Day,
    state: z.string(),
    createdBy: z.string(),
    stale: z.boolean(),
    plans: z.array(z.object({ id: z.string(), title: z.string(), effective: Day, file: z.string() })),
  })
  .openapi('Scenario');

export const ScenarioInput = z
  .object({ name: z.string().min(1).max(100), date: Day })
  .openapi('ScenarioInput');
export const ScenarioPlanInput = z
  .object({ source: z.string().min(1).max(1_000_000), file: z.string().min(1).max(200).optional() })
  .openapi('ScenarioPlanInput');
export const ScenarioParam = z.object({ name: z.string().min(1).max(100) });
export const CompareParam = z.object({ name: z.string().min(1).max(100), other: z.string().min(1).max(100) });

export const ComparisonSchema = z
  .object({
    date: Day,
    first: z.string(),
    second: z.string(),
    changes: z.array(Change),
    impacts: z.record(z.string(), ImpactSchema),
  })
  .openapi('ScenarioComparison');

export const RebaseSchema = z
  .object({
    scenario: ScenarioSchema,
    conflicts: z.array(
      z.object({
        plan: z.string(),
        operation: z.string(),
        location: z.object({ file: z.string(), line: z.number(), col: z.number() }).optional(),
        reason: z.string(),
      }),
    ),
  })
  .openapi('RebaseResult');

export const AppliedListSchema = z
  .object({
    applied: z.array(
      z.object({ plan: z.string(), title: z.string(), effective: Day, seq: z.number(), version: z.number() }),
    ),
  })
  .openapi('AppliedList');

const CsvFile = z.object({ file: z.string().min(1).max(200).optional(), text: z.string().max(50_000_000) });

export const ImportInput = z
  .object({
    units: CsvFile.optional(),
    people: CsvFile.optional(),
    posts: CsvFile.optional(),
    lineage: CsvFile.optional(),
    root: z.string().min(1).max(200).optional(),
    /** `valid_to` is a period's last day (SAP's ENDDA); by default the day after it. */
    inclusiveEnd: z.boolean().optional(),
    allowPartial: z.boolean().optional(),
    /** The files replace what earlier imports brought in (corrections, rows removed), as of now. */
    replace: z.boolean().optional(),
    /** Check the import and say what it would change, storing nothing. */
    dryRun: z.boolean().optional(),
  })
  .openapi('ImportInput');

/** A CSV file uploaded as one part of a multipart/form-data body. */
const CsvUpload = z.instanceof(File).openapi({ type: 'string', format: 'binary' });

export const ImportFiles = z
  .object({
    units: CsvUpload.optional(),
    people: CsvUpload.optional(),
    posts: CsvUpload.optional(),
    lineage: CsvUpload.optional(),
    root: z.string().min(1).max(200).optional(),
    inclusiveEnd: z.enum(['true', 'false']).optional(),
    allowPartial: z.enum(['true', 'false']).optional(),
    replace: z.enum(['true', 'false']).optional(),
    dryRun: z.enum(['true', 'false']).optional(),
  })
  .openapi('ImportFiles');

/** The plain fields of an import's upload (the files are streamed to disk, not validated as a schema). */
export const ImportFields = ImportFiles.pick({
  root: true,
  inclusiveEnd: true,
  allowPartial: true,
  replace: true,
  dryRun: true,
});

export const ImportResultSchema = z
  .object({
    read: z.number(),
    accepted: z.number(),
    rejected: z.array(
      z.object({
        message: z.string(),
        location: z.object({ file: z.string(), line: z.number(), col: z.number() }).optional(),
      }),
    ),
    plans: z.array(z.string()),
    /** Plans of earlier imports these took the place of (kept on record as replaced). */
    replaced: z.array(z.string()),
    /** With dryRun: the plans that would be applied, and each day's changes in and out. */
    planned: z.array(z.string()).optional(),
    days: z.array(z.object({ effective: z.string(), added: z.number(), removed: z.number() })).optional(),
  })
  .openapi('ImportResult');

export const ExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS),
  asOf: Day.optional(),
  unit: z.string().min(1).optional(),
  full: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'CSV: every period instead of those true on asOf' }),
  inclusiveEnd: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: "CSV: valid_to as a period's last day (as the import's inclusiveEnd reads it)" }),
});

export const ScimQuery = z.object({
  filter: z.string().max(500).optional(),
  startIndex: z.string().regex(/^\d+$/).optional(),
  count: z.string().regex(/^\d+$/).optional(),
  asOf: Day.optional(),
});

export const ScimResourceSchema = z
  .object({ id: z.string(), schemas: z.array(z.string()) })
  .catchall(z.unknown())
  .openapi('ScimResource');

export const ScimListSchema = z
  .object({
    schemas: z.array(z.string()),
    totalResults: z.number(),
    startIndex: z.number(),
    itemsPerPage: z.number(),
    Resources: z.array(ScimResourceSchema),
  })
  .openapi('ScimListResponse');
