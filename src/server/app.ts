import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { stringify } from 'yaml';
import { headcountOverTime, stats } from '../core/analytics.ts';
import { type ErrorId, OrgshiftError } from '../core/errors.ts';
import * as queries from '../core/queries.ts';
import { snapshotAt } from '../core/snapshot.ts';
import {
  IMPORT_FILES,
  IMPORT_THREAD_MIN_BYTES,
  type ImportJob,
  importBytes,
  importOnThread,
  runImportJob,
} from '../engine/import-job.ts';
import { busyRefusal, type DraftRow, type OrgEngine } from '../engine/org-engine.ts';
import { ScenarioService } from '../engine/scenarios.ts';
import {
  csvLineage,
  csvPeople,
  csvPosts,
  csvUnits,
  exportDot,
  exportJson,
  exportJsonLd,
  exportMermaid,
  exportTurtle,
  jsonObject,
} from '../formats/export.ts';
import { chunked } from '../formats/pieces.ts';
import { parsePlan } from '../formats/plan-file.ts';
import {
  isInvalidFilter,
  SCIM_GROUPS,
  SCIM_USERS,
  scimError,
  scimList,
  scimListOf,
  scimResourceTypes,
  scimSchemas,
  scimServiceProviderConfig,
} from '../formats/scim.ts';

import type { AccessService, Principal } from './access.ts';
import { verifyAuditChain } from './audit.ts';
import { atLeast, randomSecret, sameSecret } from './auth.ts';
import { loadPage } from './page.ts';
import * as S from './schemas.ts';
import { receiveUploads } from './uploads.ts';

/** The one place where error ids become HTTP statuses. */
export const STATUS: Record<ErrorId, 400 | 401 | 403 | 404 | 409 | 422 | 429> = {
  invalid_input: 400,
  usage: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  plan_invalid: 422,
  plan_refused: 422,
  throttled: 429,
};

export const SESSION_COOKIE = 'orgshift_session';

type Env = { Variables: { principal: Principal; requestId: string } };

const SCIM_JSON = { 'Content-Type': 'application/scim+json' };

/** Whether a request is to the SCIM service, whose errors take SCIM's shape (RFC 7644 §3.12). */
function isScim(c: Context<Env>): boolean {
  return c.req.path.startsWith('/scim/');
}

/** An error as SCIM writes it: `invalidFilter` for a filter it does not take. */
function scimErrorOf(error: OrgshiftError) {
  const detail = error.problems.length > 0 ? error.problems.map((p) => p.message).join('; ') : error.message;
  return scimError(STATUS[error.id], detail, isInvalidFilter(error) ? 'invalidFilter' : undefined);
}

function errorBody(error: OrgshiftError) {
  return {
    error: {
      id: error.id,
      message: error.message,
      ...(error.problems.length > 0 ? { details: { problems: error.problems } } : {}),
    },
  };
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const errors = {
  400: json(S.ErrorSchema, 'the request is not valid'),
  401: json(S.ErrorSchema, 'no valid session or token'),
  403: json(S.ErrorSchema, 'the grant does not allow this'),
  404: json(S.ErrorSchema, 'not found (or outside your scope)'),
};
const secured: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const DRAFT_STATES = [
  'draft',
  'proposed',
  'approved',
  'scheduled',
  'applying',
  'applied',
  'withdrawn',
] as const;
type DraftState = (typeof DRAFT_STATES)[number];

export interface AppOptions {
  /** Marks cookies Secure (behind TLS). Default: when the request came over https. */
  secureCookies?: boolean;
  /** The built page's folder (default: dist/web). */
  pageDir?: string;
  /**
   * Imports run on a thread of their own with a connection to the store at `target` (the server's own
   * SQLite file or postgres:// URL), when their files hold at least `minBytes` (default 1 MiB): the
   * server goes on answering while they are read and checked. Without it they run on the server's thread.
   */
  importThread?: { target: string; minBytes?: number };
}

/**
 * A response body made from text in pieces as the client reads it (an export may be gigabytes): about
 * 64 KB at a time, and nothing more is made while the client lags.
 */
function textStream(pieces: Iterable<string>): ReadableStream<Uint8Array> {
  const chunks = chunked(pieces)[Symbol.iterator]();
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      chunks.return?.(undefined);
    },
  });
}

/**
 * A JSON body that does not parse is refused before any route reads it, saying where (the routes'
 * validators would say only "malformed"). An empty body is left to the route: some take none. A body
 * that parses is kept as the request's JSON, which the route's validator then reads without parsing again.
 */
async function parsableJson(c: Context<Env>, next: () => Promise<void>): Promise<void> {
  const type = c.req.header('Content-Type');
  if (type !== undefined && /^application\/([a-z-.]+\+)?json/i.test(type)) {
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        c.req.bodyCache.json = Promise.resolve(JSON.parse(text));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const at = /at position (\d+)/.exec(reason);
        const offset = at ? Number(at[1]) : /end of JSON input/.test(reason) ? text.length : undefined;
        const location = offset === undefined ? undefined : locate(text, offset);
        throw new OrgshiftError('invalid_input', 'the request body is not valid JSON', [
          { message: reason, ...(location ? { location } : {}) },
        ]);
      }
    }
  }
  await next();
}

/** Line and column (from 1) of the character at `offset` in the request body. */
function locate(text: string, offset: number): { file: string; line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { file: 'request body', line, col: offset - start + 1 };
}

/** The router's refusal of a request (see `app.onError`) as one of ours. */
function requestRefusal(error: HTTPException): OrgshiftError {
  if (error.status === 415)
    return new OrgshiftError(
      'invalid_input',
      'the request body must be JSON (Content-Type: application/json) on this route',
    );
  if (error.status === 400 && /malformed json/i.test(error.message))
    return new OrgshiftError('invalid_input', 'the request needs a JSON body on this route, and it has none');
  return new OrgshiftError(
    'invalid_input',
    error.message || `the request was refused (HTTP ${error.status})`,
  );
}

/** Files uploaded for an import: at most this many bytes each. */
const MAX_UPLOAD_BYTES = 2 ** 31;

/**
 * The JSON API and the page. Every route but login and the OpenAPI document needs a session
 * cookie or a bearer token; every answer is computed on the organization as the caller may see it.
 */
export function createApp(
  engine: OrgEngine,
  access: AccessService,
  options: AppOptions = {},
): OpenAPIHono<Env> {
  const org = access.org;
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const problems = result.error.issues.map((issue) => ({
          message: `${issue.path.join('.') || 'request'}: ${issue.message}`,
        }));
        const error = new OrgshiftError('invalid_input', 'the request is not valid', problems);
        if (isScim(c)) return c.json(scimErrorOf(error), 400, SCIM_JSON);
        return c.json(errorBody(error), 400);
      }
      return undefined;
    },
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // Referred to by the upload route, which reads its body itself.
  app.openAPIRegistry.register('ImportFiles', S.ImportFiles);

  app.onError((thrown, c) => {
    const error = busyRefusal(thrown) ?? thrown;
    if (error instanceof OrgshiftError) {
      if (isScim(c)) return c.json(scimErrorOf(error), STATUS[error.id], SCIM_JSON);
      return c.json(errorBody(error), STATUS[error.id]);
    }
    // The request refused by the router's own checks (a body of another media type, or none where
    // one is needed): the client's fault, said as our other refusals are.
    if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
      const refusal = requestRefusal(error);
      if (isScim(c)) return c.json(scimError(error.status, refusal.message), error.status, SCIM_JSON);
      return c.json(errorBody(refusal), error.status);
    }
    process.stderr.write(
      `orgshift: internal error (request ${c.get('requestId')}) on ${c.req.method} ${c.req.path}: ${
        error instanceof Error ? (error.stack ?? error.message) : String(error)
      }\n`,
    );
    if (isScim(c))
      return c.json(scimError(500, `internal error (request ${c.get('requestId')})`), 500, SCIM_JSON);
    return c.json(
      { error: { id: 'internal', message: 'internal error', details: { requestId: c.get('requestId') } } },
      500,
    );
  });
  app.notFound((c) => {
    const message = `no route ${c.req.method} ${c.req.path}`;
    if (isScim(c)) return c.json(scimError(404, message), 404, SCIM_JSON);
    return c.json({ error: { id: 'not_found', message } }, 404);
  });

  app.use('*', async (c, next) => {
    const requestId = randomSecret(9);
    c.set('requestId', requestId);
    await next();
    c.header('X-Request-Id', requestId);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  const PUBLIC = new Set(['/api/login', '/api/openapi.json', '/api/health']);
  const authenticate = async (c: Context<Env>, next: () => Promise<void>) => {
    if (PUBLIC.has(c.req.path)) return next();
    const authorization = c.req.header('Authorization');
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    if (authorization !== undefined && bearer === undefined) {
      throw new OrgshiftError('unauthenticated', 'the Authorization header must be "Bearer TOKEN"');
    }
    const principal = await access.authenticate(getCookie(c, SESSION_COOKIE), bearer, c.get('requestId'));
    if (!principal) throw new OrgshiftError('unauthenticated', 'log in or send a bearer token');
    if (principal.via === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      const sent = c.req.header('X-CSRF-Token') ?? '';
      if (!principal.csrf || !sameSecret(sent, principal.csrf)) {
        await access.audit({
          actor: principal.name,
          requestId: c.get('requestId'),
          action: `${c.req.method} ${c.req.path}`,
          outcome: 'denied',
          target: 'csrf',
        });
        throw new OrgshiftError('forbidden', 'missing or wrong X-CSRF-Token header');
      }
    }
    c.set('principal', principal);
    return next();
  };
  app.use('/api/*', authenticate);
  app.use('/scim/*', authenticate);
  app.use('/api/*', parsableJson);

  const today = () => engine.today();
  const view = (c: Context<Env>, knownAt?: string) => access.view(c.get('principal'), knownAt);

  // ---- session --------------------------------------------------------------------------

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/login',
      summary: 'Log in with a user name and password; sets a session cookie',
      request: body(S.LoginInput),
      responses: {
        200: json(S.MeSchema, 'logged in'),
        400: errors[400],
        401: errors[401],
        429: json(S.ErrorSchema, 'too many failed logins'),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const { sessionId, principal } = await access.login(username, password, c.get('requestId'));
      const secure =
        options.secureCookies ??
        (new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto') === 'https');
      setCookie(c, SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'Strict', secure, path: '/' });
      return c.json(me(principal), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/logout',
      summary: 'End the session',
      security: secured,
      responses: { 200: json(S.MeSchema, 'logged out'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const principal = c.get('principal');
      await access.logout(principal, c.get('requestId'));
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.json(me(principal), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      summary: 'Who you are and what your grant allows',
      security: secured,
      responses: { 200: json(S.MeSchema, 'the caller'), 401: errors[401] },
    }),
    (c) => c.json(me(c.get('principal')), 200),
  );

  // ---- queries ------------------------------------------------------------------------

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/tree',
      summary: 'The unit tree as of a date',
      security: secured,
      request: { query: S.TreeQuery },
      responses: { 200: json(S.TreeSchema, 'the tree'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const history = await view(c, q.knownAt);
      const result = queries.tree(history, q.asOf ?? today(), {
        ...(q.unit !== undefined ? { unit: q.unit } : {}),
        ...(q.depth !== undefined ? { depth: Number(q.depth) } : {}),
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/person/{name}',
      summary: 'A person as of a date',
      security: secured,
      request: { params: S.NameParam, query: S.AsOfQuery },
      responses: { 200: json(S.PersonSchema, 'the person'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        queries.person(await view(c, q.knownAt), c.req.valid('param').name, q.asOf ?? today()),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/lineage/{unit}',
      summary: "A unit's lineage",
      security: secured,
      request: { params: S.UnitParam, query: S.KnownAtQuery },
      responses: { 200: json(S.LineageSchema, 'the lineage'), ...errors },
    }),
    async (c) =>
      c.json(queries.lineage(await view(c, c.req.valid('query').knownAt), c.req.valid('param').unit), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/business/{name}',
      summary: "A business's owners over time",
      security: secured,
      request: { params: S.NameParam, query: S.KnownAtQuery },
      responses: { 200: json(S.BusinessSchema, 'the owners'), ...errors },
    }),
    async (c) =>
      c.json(queries.business(await view(c, c.req.valid('query').knownAt), c.req.valid('param').name), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/diff',
      summary: 'What changed between two dates',
      security: secured,
      request: { query: S.DiffQuery },
      responses: { 200: json(S.DiffSchema, 'the changes'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { from, to, changes } = queries.diff(await view(c, q.knownAt), q.from, q.to);
      // Sent in pieces, the text `c.json` would send: a window over an import's first day holds millions
      // of changes, hundreds of megabytes of JSON, more than one string may hold on a larger organization.
      const pieces = jsonObject(
        [
          ['from', { value: from }],
          ['to', { value: to }],
          ['changes', { items: changes }],
        ],
        0,
      );
      return c.body(textStream(pieces), 200, { 'Content-Type': 'application/json' }) as unknown as ReturnType<
        typeof c.json<z.infer<typeof S.DiffSchema>, 200>
      >;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/search',
      summary: 'Units, people and businesses whose names contain the text',
      security: secured,
      request: { query: S.SearchQuery },
      responses: { 200: json(S.SearchSchema, 'matches'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const asOf = q.asOf ?? today();
      const snap = snapshotAt(await view(c), asOf);
      return c.json({ asOf, results: queries.search(snap, q.q, 100) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/plans',
      summary: 'Applied plans, in order of their effective dates',
      security: secured,
      responses: { 200: json(S.AppliedPlansSchema, 'applied plans'), 401: errors[401] },
    }),
    async (c) => {
      const history = await view(c);
      // Titles and announcers are free text that may name units outside a scoped reader's subtree.
      const scoped = c.get('principal').scope !== null;
      const plans = history.plans.map((p) => ({
        id: p.id,
        title: scoped ? p.id : p.title,
        effective: p.effective,
        announcedBy: scoped ? null : p.announcedBy,
      }));
      return c.json({ plans }, 200);
    },
  );

  // ---- drafts -------------------------------------------------------------------------

  const orgId = async () => (await engine.store.ensureOrg(org, engine.now())).id;
  const userNames = new Map<number, string>();
  const userName = async (id: number) => {
    if (!userNames.has(id)) userNames.set(id, (await access.store.userById(id))?.name ?? `#${id}`);
    return userNames.get(id)!;
  };
  const draftJson = async (row: DraftRow) => ({
    id: row.plan_id,
    state: row.state as DraftState,
    title: row.title,
    effective: row.effective,
    author: await userName(row.author_id),
    collaborators: JSON.parse(row.collaborators) as string[],
    file: row.file,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  const isCollaborator = (row: DraftRow, p: Principal) =>
    row.author_id === p.userId || (JSON.parse(row.collaborators) as string[]).includes(p.name);
  /** Plans are confidential until applied: only their author, collaborators, approvers and admins see them. */
  const canSee = (row: DraftRow, p: Principal) =>
    row.state === 'applied' || isCollaborator(row, p) || (atLeast(p.role, 'approver') && p.scope === null);
  const visibleDraft = async (c: Context<Env>, id: string) => {
    const row = await access.store.draft(await orgId(), id);
    if (!row || !canSee(row, c.get('principal'))) throw new OrgshiftError('not_found', `no plan "${id}"`);
    return row;
  };
  const transition = async (
    c: Context<Env>,
    row: DraftRow,
    to: DraftState,
    action: string,
    extra: Partial<DraftRow> = {},
  ) => {
    const ok = await access.store.updateDraft(row.org_id, row.plan_id, row.state, {
      state: to,
      updated_at: engine.now(),
      ...extra,
    });
    if (!ok) throw new OrgshiftError('conflict', `plan "${row.plan_id}" changed meanwhile; reload it`);
    await access.audit({
      actor: c.get('principal').name,
      requestId: c.get('requestId'),
      action,
      outcome: 'success',
      target: row.plan_id,
      before: { state: row.state },
      after: { state: to, ...extra },
    });
    return (await access.store.draft(row.org_id, row.plan_id))!;
  };
  const denied = async (c: Context<Env>, action: string, target: string, error: OrgshiftError) => {
    await access.audit({
      actor: c.get('principal').name,
      requestId: c.get('requestId'),
      action,
      outcome: 'denied',
      target,
      after: { reason: error.message },
    });
    return error;
  };
  const guard = async (c: Context<Env>, action: string, target: string, check: () => void) => {
    try {
      check();
    } catch (error) {
      if (error instanceof OrgshiftError) throw await denied(c, action, target, error);
      throw error;
    }
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/drafts',
      summary: 'Plans not yet applied that you may see, with their states',
      security: secured,
      responses: { 200: json(S.DraftListSchema, 'drafts'), 401: errors[401] },
    }),
    async (c) => {
      const rows = (await access.store.drafts(await orgId())).filter((row) =>
        canSee(row, c.get('principal')),
      );
      return c.json({ drafts: await Promise.all(rows.map(draftJson)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/drafts',
      summary: 'Create a plan from YAML or JSON (planner)',
      security: secured,
      request: body(S.DraftInput),
      responses: {
        201: json(S.DraftSchema, 'created'),
        422: json(S.ErrorSchema, 'the plan has problems'),
        409: json(S.ErrorSchema, 'a plan with that id exists'),
        ...errors,
      },
    }),
    async (c) => {
      const principal = c.get('principal');
      await guard(c, 'plan.create', '', () => {
        access.requireRole(principal, 'planner');
        access.requireUnscoped(principal);
      });
      const input = c.req.valid('json');
      const source = input.source ?? stringify(input.plan);
      const file = input.file ?? (input.source !== undefined ? 'plan.yaml' : 'plan.json.yaml');
      const plan = parsePlan(source, file);
      const id = await orgId();
      if (
        (await access.store.draft(id, plan.id)) ||
        (await engine.plans(org)).some((p) => p.id === plan.id)
      ) {
        throw new OrgshiftError('conflict', `a plan "${plan.id}" exists already`);
      }
      const now = engine.now();
      const row: DraftRow = {
        org_id: id,
        plan_id: plan.id,
        state: 'draft',
        author_id: principal.userId,
        collaborators: JSON.stringify(input.collaborators ?? []),
        title: plan.title,
        effective: plan.effective,
        file,
        source,
        created_at: now,
        updated_at: now,
      };
      await access.store.insertDraft(row);
      await access.audit({
        actor: principal.name,
        requestId: c.get('requestId'),
        action: 'plan.create',
        outcome: 'success',
        target: plan.id,
        after: { state: 'draft', title: plan.title },
      });
      return c.json(await draftJson(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/drafts/{id}',
      summary: 'One plan not yet applied',
      security: secured,
      request: { params: S.IdParam },
      responses: { 200: json(S.DraftSchema, 'the plan'), ...errors },
    }),
    async (c) => c.json(await draftJson(await visibleDraft(c, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/drafts/{id}',
      summary: 'Edit a draft (its author or a collaborator)',
      security: secured,
      request: { params: S.IdParam, ...body(S.DraftUpdate) },
      responses: {
        200: json(S.DraftSchema, 'updated'),
        409: json(S.ErrorSchema, 'not a draft'),
        422: json(S.ErrorSchema, 'the plan has problems'),
        ...errors,
      },
    }),
    async (c) => {
      const row = await visibleDraft(c, c.req.valid('param').id);
      const principal = c.get('principal');
      await guard(c, 'plan.edit', row.plan_id, () => {
        access.requireRole(principal, 'planner');
        if (!isCollaborator(row, principal))
          throw new OrgshiftError('forbidden', 'only the author and collaborators edit a draft');
      });
      if (row.state !== 'draft')
        throw new OrgshiftError(
          'conflict',
          `plan "${row.plan_id}" is ${row.state}; only a draft can be edited`,
        );
      const { source } = c.req.valid('json');
      const plan = parsePlan(source, row.file);
      if (plan.id !== row.plan_id)
        throw new OrgshiftError('invalid_input', `the plan's id must stay "${row.plan_id}"`);
      const updated = await transition(c, row, 'draft', 'plan.edit', {
        source,
        title: plan.title,
        effective: plan.effective,
      });
      return c.json(await draftJson(updated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/drafts/{id}/check',
      summary: 'Check a plan against the organization',
      security: secured,
      request: { params: S.IdParam },
      responses: { 200: json(S.CheckSchema, 'the result'), ...errors },
    }),
    async (c) => {
      const row = await visibleDraft(c, c.req.valid('param').id);
      const result = await engine.check(org, [parsePlan(row.source, row.file)]);
      return c.json({ ok: result.ok, problems: result.ok ? [] : result.problems }, 200);
    },
  );

  const step = (
    path: string,
    summary: string,
    action: string,
    from: readonly DraftState[],
    to: DraftState,
    allowed: (row: DraftRow, p: Principal) => boolean,
  ) =>
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/drafts/{id}/${path}`,
        summary,
        security: secured,
        request: { params: S.IdParam },
        responses: {
          200: json(S.DraftSchema, 'the plan'),
          409: json(S.ErrorSchema, 'not in a state that allows this'),
          422: json(S.ErrorSchema, 'refused'),
          ...errors,
        },
      }),
      async (c) => {
        const row = await visibleDraft(c, c.req.valid('param').id);
        const principal = c.get('principal');
        await guard(c, action, row.plan_id, () => {
          if (!allowed(row, principal))
            throw new OrgshiftError('forbidden', `your grant does not allow ${path} on this plan`);
        });
        if (!from.includes(row.state as DraftState)) {
          throw new OrgshiftError(
            'conflict',
            `plan "${row.plan_id}" is ${row.state}; ${path} needs it ${from.join(' or ')}`,
          );
        }
        if (to === 'applied' || (to === 'scheduled' && row.effective <= today())) {
          return c.json(await draftJson(await applyDraft(c, row)), 200);
        }
        return c.json(await draftJson(await transition(c, row, to, action)), 200);
      },
    );

  const approver = (_row: DraftRow, p: Principal) => atLeast(p.role, 'approver') && p.scope === null;
  const author = (row: DraftRow, p: Principal) => atLeast(p.role, 'planner') && isCollaborator(row, p);
  step(
    'propose',
    'Propose a draft for approval (its author or a collaborator)',
    'plan.propose',
    ['draft'],
    'proposed',
    author,
  );
  step('approve', 'Approve a proposed plan (approver)', 'plan.approve', ['proposed'], 'approved', approver);
  step(
    'withdraw',
    'Withdraw a plan (its author, or an approver)',
    'plan.withdraw',
    ['draft', 'proposed', 'approved', 'scheduled'],
    'withdrawn',
    (row, p) => author(row, p) || approver(row, p),
  );
  step('apply', 'Apply an approved plan now (approver)', 'plan.apply', ['approved'], 'applied', approver);
  step(
    'schedule',
    'Apply an approved plan when its effective date comes; at once if it has passed (approver)',
    'plan.schedule',
    ['approved'],
    'scheduled',
    approver,
  );

  async function applyDraft(c: Context<Env>, row: DraftRow): Promise<DraftRow> {
    const plan = parsePlan(row.source, row.file);
    try {
      await engine.apply(org, { plan, source: row.source });
    } catch (error) {
      if (error instanceof OrgshiftError) {
        await access.audit({
          actor: c.get('principal').name,
          requestId: c.get('requestId'),
          action: 'plan.apply',
          outcome: 'failure',
          target: row.plan_id,
          after: { problems: error.problems },
        });
      }
      throw error;
    }
    return transition(c, row, 'applied', 'plan.apply');
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/drafts/{id}/impact',
      summary: 'What a plan would change if applied now',
      security: secured,
      request: { params: S.IdParam },
      responses: {
        200: json(S.ImpactSchema, 'the impact'),
        422: json(S.ErrorSchema, 'the plan would be refused'),
        ...errors,
      },
    }),
    async (c) => {
      const row = await visibleDraft(c, c.req.valid('param').id);
      return c.json(await engine.impact(org, parsePlan(row.source, row.file)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/drafts/{id}/preview',
      summary: "The unit tree on the plan's effective date without and with the plan, and its impact",
      security: secured,
      request: { params: S.IdParam },
      responses: {
        200: json(S.PreviewSchema, 'before, after and impact'),
        422: json(S.ErrorSchema, 'the plan would be refused'),
        ...errors,
      },
    }),
    async (c) => {
      const row = await visibleDraft(c, c.req.valid('param').id);
      const preview = await engine.preview(org, parsePlan(row.source, row.file));
      return c.json(
        {
          date: preview.impact.date,
          before: queries.tree(preview.before, preview.impact.date),
          after: queries.tree(preview.after, preview.impact.date),
          impact: preview.impact,
        },
        200,
      );
    },
  );

  // ---- analytics -----------------------------------------------------------------------

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/stats',
      summary: 'Spans of control, layers, headcount and health flags',
      security: secured,
      request: { query: S.StatsQuery },
      responses: { 200: json(S.StatsSchema, 'the analytics'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const history = await view(c);
      const options = {
        ...(q.maxPosts ? { maxPosts: Number(q.maxPosts) } : {}),
        ...(q.maxChain ? { maxChain: Number(q.maxChain) } : {}),
      };
      return c.json(
        {
          ...stats(history, q.asOf ?? today(), options),
          headcountOverTime: headcountOverTime(
            history,
            q.unit === undefined ? undefined : queries.findRecord(history, 'unit', q.unit),
          ),
        },
        200,
      );
    },
  );

  // ---- scenarios -----------------------------------------------------------------------

  const scenarios = new ScenarioService(engine, org);
  /** Scenarios are plans too: only their creator, approvers and admins (on the whole organization) see them. */
  const scenarioFor = async (c: Context<Env>, name: string) => {
    const p = c.get('principal');
    const found = await scenarios.show(name).catch(() => undefined);
    const mayPlan = atLeast(p.role, 'planner') && p.scope === null;
    if (!found || !mayPlan || (found.createdBy !== p.name && !atLeast(p.role, 'approver'))) {
      throw new OrgshiftError('not_found', `no scenario "${name}"`);
    }
    return found;
  };
  const planner = async (c: Context<Env>, action: string, target: string) =>
    guard(c, action, target, () => {
      access.requireRole(c.get('principal'), 'planner');
      access.requireUnscoped(c.get('principal'));
    });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/scenarios',
      summary: 'Scenarios you may see',
      security: secured,
      responses: {
        200: json(z.object({ scenarios: z.array(S.ScenarioSchema) }), 'scenarios'),
        401: errors[401],
      },
    }),
    async (c) => {
      const p = c.get('principal');
      const mayPlan = atLeast(p.role, 'planner') && p.scope === null;
      const list = mayPlan
        ? (await scenarios.list()).filter((s) => s.createdBy === p.name || atLeast(p.role, 'approver'))
        : [];
      return c.json({ scenarios: list }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/scenarios',
      summary: 'Branch a scenario from the applied history (planner)',
      security: secured,
      request: body(S.ScenarioInput),
      responses: { 201: json(S.ScenarioSchema, 'created'), 409: json(S.ErrorSchema, 'exists'), ...errors },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await planner(c, 'scenario.create', input.name);
      const created = await scenarios.create(input.name, input.date, c.get('principal').name);
      await access.audit({
        actor: c.get('principal').name,
        requestId: c.get('requestId'),
        action: 'scenario.create',
        outcome: 'success',
        target: input.name,
        after: created,
      });
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/scenarios/{name}/plans',
      summary: 'Add a plan (YAML) to a scenario',
      security: secured,
      request: { params: S.ScenarioParam, ...body(S.ScenarioPlanInput) },
      responses: {
        200: json(S.ScenarioSchema, 'the scenario'),
        409: json(S.ErrorSchema, 'conflict'),
        422: json(S.ErrorSchema, 'refused'),
        ...errors,
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      await scenarioFor(c, name);
      await planner(c, 'scenario.add', name);
      const input = c.req.valid('json');
      const result = await scenarios.add(name, { file: input.file ?? 'plan.yaml', source: input.source });
      await access.audit({
        actor: c.get('principal').name,
        requestId: c.get('requestId'),
        action: 'scenario.add',
        outcome: 'success',
        target: name,
        after: { plans: result.plans.map((p) => p.id) },
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/scenarios/{name}/compare/{other}',
      summary: 'Two scenarios side by side',
      security: secured,
      request: { params: S.CompareParam },
      responses: {
        200: json(S.ComparisonSchema, 'the comparison'),
        409: json(S.ErrorSchema, 'a scenario needs a rebase'),
        ...errors,
      },
    }),
    async (c) => {
      const { name, other } = c.req.valid('param');
      await scenarioFor(c, name);
      await scenarioFor(c, other);
      return c.json(await scenarios.compare(name, other), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/scenarios/{name}/rebase',
      summary: 'Move a scenario onto the organization as it is now',
      security: secured,
      request: { params: S.ScenarioParam },
      responses: {
        200: json(S.RebaseSchema, 'rebased, with conflicts listed'),
        409: json(S.ErrorSchema, 'conflict'),
        ...errors,
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      await scenarioFor(c, name);
      await planner(c, 'scenario.rebase', name);
      const result = await scenarios.rebase(name);
      await access.audit({
        actor: c.get('principal').name,
        requestId: c.get('requestId'),
        action: 'scenario.rebase',
        outcome: 'success',
        target: name,
        after: { conflicts: result.conflicts },
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/scenarios/{name}/apply',
      summary: "Apply a scenario's plans, all or nothing (approver)",
      security: secured,
      request: { params: S.ScenarioParam },
      responses: {
        200: json(S.AppliedListSchema, 'applied'),
        409: json(S.ErrorSchema, 'needs a rebase'),
        422: json(S.ErrorSchema, 'refused'),
        ...errors,
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      await scenarioFor(c, name);
      await guard(c, 'scenario.apply', name, () => {
        access.requireRole(c.get('principal'), 'approver');
        access.requireUnscoped(c.get('principal'));
      });
      const applied = await scenarios.apply(name);
      await access.audit({
        actor: c.get('principal').name,
        requestId: c.get('requestId'),
        action: 'scenario.apply',
        outcome: 'success',
        target: name,
        after: { applied: applied.map((a) => a.plan) },
      });
      return c.json({ applied }, 200);
    },
  );

  // ---- imports, exports and SCIM ---------------------------------------------------------

  const importResponses = {
    200: json(S.ImportResultSchema, 'imported'),
    422: json(S.ErrorSchema, 'refused, with every row at fault'),
    ...errors,
  };
  const mayImport = (c: Context<Env>) =>
    guard(c, 'import', '', () => {
      access.requireRole(c.get('principal'), 'approver');
      access.requireUnscoped(c.get('principal'));
    });
  /**
   * Plans the files as dated plans and applies them all (or, with `allowPartial`, the valid rows): on a
   * thread of its own when the server has one for imports and the files are large enough to be worth it.
   */
  const importFiles = async (c: Context<Env>, job: Omit<ImportJob, 'org'>) => {
    const thread = options.importThread;
    const outcome =
      thread && importBytes(job.files) >= (thread.minBytes ?? IMPORT_THREAD_MIN_BYTES)
        ? await importOnThread(
            thread.target,
            { ...job, org },
            { now: engine.now(), around: (work) => engine.store.whileAnotherWrites(work) },
          )
        : await runImportJob(engine, { ...job, org });
    const { read, accepted, rejected, applied, replaced, planned, days } = outcome;
    if (planned && days) {
      return c.json({ read, accepted, rejected, plans: [], replaced, planned, days }, 200);
    }
    const plans = applied.map((a) => a.plan);
    await access.audit({
      actor: c.get('principal').name,
      requestId: c.get('requestId'),
      action: 'import',
      outcome: 'success',
      after: { read, accepted, plans, replaced },
    });
    return c.json({ read, accepted, rejected, plans, replaced }, 200);
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/import',
      summary: 'Import HRIS CSVs (units, people, posts) as dated plans, all or nothing (approver)',
      security: secured,
      request: body(S.ImportInput),
      responses: importResponses,
    }),
    async (c) => {
      await mayImport(c);
      const input = c.req.valid('json');
      const files: ImportJob['files'] = {};
      for (const name of IMPORT_FILES) {
        const given = input[name];
        if (given) files[name] = { file: given.file ?? `${name}.csv`, text: given.text };
      }
      return importFiles(c, {
        files,
        ...(input.root ? { root: input.root } : {}),
        ...(input.inclusiveEnd === true ? { inclusiveEnd: true } : {}),
        allowPartial: input.allowPartial === true,
        replace: input.replace === true,
        dryRun: input.dryRun === true,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/import/files',
      summary:
        'Import HRIS CSV files uploaded as multipart/form-data (units, people, posts, lineage; root, inclusiveEnd, allowPartial, replace, dryRun), all or nothing (approver)',
      security: secured,
      // Documented, not validated here: a validator would read the whole upload into memory first.
      request: {
        body: {
          content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/ImportFiles' } } },
          required: true,
        },
      },
      responses: importResponses,
    }),
    async (c) => {
      await mayImport(c);
      const uploads = await receiveUploads(c.req.raw, {
        files: IMPORT_FILES,
        fields: ['root', 'inclusiveEnd', 'allowPartial', 'replace', 'dryRun'],
        maxFileBytes: MAX_UPLOAD_BYTES,
      });
      try {
        const fields = S.ImportFields.safeParse(Object.fromEntries(uploads.fields));
        if (!fields.success) {
          throw new OrgshiftError(
            'invalid_input',
            'the request is not valid',
            fields.error.issues.map((issue) => ({ message: `${issue.path.join('.')}: ${issue.message}` })),
          );
        }
        const files: ImportJob['files'] = {};
        for (const name of IMPORT_FILES) {
          const upload = uploads.files.get(name);
          if (upload) files[name] = { file: upload.name, path: upload.path };
        }
        return await importFiles(c, {
          files,
          ...(fields.data.root ? { root: fields.data.root } : {}),
          ...(fields.data.inclusiveEnd === 'true' ? { inclusiveEnd: true } : {}),
          allowPartial: fields.data.allowPartial === 'true',
          replace: fields.data.replace === 'true',
          dryRun: fields.data.dryRun === 'true',
        });
      } finally {
        await uploads.remove();
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/export',
      summary: 'The organization in another format (CSV, JSON, W3C ORG Turtle or JSON-LD, Mermaid, DOT)',
      security: secured,
      request: { query: S.ExportQuery },
      responses: {
        200: { description: 'the export, as text', content: { 'text/plain': { schema: z.string() } } },
        ...errors,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const history = await view(c);
      const asOf = q.asOf ?? today();
      const subtree = () => {
        const root = queries.tree(history, asOf, q.unit ? { unit: q.unit } : {}).root;
        if (!root) throw new OrgshiftError('not_found', `no organization on ${asOf}`);
        return root;
      };
      const csvAsOf = q.full === 'true' ? undefined : asOf;
      const ends = { inclusiveEnd: q.inclusiveEnd === 'true' };
      // The route documents text: the body is that text, streamed (typed as `c.text`'s answer).
      const text = (pieces: Iterable<string>, type: string) =>
        c.body(textStream(pieces), 200, { 'Content-Type': type }) as unknown as ReturnType<
          typeof c.text<string, 200>
        >;
      switch (q.format) {
        case 'csv-units':
          return text(csvUnits(history, csvAsOf, ends), 'text/csv; charset=utf-8');
        case 'csv-people':
          return text(csvPeople(history, csvAsOf, ends), 'text/csv; charset=utf-8');
        case 'csv-posts':
          return text(csvPosts(history, csvAsOf, ends), 'text/csv; charset=utf-8');
        case 'csv-lineage':
          return text(csvLineage(history, csvAsOf), 'text/csv; charset=utf-8');
        case 'json':
          return text(exportJson(history), 'application/json');
        case 'turtle':
          return text(exportTurtle(history, asOf), 'text/turtle; charset=utf-8');
        case 'jsonld':
          return text(exportJsonLd(history, asOf), 'application/ld+json');
        case 'mermaid':
          return c.text(exportMermaid(subtree()), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
        case 'dot':
          return c.text(exportDot(subtree()), 200, { 'Content-Type': 'text/vnd.graphviz; charset=utf-8' });
      }
    },
  );

  const scimSnapshot = async (c: Context<Env>, asOf?: string) => snapshotAt(await view(c), asOf ?? today());
  const scimQuery = (q: z.infer<typeof S.ScimQuery>) => ({
    ...(q.filter !== undefined ? { filter: q.filter } : {}),
    ...(q.startIndex !== undefined ? { startIndex: Number(q.startIndex) } : {}),
    ...(q.count !== undefined ? { count: Number(q.count) } : {}),
  });
  // Discovery (RFC 7644 §4): what the service does, its resource types and their schemas.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/scim/v2/ServiceProviderConfig',
      summary: 'SCIM 2.0: what the service supports (reads, eq filters, paging; a bearer token)',
      security: secured,
      responses: { 200: json(S.ScimResourceSchema.partial({ id: true }), 'the configuration'), ...errors },
    }),
    (c) => c.json(scimServiceProviderConfig(), 200, SCIM_JSON),
  );
  const discovery = [
    {
      path: 'ResourceTypes',
      what: 'the resource types served',
      one: 'resource type',
      all: scimResourceTypes,
    },
    { path: 'Schemas', what: 'the schemas of the resources served', one: 'schema', all: scimSchemas },
  ];
  for (const { path, what, one, all } of discovery) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/scim/v2/${path}`,
        summary: `SCIM 2.0: ${what}`,
        security: secured,
        responses: { 200: json(S.ScimListSchema, 'a ListResponse'), ...errors },
      }),
      (c) => c.json(scimListOf(all()), 200, SCIM_JSON),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: `/scim/v2/${path}/{id}`,
        summary: `SCIM 2.0: one of ${what}`,
        security: secured,
        request: { params: S.IdParam },
        responses: { 200: json(S.ScimResourceSchema, 'the resource'), ...errors },
      }),
      (c) => {
        const { id } = c.req.valid('param');
        const found = all().find((r) => r.id === id);
        if (!found) throw new OrgshiftError('not_found', `no ${one} "${id}"`);
        return c.json(found, 200, SCIM_JSON);
      },
    );
  }

  const scimKinds = [
    { path: 'Users', what: 'the people, with their enterprise manager', one: 'user', ...SCIM_USERS },
    { path: 'Groups', what: 'the units, with their members', one: 'group', ...SCIM_GROUPS },
  ];
  for (const kind of scimKinds) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/scim/v2/${kind.path}`,
        summary: `SCIM 2.0 ${kind.path}: ${kind.what}`,
        security: secured,
        request: { query: S.ScimQuery },
        responses: { 200: json(S.ScimListSchema, 'a ListResponse'), ...errors },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const snap = await scimSnapshot(c, q.asOf);
        return c.json(scimList(snap, kind, scimQuery(q)), 200, SCIM_JSON);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: `/scim/v2/${kind.path}/{id}`,
        summary: `One SCIM ${kind.one}`,
        security: secured,
        request: { params: S.IdParam, query: S.AsOfQuery },
        responses: { 200: json(S.ScimResourceSchema, `the ${kind.one}`), ...errors },
      }),
      async (c) => {
        const snap = await scimSnapshot(c, c.req.valid('query').asOf);
        const { id } = c.req.valid('param');
        if (!kind.has(snap, id)) throw new OrgshiftError('not_found', `no ${kind.one} "${id}"`);
        return c.json(kind.make(snap, id), 200, SCIM_JSON);
      },
    );
  }

  // ---- audit ---------------------------------------------------------------------------

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/audit',
      summary: 'The audit log (admin)',
      security: secured,
      responses: { 200: json(S.AuditSchema, 'every row, oldest first'), ...errors },
    }),
    async (c) => {
      await guard(c, 'audit.read', '', () => access.requireRole(c.get('principal'), 'admin'));
      const rows = await access.store.auditRows();
      return c.json(
        {
          intact: verifyAuditChain(rows).length === 0,
          rows: rows.map((r) => ({
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            requestId: r.request_id,
            action: r.action,
            outcome: r.outcome,
            target: r.target,
            before: r.before_state === null ? null : JSON.parse(r.before_state),
            after: r.after_state === null ? null : JSON.parse(r.after_state),
            hash: r.hash,
          })),
        },
        200,
      );
    },
  );

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Orgshift API',
      version: '0.1.0',
      description: 'The organization over time: queries, plans and their approval.',
    },
  });
  app.get('/api/health', (c) => c.json({ ok: true }));
  const page = loadPage(options.pageDir);
  const pageFile = (path: string) => {
    const file = page.get(path);
    if (!file) return undefined;
    return new Response(file.body, {
      headers: {
        'Content-Type': file.type,
        // Built assets carry a content hash in their names; the HTML does not.
        ...(path.startsWith('/assets/') ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {}),
      },
    });
  };
  app.get('/', (c) => pageFile('/index.html') ?? c.notFound());
  app.get('/assets/*', (c) => pageFile(c.req.path) ?? c.notFound());
  return app;
}

function me(p: Principal) {
  return {
    user: p.name,
    role: p.role,
    scope: p.scope,
    confidential: p.confidential || p.role === 'admin',
    ...(p.csrf ? { csrfToken: p.csrf } : {}),
  };
}
