import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonResult, TreeResult } from '../../src/core/queries.ts';
import { verifyAuditChain } from '../../src/server/audit.ts';
import { LOGIN_MAX_FAILURES, SESSION_IDLE_MS, SESSION_TOUCH_MS } from '../../src/server/auth.ts';
import { applyDuePlans } from '../../src/server/scheduler.ts';
import { type Fixture, fixture, PASSWORD } from './fixture.ts';

interface ErrorBody {
  error: {
    id: string;
    message: string;
    details?: { problems: Array<{ location?: unknown; message: string }> };
  };
}

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => {
  await f.close();
});

describe('authentication', () => {
  it('refuses every route of the OpenAPI document without credentials', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      f.request('/api/openapi.json'),
    );
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => [m.toUpperCase(), path] as const),
    );
    expect(routes.length).toBeGreaterThan(15);
    for (const [method, path] of routes) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      const res = await f.request(concrete, {
        method,
        ...(method === 'GET'
          ? {}
          : {
              body: JSON.stringify(
                path === '/api/login' ? { username: 'nobody', password: 'wrong password' } : {},
              ),
            }),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      // SCIM's routes answer in SCIM's error shape (RFC 7644 §3.12).
      if (path.startsWith('/scim/'))
        expect(await json(res), `${method} ${path}`).toMatchObject({
          status: '401',
          detail: 'log in or send a bearer token',
        });
      else expect((await json<ErrorBody>(res)).error.id, `${method} ${path}`).toBe('unauthenticated');
    }
  });

  it('refuses a forged or malformed token', async () => {
    const forged = `${f.tokens.viewer!.slice(0, -4)}AAAA`;
    expect((await f.request('/api/tree', { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(
      401,
    );
    expect((await f.request('/api/tree', { headers: { Authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('logs in with a session cookie (HttpOnly, SameSite) and needs the CSRF token for changes', async () => {
    const res = await f.request('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'planner', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/orgshift_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const me = await json<{ user: string; csrfToken: string }>(res);
    expect(me.user).toBe('planner');
    const session = cookie.split(';')[0]!;
    expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(200);
    const source =
      'plan: csrf-test\ntitle: t\neffective: 2023-01-01\nchanges:\n  - promote: { person: Wang Lei, level: M8 }\n';
    const without = await f.request('/api/drafts', {
      method: 'POST',
      headers: { Cookie: session },
      body: JSON.stringify({ source }),
    });
    expect(without.status).toBe(403);
    const withToken = await f.request('/api/drafts', {
      method: 'POST',
      headers: { Cookie: session, 'X-CSRF-Token': me.csrfToken },
      body: JSON.stringify({ source }),
    });
    expect(withToken.status).toBe(201);
    const logout = await f.request('/api/logout', {
      method: 'POST',
      headers: { Cookie: session, 'X-CSRF-Token': me.csrfToken },
    });
    expect(logout.status).toBe(200);
    expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(401);
  });

  it('ends an idle session', async () => {
    const res = await f.request('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'viewer', password: PASSWORD }),
    });
    const session = res.headers.get('set-cookie')!.split(';')[0]!;
    f.clock.advance(SESSION_IDLE_MS - 1000);
    expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(200);
    f.clock.advance(SESSION_IDLE_MS + 1000);
    expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(401);
  });

  it('while another process holds the store for writing (an import), serves a session without waiting, and refuses a write as busy', async () => {
    const res = await f.request('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'viewer', password: PASSWORD }),
    });
    const session = res.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = await json<{ csrfToken: string }>(res);
    const lastSeen = () =>
      f.engine.store.db.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow();
    const importer = new BetterSqlite3(f.path);
    try {
      importer.exec('begin immediate');
      // Long enough since the login for its last use to be written, if the store were free.
      f.clock.advance(SESSION_TOUCH_MS + 1000);
      const before = (await lastSeen()).last_seen_at;
      expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(200);
      expect((await lastSeen()).last_seen_at).toBe(before);
      // A write waits as long as SQLite waits (5 s), then is refused as a conflict to try again.
      const logout = await f.request('/api/logout', {
        method: 'POST',
        headers: { Cookie: session, 'X-CSRF-Token': csrfToken },
      });
      expect(logout.status).toBe(409);
      expect((await json<ErrorBody>(logout)).error.message).toBe(
        'the store is busy: another process is writing to it (an import, perhaps); try again when it is done',
      );
      importer.exec('rollback');
      // The store free again: the next request writes the last use, and the session is still there.
      expect((await f.request('/api/me', { headers: { Cookie: session } })).status).toBe(200);
      expect((await lastSeen()).last_seen_at).toBe(f.clock.read().toISOString());
    } finally {
      importer.close();
    }
  }, 30_000);

  it('throttles logins after repeated failures, even with the right password', async () => {
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const res = await f.request('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'hr', password: 'wrong password' }),
      });
      expect(res.status).toBe(401);
    }
    const res = await f.request('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'hr', password: PASSWORD }),
    });
    expect(res.status).toBe(429);
    f.clock.advance(16 * 60 * 1000);
    expect(
      (
        await f.request('/api/login', {
          method: 'POST',
          body: JSON.stringify({ username: 'hr', password: PASSWORD }),
        })
      ).status,
    ).toBe(200);
  });

  it('refuses weak and common passwords', async () => {
    await expect(f.access.addUser('weak', 'short', 'viewer', null, false, 'test')).rejects.toThrow(
      /at least 8/,
    );
    await expect(f.access.addUser('common', 'password123', 'viewer', null, false, 'test')).rejects.toThrow(
      /most common/,
    );
    await expect(f.access.addUser('long', 'x'.repeat(200), 'viewer', null, false, 'test')).rejects.toThrow(
      /at most/,
    );
    await f.access.addUser(
      'passphrase',
      `${'a'.repeat(64)} with spaces and ünïcode`,
      'viewer',
      null,
      false,
      'test',
    );
  });
});

describe('authorization', () => {
  it('a viewer token reads but cannot create or apply plans', async () => {
    expect((await f.request('/api/tree?asOf=2022-01-07', { as: 'viewer' })).status).toBe(200);
    const source =
      'plan: viewer-try\ntitle: t\neffective: 2023-01-01\nchanges:\n  - promote: { person: Wang Lei, level: M8 }\n';
    const res = await f.request('/api/drafts', {
      method: 'POST',
      as: 'viewer',
      body: JSON.stringify({ source }),
    });
    expect(res.status).toBe(403);
    expect((await json<ErrorBody>(res)).error.id).toBe('forbidden');
  });

  it('hides levels from readers without the confidential grant', async () => {
    const plain = await json<PersonResult>(
      f.request('/api/person/Wang%20Lei?asOf=2021-01-01', { as: 'viewer' }),
    );
    expect(plain.level).toBeNull();
    expect(plain.history.every((h) => h.level === null)).toBe(true);
    const hr = await json<PersonResult>(f.request('/api/person/Wang%20Lei?asOf=2021-01-01', { as: 'hr' }));
    expect(hr.level).toBe('M7');
    const tree = JSON.stringify(
      await json<TreeResult>(f.request('/api/tree?asOf=2021-01-01', { as: 'viewer' })),
    );
    expect(tree).not.toContain('M7');
  });

  it('a viewer scoped to Big Taobao sees nothing outside it, by any route', async () => {
    const tree = await json<TreeResult>(f.request('/api/tree?asOf=2022-01-07', { as: 'taobao' }));
    expect(tree.root?.name).toBe('Big Taobao');
    expect((await f.request('/api/tree?asOf=2022-01-07&unit=Alibaba%20Group', { as: 'taobao' })).status).toBe(
      404,
    );
    expect((await f.request('/api/person/Zhang%20Yong?asOf=2022-01-07', { as: 'taobao' })).status).toBe(404);
    const dai = await json<PersonResult>(
      f.request('/api/person/Dai%20Shan?asOf=2022-01-07', { as: 'taobao' }),
    );
    expect(dai.manager).toBeNull();
    expect(dai.chain).toEqual([]);
    expect(JSON.stringify(dai)).not.toContain('China Digital Commerce');
    expect((await f.request('/api/lineage/China%20Digital%20Commerce', { as: 'taobao' })).status).toBe(404);
    expect((await f.request('/api/business/Koubei', { as: 'taobao' })).status).toBe(404);
    const diff = JSON.stringify(
      await json(f.request('/api/diff?from=2019-01-01&to=2023-01-01', { as: 'taobao' })),
    );
    for (const outside of ['Alibaba Group', 'Zhang Yong', 'China Digital Commerce', 'Koubei', 'Wang Lei'])
      expect(diff).not.toContain(outside);
    expect(diff).toContain('User Operation Development Center');
    const search = JSON.stringify(await json(f.request('/api/search?q=a&asOf=2022-01-07', { as: 'taobao' })));
    expect(search).not.toContain('Alibaba Group');
    expect(search).toContain('Alimama');
    const plans = JSON.stringify(await json(f.request('/api/plans', { as: 'taobao' })));
    expect(plans).not.toContain('local-life-regroup');
  });

  it('a change of grant takes effect on the very next request', async () => {
    await f.access.setGrant('viewer', 'viewer', 'Alimama', false, 'test');
    expect(
      (await json<TreeResult>(f.request('/api/tree?asOf=2022-01-07', { as: 'viewer' }))).root?.name,
    ).toBe('Alimama');
    await f.access.setGrant('viewer', 'viewer', null, false, 'test');
    expect(
      (await json<TreeResult>(f.request('/api/tree?asOf=2022-01-07', { as: 'viewer' }))).root?.name,
    ).toBe('Alibaba Group');
  });
});

describe('plans through the API', () => {
  const SOURCE =
    'plan: promote-wang\ntitle: Promote Wang Lei\neffective: 2023-01-01\nchanges:\n  - promote: { person: Wang Lei, level: M8 }\n';

  it('draft → proposed → approved → applied, each step by the roles allowed, invisible to a viewer until applied', async () => {
    const created = await f.request('/api/drafts', {
      method: 'POST',
      as: 'planner',
      body: JSON.stringify({ source: SOURCE, file: 'promote.yaml' }),
    });
    expect(created.status).toBe(201);
    expect((await json<{ drafts: unknown[] }>(f.request('/api/drafts', { as: 'viewer' }))).drafts).toEqual(
      [],
    );
    expect((await f.request('/api/drafts/promote-wang', { as: 'viewer' })).status).toBe(404);
    expect((await f.request('/api/drafts/promote-wang', { as: 'taobao-planner' })).status).toBe(404);
    expect((await f.request('/api/drafts/promote-wang', { as: 'approver' })).status).toBe(200);
    const check = await json<{ ok: boolean }>(
      f.request('/api/drafts/promote-wang/check', { method: 'POST', as: 'planner' }),
    );
    expect(check.ok).toBe(true);
    expect(
      (await f.request('/api/drafts/promote-wang/approve', { method: 'POST', as: 'approver' })).status,
    ).toBe(409);
    expect(
      (await f.request('/api/drafts/promote-wang/propose', { method: 'POST', as: 'planner' })).status,
    ).toBe(200);
    expect(
      (await f.request('/api/drafts/promote-wang/approve', { method: 'POST', as: 'planner' })).status,
    ).toBe(403);
    expect(
      (await f.request('/api/drafts/promote-wang/approve', { method: 'POST', as: 'approver' })).status,
    ).toBe(200);
    const applied = await json<{ state: string }>(
      f.request('/api/drafts/promote-wang/apply', { method: 'POST', as: 'approver' }),
    );
    expect(applied.state).toBe('applied');
    expect((await f.request('/api/drafts/promote-wang', { as: 'viewer' })).status).toBe(200);
    const wang = await json<PersonResult>(f.request('/api/person/Wang%20Lei?asOf=2023-01-01', { as: 'hr' }));
    expect(wang.level).toBe('M8');
  });

  it('shows a refused plan at its lines and applies nothing', async () => {
    const bad =
      'plan: bad-fold\ntitle: t\neffective: 2023-02-01\nchanges:\n  - dissolve: { unit: Big Taobao }\n';
    await f.request('/api/drafts', {
      method: 'POST',
      as: 'planner',
      body: JSON.stringify({ source: bad, file: 'fold.yaml' }),
    });
    const check = await json<{ ok: boolean; problems: Array<{ location: unknown }> }>(
      f.request('/api/drafts/bad-fold/check', { method: 'POST', as: 'planner' }),
    );
    expect(check.ok).toBe(false);
    expect(check.problems[0]!.location).toEqual({ file: 'fold.yaml', line: 5, col: 23 });
    const invalid = await f.request('/api/drafts', {
      method: 'POST',
      as: 'planner',
      body: JSON.stringify({ source: 'plan: x\n' }),
    });
    expect(invalid.status).toBe(422);
    expect((await json<ErrorBody>(invalid)).error.id).toBe('plan_invalid');
    const badBody = await f.request('/api/drafts', { method: 'POST', as: 'planner', body: '{"source": 5}' });
    expect(badBody.status).toBe(400);
  });

  it('accepts a plan as JSON', async () => {
    const plan = {
      plan: 'json-plan',
      title: 'From JSON',
      effective: '2023-03-01',
      changes: [{ promote: { person: 'Jia Luo', level: 'M6' } }],
    };
    const res = await f.request('/api/drafts', {
      method: 'POST',
      as: 'planner',
      body: JSON.stringify({ plan }),
    });
    expect(res.status).toBe(201);
    expect((await json<{ id: string }>(res)).id).toBe('json-plan');
  });

  it('schedules an approved plan for its effective date, then applies it when the day comes', async () => {
    const source =
      'plan: future\ntitle: Future\neffective: 2027-01-01\nchanges:\n  - promote: { person: Xuande, level: M6 }\n';
    await f.request('/api/drafts', { method: 'POST', as: 'planner', body: JSON.stringify({ source }) });
    await f.request('/api/drafts/future/propose', { method: 'POST', as: 'planner' });
    await f.request('/api/drafts/future/approve', { method: 'POST', as: 'approver' });
    const scheduled = await json<{ state: string }>(
      f.request('/api/drafts/future/schedule', { method: 'POST', as: 'approver' }),
    );
    expect(scheduled.state).toBe('scheduled');
    expect(await applyDuePlans(f.engine, f.access)).toEqual([]);
    f.clock.now = new Date('2027-01-01T00:00:01.000Z');
    expect(await applyDuePlans(f.engine, f.access)).toEqual(['future']);
    expect(await applyDuePlans(f.engine, f.access)).toEqual([]);
    expect((await json<{ state: string }>(f.request('/api/drafts/future', { as: 'approver' }))).state).toBe(
      'applied',
    );
  });
});

describe('impact, analytics and scenarios through the API', () => {
  it('shows the impact of a draft before it is applied', async () => {
    const source =
      'plan: fold-sales\ntitle: t\neffective: 2023-05-01\nchanges:\n  - dissolve: { unit: Alimama, rest: Taobao Live }\n';
    expect(
      (await f.request('/api/drafts', { method: 'POST', as: 'planner', body: JSON.stringify({ source }) }))
        .status,
    ).toBe(201);
    const res = await f.request('/api/drafts/fold-sales/impact', { method: 'POST', as: 'planner' });
    expect(res.status).toBe(200);
    const impact = await json<{
      managerChanges: Array<{ person: string; from: string; to: string }>;
      unitChanges: Array<{ kind: string }>;
    }>(res);
    expect(impact.managerChanges).toEqual([{ person: 'Jia Luo', from: 'Dai Shan', to: 'Daofang' }]);
    expect(impact.unitChanges.map((c) => c.kind)).toEqual(['unit-dissolved']);
    expect((await f.request('/api/drafts/fold-sales/impact', { method: 'POST', as: 'viewer' })).status).toBe(
      404,
    );
  });

  it('previews a draft: the tree on its date without and with it, and its impact', async () => {
    const source =
      'plan: preview-fold\ntitle: t\neffective: 2023-05-01\nchanges:\n  - dissolve: { unit: Alimama, rest: Taobao Live }\n';
    await f.request('/api/drafts', { method: 'POST', as: 'planner', body: JSON.stringify({ source }) });
    const res = await f.request('/api/drafts/preview-fold/preview', { method: 'POST', as: 'planner' });
    expect(res.status).toBe(200);
    type Node = { name: string; children: Node[] };
    const preview = await json<{
      date: string;
      before: { asOf: string; root: Node };
      after: { asOf: string; root: Node };
      impact: { unitChanges: Array<{ kind: string; unit: string }> };
    }>(res);
    const names = (n: Node): string[] => [n.name, ...n.children.flatMap(names)];
    expect(preview.date).toBe('2023-05-01');
    expect(preview.before.asOf).toBe('2023-05-01');
    expect(names(preview.before.root)).toContain('Alimama');
    expect(names(preview.after.root)).not.toContain('Alimama');
    expect(names(preview.after.root).length).toBe(names(preview.before.root).length - 1);
    expect(preview.impact.unitChanges).toEqual([
      expect.objectContaining({ kind: 'unit-dissolved', unit: 'Alimama' }),
    ]);
    expect(
      (await f.request('/api/drafts/preview-fold/preview', { method: 'POST', as: 'viewer' })).status,
    ).toBe(404);
  });

  it('answers headcount over time for one unit, and 404 for a unit that does not exist', async () => {
    type Series = {
      headcountOverTime: Array<{ date: string; headcount: number }>;
      headcount: Array<{ unit: string; total: number }>;
    };
    const whole = await json<Series>(f.request('/api/stats?asOf=2022-01-07', { as: 'viewer' }));
    const unit = await json<Series>(
      f.request('/api/stats?asOf=2022-01-07&unit=Big%20Taobao', { as: 'viewer' }),
    );
    const onDay = (s: Series, day: string) =>
      [...s.headcountOverTime].reverse().find((p) => p.date <= day)!.headcount;
    expect(onDay(unit, '2022-01-07')).toBe(whole.headcount.find((h) => h.unit === 'Big Taobao')!.total);
    expect(onDay(unit, '2022-01-07')).toBeLessThan(onDay(whole, '2022-01-07'));
    expect(onDay(unit, '2021-11-30')).toBe(0);
    expect((await f.request('/api/stats?unit=No%20Such%20Unit', { as: 'viewer' })).status).toBe(404);
  });

  it('answers analytics on the organization the reader may see', async () => {
    const all = await json<{ people: number; flags: { unitsWithoutHead: string[] } }>(
      f.request('/api/stats?asOf=2022-01-07', { as: 'viewer' }),
    );
    const scoped = await json<{ people: number; flags: { unitsWithoutHead: string[] } }>(
      f.request('/api/stats?asOf=2022-01-07', { as: 'taobao' }),
    );
    expect(scoped.people).toBeLessThan(all.people);
    expect(scoped.flags.unitsWithoutHead).not.toContain('1688');
    expect(all.flags.unitsWithoutHead).toContain('1688');
  });

  it('branches, fills, compares and applies scenarios, by role', async () => {
    expect(
      (
        await f.request('/api/scenarios', {
          method: 'POST',
          as: 'viewer',
          body: JSON.stringify({ name: 'x', date: '2024-01-01' }),
        })
      ).status,
    ).toBe(403);
    for (const name of ['keep-live', 'fold-live']) {
      expect(
        (
          await f.request('/api/scenarios', {
            method: 'POST',
            as: 'planner',
            body: JSON.stringify({ name, date: '2024-01-01' }),
          })
        ).status,
      ).toBe(201);
    }
    const fold =
      'plan: s-fold\ntitle: t\neffective: 2024-01-01\nchanges:\n  - dissolve: { unit: Guangguang, rest: Taobao Live }\n';
    const keep =
      'plan: s-keep\ntitle: t\neffective: 2024-01-01\nchanges:\n  - rename: { unit: Guangguang, to: Guangguang Content }\n';
    expect(
      (
        await f.request('/api/scenarios/fold-live/plans', {
          method: 'POST',
          as: 'planner',
          body: JSON.stringify({ source: fold }),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await f.request('/api/scenarios/keep-live/plans', {
          method: 'POST',
          as: 'planner',
          body: JSON.stringify({ source: keep }),
        })
      ).status,
    ).toBe(200);
    expect(
      (await json<{ scenarios: unknown[] }>(f.request('/api/scenarios', { as: 'viewer' }))).scenarios,
    ).toEqual([]);
    const comparison = await json<{ changes: Array<{ kind: string; unit?: string }> }>(
      f.request('/api/scenarios/keep-live/compare/fold-live', { as: 'approver' }),
    );
    expect(comparison.changes.find((c) => c.kind === 'unit-only-in-first')?.unit).toBe('Guangguang Content');
    expect(
      (await f.request('/api/scenarios/fold-live/apply', { method: 'POST', as: 'planner' })).status,
    ).toBe(403);
    const applied = await json<{ applied: Array<{ plan: string }> }>(
      f.request('/api/scenarios/fold-live/apply', { method: 'POST', as: 'approver' }),
    );
    expect(applied.applied.map((a) => a.plan)).toEqual(['s-fold']);
    const rebased = await json<{ conflicts: Array<{ reason: string }> }>(
      f.request('/api/scenarios/keep-live/rebase', { method: 'POST', as: 'planner' }),
    );
    expect(rebased.conflicts.map((c) => c.reason)).toEqual([
      'unit "Guangguang" no longer exists on 2024-01-01: it was dissolved on 2024-01-01',
    ]);
  });
});

describe('imports, exports and SCIM', () => {
  it('imports CSVs for approvers, refusing bad rows with their lines', async () => {
    const units =
      'unit_id,name,type,parent_id,valid_from,valid_to\nIMP,Imported Team,team,big-taobao,2024-06-01,\n';
    const people =
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nimp-1,Imported Person,IMP,,,P5,2024-06-01,\n';
    const body = JSON.stringify({ units: { text: units }, people: { text: people } });
    expect((await f.request('/api/import', { method: 'POST', as: 'planner', body })).status).toBe(403);
    const res = await f.request('/api/import', { method: 'POST', as: 'approver', body });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ read: 2, accepted: 2, rejected: [] });
    const imported = await json<PersonResult>(
      f.request('/api/person/Imported%20Person?asOf=2024-06-02', { as: 'viewer' }),
    );
    expect([imported.unit, imported.manager?.name]).toEqual(['Imported Team', 'Dai Shan']);
    const bad = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify({
        units: {
          file: 'u.csv',
          text: 'unit_id,name,type,parent_id,valid_from,valid_to\nX,,team,,2024-01-01,\n',
        },
      }),
    });
    expect(bad.status).toBe(422);
    expect((await json<ErrorBody>(bad)).error.details?.problems).toEqual([
      { message: 'empty name', location: { file: 'u.csv', line: 2, col: 1 } },
    ]);
    // valid_to as each period's last day: refused as half-open, read so with inclusiveEnd.
    const lastDays = {
      people: {
        text: 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nimp-2,Last Day,big-taobao,,,,2024-06-01,2024-06-30\nimp-2,Last Day,IMP,,,,2024-07-01,9999-12-31\n',
      },
    };
    const halfOpen = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify(lastDays),
    });
    expect(halfOpen.status).toBe(422);
    expect((await json<ErrorBody>(halfOpen)).error.details?.problems?.[0]).toMatchObject({
      message: expect.stringContaining('inclusiveEnd'),
      location: { file: 'people.csv', line: 3 },
    });
    const inclusive = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify({ ...lastDays, inclusiveEnd: true }),
    });
    expect(inclusive.status).toBe(200);
    for (const [day, unit] of [
      ['2024-06-30', 'Big Taobao'],
      ['2024-07-01', 'Imported Team'],
    ]) {
      const found = await json<PersonResult>(
        f.request(`/api/person/Last%20Day?asOf=${day}`, { as: 'viewer' }),
      );
      expect(found.unit, day).toBe(unit);
    }
    // replace: the files replace what the imports above brought in — a corrected level, and the
    // rows imported with inclusiveEnd no longer there.
    const correction = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify({
        units: { text: units },
        people: { text: people.replace(',P5,', ',P6,') },
        replace: true,
      }),
    });
    expect(correction.status).toBe(200);
    const corrected = await json<{ plans: string[]; replaced: string[] }>(correction);
    expect([corrected.plans.length, corrected.replaced.length]).toEqual([1, 3]);
    const level = await json<PersonResult>(
      f.request('/api/person/Imported%20Person?asOf=2024-06-02', { as: 'hr' }),
    );
    expect(level.level).toBe('P6');
    expect((await f.request('/api/person/Last%20Day?asOf=2024-07-02', { as: 'viewer' })).status).toBe(404);
    // With replace, a row rejected would be taken out: refused even with allowPartial, nothing changed.
    const partialReplace = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify({
        units: { text: units },
        people: { text: `${people}imp-9,,IMP,,,P1,2024-06-01,\n` },
        allowPartial: true,
        replace: true,
      }),
    });
    expect(partialReplace.status).toBe(400);
    expect((await json<ErrorBody>(partialReplace)).error.details?.problems?.[0]).toMatchObject({
      message: 'empty name',
      location: { file: 'people.csv', line: 3 },
    });
    const unchanged = await json<PersonResult>(
      f.request('/api/person/Imported%20Person?asOf=2024-06-02', { as: 'hr' }),
    );
    expect(unchanged.level).toBe('P6');
    // dryRun: what the import would change, day by day, and nothing stored.
    const dry = await f.request('/api/import', {
      method: 'POST',
      as: 'approver',
      body: JSON.stringify({ units: { text: units }, people: { text: people }, replace: true, dryRun: true }),
    });
    expect(dry.status).toBe(200);
    expect(await json(dry)).toMatchObject({
      plans: [],
      planned: [expect.stringMatching(/-2024-06-01$/)],
      replaced: [expect.stringMatching(/-2024-06-01$/)],
      days: [{ effective: '2024-06-01', added: 1, removed: 1 }],
    });
    const still = await json<PersonResult>(
      f.request('/api/person/Imported%20Person?asOf=2024-06-02', { as: 'hr' }),
    );
    expect(still.level).toBe('P6');
  });

  it('imports CSV files uploaded as multipart/form-data, naming the uploaded file in refusals', async () => {
    const form = (files: Record<string, string | Uint8Array>, fields: Record<string, string> = {}) => {
      const data = new FormData();
      for (const [name, content] of Object.entries(files))
        data.append(name, new File([content], `${name}-upload.csv`, { type: 'text/csv' }));
      for (const [name, value] of Object.entries(fields)) data.append(name, value);
      return data;
    };
    const units =
      'unit_id,name,type,parent_id,valid_from,valid_to\nUPL,Uploaded Team,team,big-taobao,2024-07-01,\n';
    // A UTF-8 BOM and a name beyond ASCII, split across nothing in particular.
    const people =
      '\uFEFFperson_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nupl-1,Zoë Upload,UPL,,,P5,2024-07-01,\n';
    const post = (body: FormData, as: string) => f.request('/api/import/files', { method: 'POST', as, body });
    expect((await post(form({ units, people }), 'planner')).status).toBe(403);
    const res = await post(form({ units, people }), 'approver');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ read: 2, accepted: 2, rejected: [] });
    const uploaded = await json<PersonResult>(
      f.request('/api/person/Zo%C3%AB%20Upload?asOf=2024-07-02', { as: 'viewer' }),
    );
    expect(uploaded.unit).toBe('Uploaded Team');
    // A row at fault is refused with the uploaded file's name and its line; nothing is imported.
    const badRow = await post(
      form({ units: 'unit_id,name,type,parent_id,valid_from,valid_to\nY,,team,,2024-01-01,\n' }),
      'approver',
    );
    expect(badRow.status).toBe(422);
    expect((await json<ErrorBody>(badRow)).error.details?.problems).toEqual([
      { message: 'empty name', location: { file: 'units-upload.csv', line: 2, col: 1 } },
    ]);
    // Bytes that are not UTF-8 are refused at their line.
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('unit_id,name,type,parent_id,valid_from,valid_to\nZ,Caf'),
      0xe9,
      ...new TextEncoder().encode(',team,,2024-01-01,\n'),
    ]);
    const badBytes = await post(form({ units: latin1 }), 'approver');
    expect(badBytes.status).toBe(400);
    expect((await json<ErrorBody>(badBytes)).error.details?.problems).toEqual([
      { message: 'bytes that are not UTF-8', location: { file: 'units-upload.csv', line: 2, col: 1 } },
    ]);
    // --allow-partial as a form field: the valid rows are imported, the rejected ones listed.
    const partial = await post(
      form(
        {
          units:
            'unit_id,name,type,parent_id,valid_from,valid_to\nUP2,Second Upload,team,big-taobao,2024-07-01,\nW,,team,,2024-01-01,\n',
        },
        { allowPartial: 'true' },
      ),
      'approver',
    );
    expect(partial.status).toBe(200);
    expect(await json(partial)).toMatchObject({ read: 2, accepted: 1 });
    // inclusiveEnd as a form field: valid_to is each period's last day.
    const lastDay = await post(
      form(
        {
          people:
            'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nupl-4,Upload Last Day,big-taobao,,,,2024-07-01,2024-07-31\nupl-4,Upload Last Day,UPL,,,,2024-08-01,\n',
        },
        { inclusiveEnd: 'true' },
      ),
      'approver',
    );
    expect(lastDay.status).toBe(200);
    const onLastDay = await json<PersonResult>(
      f.request('/api/person/Upload%20Last%20Day?asOf=2024-07-31', { as: 'viewer' }),
    );
    expect(onLastDay.unit).toBe('Big Taobao');
    // The files in any order: each is written to disk as it arrives and read from there in turn.
    const anyOrder = new FormData();
    anyOrder.append(
      'people',
      new File(
        [
          'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nupl-3,Third Upload,UP3,,,,2024-07-01,\n',
        ],
        'p3.csv',
      ),
    );
    anyOrder.append(
      'units',
      new File(
        ['unit_id,name,type,parent_id,valid_from,valid_to\nUP3,Third Team,team,big-taobao,2024-07-01,\n'],
        'u3.csv',
      ),
    );
    expect((await post(anyOrder, 'approver')).status).toBe(200);
    const third = await json<PersonResult>(
      f.request('/api/person/Third%20Upload?asOf=2024-07-02', { as: 'viewer' }),
    );
    expect(third.unit).toBe('Third Team');
    // A part it does not take, or a field that is not valid: refused before anything is read.
    const extra = form({
      units: 'unit_id,name,type,parent_id,valid_from,valid_to\nUP4,Fourth,team,,2024-07-01,\n',
      budget: 'x',
    });
    const refusedExtra = await post(extra, 'approver');
    expect(refusedExtra.status).toBe(400);
    expect((await json<ErrorBody>(refusedExtra)).error.message).toBe(
      'unknown part "budget"; expected units, people, posts, lineage, root, inclusiveEnd, allowPartial, replace, dryRun',
    );
    const badField = await post(form({ units: 'unit_id\n' }, { allowPartial: 'yes' }), 'approver');
    expect(badField.status).toBe(400);
    expect((await json<ErrorBody>(badField)).error.details?.problems?.[0]?.message).toMatch(
      /^allowPartial: /,
    );
    const tree = await (await f.request('/api/tree?asOf=2024-07-02', { as: 'viewer' })).text();
    expect(tree).toContain('Third Team');
    expect(tree).not.toContain('Fourth');
  });

  it('exports the organization in each format', async () => {
    const csv = await f.request('/api/export?format=csv-people&asOf=2022-01-07', { as: 'viewer' });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csv.text()).toContain('xuande,Xuande,user-operation-development-center,dai-shan');
    // valid_to as the last day of a period, as the import's inclusiveEnd reads it.
    const units = (query: string) =>
      f.request(`/api/export?format=csv-units&full=true${query}`, { as: 'viewer' }).then((r) => r.text());
    expect(await units('')).toContain(
      'tmall-business-group,Tmall Business Group,business group,big-taobao,,,2021-12-01,2022-01-06\n',
    );
    expect(await units('&inclusiveEnd=true')).toContain(
      'tmall-business-group,Tmall Business Group,business group,big-taobao,,,2021-12-01,2022-01-05\n',
    );
    expect(
      await (await f.request('/api/export?format=turtle&asOf=2022-01-07', { as: 'viewer' })).text(),
    ).toContain('org:ChangeEvent');
    expect(
      await (await f.request('/api/export?format=dot&unit=Big%20Taobao', { as: 'viewer' })).text(),
    ).toContain('digraph');
    expect((await f.request('/api/export?format=pdf', { as: 'viewer' })).status).toBe(400);
    // JSON and JSON-LD are streamed in pieces: still one document each.
    const whole = (await (await f.request('/api/export?format=json', { as: 'viewer' })).json()) as {
      people: Array<{ id: string }>;
      plans: unknown[];
    };
    expect(whole.people.map((p) => p.id)).toContain('xuande');
    expect(whole.plans.length).toBeGreaterThan(3);
    const graph = (await (
      await f.request('/api/export?format=jsonld&asOf=2022-01-07', { as: 'viewer' })
    ).json()) as { '@graph': Array<{ '@id': string }> };
    const ids = graph['@graph'].map((n) => n['@id']);
    expect(ids).toContain('urn:orgshift:person/xuande');
    expect(new Set(ids).size).toBe(ids.length);
    const scoped = await (
      await f.request('/api/export?format=csv-units&asOf=2022-01-07', { as: 'taobao' })
    ).text();
    expect(scoped).not.toContain('alibaba-group,');
    expect(scoped).toContain('big-taobao,Big Taobao');
  });

  it('answers SCIM Users with filter, paging and the enterprise manager, and Groups with members', async () => {
    const list = await json<{ totalResults: number; Resources: Array<Record<string, unknown>> }>(
      f.request(`/scim/v2/Users?asOf=2022-01-07&filter=${encodeURIComponent('userName eq "dai-shan"')}`, {
        as: 'viewer',
      }),
    );
    expect(list.totalResults).toBe(1);
    const enterprise = list.Resources[0]!['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as {
      manager: { value: string };
      department: string;
    };
    expect(enterprise.manager.value).toBe('zhang-yong');
    expect(enterprise.department).toBe('China Digital Commerce');
    const page = await json<{ totalResults: number; startIndex: number; itemsPerPage: number }>(
      f.request('/scim/v2/Users?asOf=2022-01-07&startIndex=3&count=2', { as: 'viewer' }),
    );
    expect(page).toMatchObject({ startIndex: 3, itemsPerPage: 2 });
    expect(page.totalResults).toBeGreaterThan(10);
    const group = await json<{ displayName: string; members: Array<{ value: string }> }>(
      f.request('/scim/v2/Groups/alimama?asOf=2022-01-07', { as: 'viewer' }),
    );
    expect(group.members.map((m) => m.value)).toEqual(['jia-luo']);
    expect((await f.request('/scim/v2/Users?filter=userName%20sw%20%22d%22', { as: 'viewer' })).status).toBe(
      400,
    );
    expect((await f.request('/scim/v2/Users/zhang-yong?asOf=2022-01-07', { as: 'taobao' })).status).toBe(404);
    expect((await f.request('/scim/v2/Users')).status).toBe(401);
  });

  it('answers SCIM discovery, and errors in SCIM shape', async () => {
    type Resource = Record<string, unknown> & { id: string };
    const config = await json<Record<string, { supported: boolean; maxResults?: number }>>(
      f.request('/scim/v2/ServiceProviderConfig', { as: 'viewer' }),
    );
    expect(config.filter).toEqual({ supported: true, maxResults: 1000 });
    for (const feature of ['patch', 'bulk', 'sort', 'etag', 'changePassword'])
      expect(config[feature]?.supported, feature).toBe(false);
    const types = await json<{ totalResults: number; Resources: Resource[] }>(
      f.request('/scim/v2/ResourceTypes', { as: 'viewer' }),
    );
    expect(types.Resources.map((t) => t.id)).toEqual(['User', 'Group']);
    const schemas = await json<{ Resources: Resource[] }>(f.request('/scim/v2/Schemas', { as: 'viewer' }));
    const schemaIds = schemas.Resources.map((s) => s.id);
    for (const type of types.Resources) {
      // Each type's endpoint answers, and its schemas are listed and found one by one.
      const list = await f.request(`/scim/v2${type.endpoint}?asOf=2022-01-07&count=1`, { as: 'viewer' });
      expect(list.status, String(type.endpoint)).toBe(200);
      const named = [
        type.schema,
        ...((type.schemaExtensions ?? []) as Array<{ schema: string }>).map((e) => e.schema),
      ];
      for (const schema of named) {
        expect(schemaIds).toContain(schema);
        const one = await json<Resource>(
          f.request(`/scim/v2/Schemas/${encodeURIComponent(String(schema))}`, { as: 'viewer' }),
        );
        expect(one.id).toBe(schema);
      }
      expect(
        (await json<Resource>(f.request(`/scim/v2/ResourceTypes/${type.id}`, { as: 'viewer' }))).endpoint,
      ).toBe(type.endpoint);
    }
    const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
    const scimError = async (path: string, status: number, as?: 'viewer') => {
      const res = await f.request(path, as ? { as } : {});
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(/application\/scim\+json/);
      const body = (await res.json()) as {
        schemas: string[];
        status: string;
        scimType?: string;
        detail: string;
      };
      expect(body.schemas, path).toEqual([ERROR]);
      expect(body.status, path).toBe(String(status));
      return body;
    };
    expect((await scimError('/scim/v2/Users?filter=userName%20sw%20%22d%22', 400, 'viewer')).scimType).toBe(
      'invalidFilter',
    );
    expect((await scimError('/scim/v2/Users/nobody', 404, 'viewer')).detail).toBe('no user "nobody"');
    await scimError('/scim/v2/Users?startIndex=first', 400, 'viewer');
    await scimError('/scim/v2/Schemas/urn:nothing', 404, 'viewer');
    await scimError('/scim/v2/Nothing', 404, 'viewer');
    await scimError('/scim/v2/Users', 401);
    // The API's own errors keep their shape.
    expect(await (await f.request('/api/person/nobody', { as: 'viewer' })).json()).toMatchObject({
      error: { id: 'not_found' },
    });
  });
});

describe('requests that are not what a route takes', () => {
  const routesOf = async () => {
    const doc = await json<{
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    }>(f.request('/api/openapi.json'));
    return Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([m]) => m !== 'get')
        .map(([m, route]) => ({
          method: m.toUpperCase(),
          path: path.replace(/\{[^}]+\}/g, 'x'),
          takesJson: route.requestBody?.content['application/json'] !== undefined,
        })),
    );
  };

  it('refuses a body that is not valid JSON on every route, saying where, and stores nothing', async () => {
    const routes = await routesOf();
    expect(routes.length).toBeGreaterThan(15);
    const before = await f.engine.store.dump();
    for (const { method, path } of routes) {
      const cut = await f.request(path, { method, as: 'admin', body: '{"units": {\n  "text": "a' });
      expect(cut.status, `${method} ${path}`).toBe(400);
      const body = await json<ErrorBody>(cut);
      expect(body.error, `${method} ${path}`).toMatchObject({
        id: 'invalid_input',
        message: 'the request body is not valid JSON',
      });
      // Where the body ended, mid-string: just after its last character.
      expect(body.error.details?.problems[0]?.location, `${method} ${path}`).toEqual({
        file: 'request body',
        line: 2,
        col: 13,
      });
      const wrong = await f.request(path, { method, as: 'admin', body: '{"a": 1, "b": }' });
      expect(wrong.status, `${method} ${path}`).toBe(400);
      expect((await json<ErrorBody>(wrong)).error.details?.problems[0]?.message).toContain(`"b": }`);
    }
    expect(await f.engine.store.dump()).toBe(before);
  });

  it('refuses a body of another media type, or none, where a route takes JSON (never an internal error)', async () => {
    const routes = (await routesOf()).filter((r) => r.takesJson);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const before = await f.engine.store.dump();
    for (const { method, path } of routes) {
      const plain = await f.request(path, {
        method,
        as: 'admin',
        headers: { 'Content-Type': 'text/plain' },
        body: '{}',
      });
      expect(plain.status, `${method} ${path}`).toBe(415);
      expect((await json<ErrorBody>(plain)).error, `${method} ${path}`).toEqual({
        id: 'invalid_input',
        message: 'the request body must be JSON (Content-Type: application/json) on this route',
      });
      const empty = await f.request(path, { method, as: 'admin', body: '' });
      expect(empty.status, `${method} ${path}`).toBe(400);
      expect((await json<ErrorBody>(empty)).error.message, `${method} ${path}`).toBe(
        'the request needs a JSON body on this route, and it has none',
      );
    }
    expect(await f.engine.store.dump()).toBe(before);
  });

  it('refuses an import that gives no file, as the CLI does', async () => {
    const before = await f.engine.store.dump();
    const none = [
      await f.request('/api/import', { method: 'POST', as: 'approver', body: '{}' }),
      await f.request('/api/import', { method: 'POST', as: 'approver' }),
      await f.request('/api/import', {
        method: 'POST',
        as: 'approver',
        body: JSON.stringify({ lineage: { text: 'unit_id,successor_id,kind,date\n' }, allowPartial: true }),
      }),
      await f.request('/api/import/files', { method: 'POST', as: 'approver', body: new FormData() }),
    ];
    for (const res of none) {
      expect(res.status).toBe(400);
      expect((await json<ErrorBody>(res)).error).toMatchObject({
        id: 'invalid_input',
        message: 'give at least one of units, people, posts (nothing imported)',
      });
    }
    expect(await f.engine.store.dump()).toBe(before);
  });
});

describe('audit log', () => {
  it('records authentication and mutations, hash-chained, and detects tampering', async () => {
    const res = await f.request('/api/audit', { as: 'admin' });
    expect(res.status).toBe(200);
    const log = await json<{ intact: boolean; rows: Array<{ action: string; outcome: string }> }>(res);
    expect(log.intact).toBe(true);
    const actions = new Set(log.rows.map((r) => `${r.action}:${r.outcome}`));
    for (const a of [
      'auth.login:success',
      'auth.login:failure',
      'auth.login:denied',
      'plan.create:success',
      'plan.create:denied',
      'plan.approve:success',
      'plan.apply:success',
      'user.add:success',
    ]) {
      expect(actions, a).toContain(a);
    }
    expect((await f.request('/api/audit', { as: 'approver' })).status).toBe(403);

    const rows = await f.access.store.auditRows();
    expect(verifyAuditChain(rows)).toEqual([]);
    const edited = rows.map((r, i) => (i === 3 ? { ...r, actor: 'someone else' } : r));
    expect(verifyAuditChain(edited)).toEqual(['row 4: content does not match its hash (edited)']);
    const removed = rows.filter((_r, i) => i !== 3);
    expect(verifyAuditChain(removed).length).toBeGreaterThan(0);
    const reordered = [rows[1]!, rows[0]!, ...rows.slice(2)];
    expect(verifyAuditChain(reordered).length).toBeGreaterThan(0);
  });
});
