import { Hono } from 'hono';
import { OrgshiftError } from '../core/errors.ts';
import { parseDay } from '../core/time.ts';
import type { OrgEngine } from '../engine/org-engine.ts';
import { parsePlan } from '../formats/plan-file.ts';
import { PAGE_HTML } from './page.ts';

const STATUS: Record<OrgshiftError['id'], 400 | 404 | 409 | 422> = {
  invalid_input: 400,
  usage: 400,
  plan_invalid: 422,
  plan_refused: 422,
  not_found: 404,
  conflict: 409,
};

function dayParam(value: string | undefined, name: string, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  const parsed = parseDay(value);
  if (parsed === null)
    throw new OrgshiftError('invalid_input', `${name}: "${value}" is not a calendar day (YYYY-MM-DD)`);
  return parsed;
}

/**
 * The read-only JSON API and the page. Applying plans over HTTP waits for authentication
 * (see the HTTP API issue); until then the server can only read and check.
 */
export function createApp(engine: OrgEngine, org: string): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof OrgshiftError) {
      return c.json(
        {
          error: {
            id: error.id,
            message: error.message,
            ...(error.problems.length > 0 ? { details: { problems: error.problems } } : {}),
          },
        },
        STATUS[error.id],
      );
    }
    return c.json({ error: { id: 'internal', message: 'internal error' } }, 500);
  });
  app.notFound((c) =>
    c.json({ error: { id: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.get('/', (c) => c.html(PAGE_HTML));
  app.get('/api/health', (c) => c.json({ ok: true }));
  app.get('/api/plans', async (c) => c.json({ plans: await engine.plans(org) }));
  app.get('/api/tree', async (c) => {
    const asOf = dayParam(c.req.query('asOf'), 'asOf', engine.today());
    const unit = c.req.query('unit');
    const depthText = c.req.query('depth');
    if (depthText !== undefined && !/^\d+$/.test(depthText)) {
      throw new OrgshiftError('invalid_input', `depth: "${depthText}" is not a whole number`);
    }
    return c.json(
      await engine.tree(org, asOf, {
        ...(unit ? { unit } : {}),
        ...(depthText !== undefined ? { depth: Number(depthText) } : {}),
      }),
    );
  });
  app.get('/api/person/:name', async (c) => {
    const asOf = dayParam(c.req.query('asOf'), 'asOf', engine.today());
    return c.json(await engine.person(org, c.req.param('name'), asOf));
  });
  app.get('/api/lineage/:unit', async (c) => c.json(await engine.lineage(org, c.req.param('unit'))));
  app.get('/api/business/:name', async (c) => c.json(await engine.business(org, c.req.param('name'))));
  app.get('/api/diff', async (c) => {
    const from = dayParam(c.req.query('from'), 'from', '');
    const to = dayParam(c.req.query('to'), 'to', '');
    if (from === '' || to === '')
      throw new OrgshiftError('invalid_input', 'diff needs from and to (YYYY-MM-DD)');
    return c.json(await engine.diff(org, from, to));
  });
  app.post('/api/plans/check', async (c) => {
    const source = await c.req.text();
    const plan = parsePlan(source, c.req.query('file') ?? 'plan.yaml');
    const result = await engine.check(org, [plan]);
    if (!result.ok)
      throw new OrgshiftError('plan_refused', `plan "${plan.id}" would be refused`, result.problems);
    return c.json({ ok: true, plan: plan.id, effective: plan.effective, changes: plan.changes.length });
  });
  return app;
}
