import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BusinessResult,
  DiffResult,
  LineageResult,
  PersonResult,
  TreeResult,
} from '../../src/core/queries.ts';
import { seedExamples } from '../../src/engine/examples.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { createApp } from '../../src/server/app.ts';

interface ErrorBody {
  error: { id: string; message: string; details?: { problems: Array<{ location?: unknown }> } };
}

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

const dir = mkdtempSync(join(tmpdir(), 'orgshift-app-'));
let engine: OrgEngine;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  engine = await OrgEngine.open(join(dir, 'org.db'));
  await seedExamples(engine, 'default');
  app = createApp(engine, 'default');
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the read-only API', () => {
  it('serves the page', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Orgshift</title>');
  });

  it('answers the tree as of a date with the same JSON as the CLI', async () => {
    const res = await app.request('/api/tree?asOf=2022-01-07&unit=Big%20Taobao&depth=1');
    expect(res.status).toBe(200);
    const body = await json<TreeResult>(res);
    expect(body).toEqual(await engine.tree('default', '2022-01-07', { unit: 'Big Taobao', depth: 1 }));
    expect(body.root!.children.map((c) => c.name)).toContain('User Operation Development Center');
  });

  it('answers person, lineage, business, diff and plans', async () => {
    expect(
      (await json<PersonResult>(app.request('/api/person/Dai%20Shan?asOf=2022-01-07'))).manager?.name,
    ).toBe('Zhang Yong');
    const lineage = await json<LineageResult>(app.request('/api/lineage/Tmall%20Business%20Group'));
    expect(lineage.events.some((e) => e.kind === 'merge')).toBe(true);
    expect((await json<BusinessResult>(app.request('/api/business/Tmall'))).owners).toHaveLength(2);
    const diff = await json<DiffResult>(app.request('/api/diff?from=2021-12-31&to=2022-01-07'));
    expect(diff.changes.length).toBeGreaterThan(5);
    expect((await json<{ plans: unknown[] }>(app.request('/api/plans'))).plans).toHaveLength(5);
  });

  it('returns JSON errors with stable ids, never a stack trace', async () => {
    const bad = await app.request('/api/tree?asOf=2022-02-30');
    expect(bad.status).toBe(400);
    expect(await json<ErrorBody>(bad)).toEqual({
      error: { id: 'invalid_input', message: 'asOf: "2022-02-30" is not a calendar day (YYYY-MM-DD)' },
    });
    const missing = await app.request('/api/person/Nobody?asOf=2022-01-07');
    expect(missing.status).toBe(404);
    expect((await json<ErrorBody>(missing)).error.id).toBe('not_found');
    expect((await app.request('/api/nothing')).status).toBe(404);
  });

  it('checks a plan posted as YAML without applying it', async () => {
    const yaml = 'plan: x\ntitle: x\neffective: 2022-02-01\nchanges:\n  - dissolve: { unit: Big Taobao }\n';
    const res = await app.request('/api/plans/check?file=x.yaml', { method: 'POST', body: yaml });
    expect(res.status).toBe(422);
    const body = await json<ErrorBody>(res);
    expect(body.error.id).toBe('plan_refused');
    expect(body.error.details?.problems[0]?.location).toEqual({ file: 'x.yaml', line: 5, col: 23 });
    expect((await engine.plans('default')).map((p) => p.id)).not.toContain('x');
  });
});
