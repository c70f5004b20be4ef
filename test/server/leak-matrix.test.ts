import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/core/model.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { type Fixture, fixture, PASSWORD } from './fixture.ts';

const ROLES = ['viewer', 'planner', 'approver', 'admin'] as const;
const SCOPES = [null, 'Big Taobao', 'Ali Local Life Service Company', 'Alimama', 'Taobao Live'] as const;
const SECRET_PLAN = 'secret-reorg';

let f: Fixture;
let history: History;
const tokens = new Map<string, string>();
const key = (role: string, scope: string | null, confidential: boolean) =>
  `${role}|${scope ?? '*'}|${confidential}`;

beforeAll(async () => {
  f = await fixture();
  for (const role of ROLES) {
    for (const scope of SCOPES) {
      for (const confidential of [false, true]) {
        const name = `u-${role}-${(scope ?? 'all').replace(/\W+/g, '-')}-${confidential ? 'c' : 'p'}`;
        await f.access.addUser(name, PASSWORD, role, scope, confidential, 'test');
        tokens.set(key(role, scope, confidential), await f.access.createToken(name, 'test'));
      }
    }
  }
  const source = `plan: ${SECRET_PLAN}\ntitle: Secret\neffective: 2024-01-01\nchanges:\n  - dissolve: { unit: Guangguang, rest: Taobao Live }\n`;
  expect(
    (await f.request('/api/drafts', { method: 'POST', as: 'planner', body: JSON.stringify({ source }) }))
      .status,
  ).toBe(201);
  history = await f.engine.history('default');
}, 120_000);
afterAll(async () => {
  await f.close();
});

/** Every unit, person and business name that ever lies inside the scope's subtree, computed directly. */
function allowedNames(scope: string | null): Set<string> {
  const names = new Set<string>();
  const days = new Set<string>();
  for (const r of history.units.values()) for (const v of r.versions) days.add(v.from);
  for (const r of history.people.values()) for (const v of r.versions) days.add(v.from);
  for (const p of history.posts) days.add(p.from);
  for (const day of days) {
    const snap = new Snapshot(history, day);
    const root = scope === null ? snap.roots[0] : [...snap.units.values()].find((u) => u.name === scope)?.id;
    if (root === undefined || !snap.units.has(root)) continue;
    const inside = new Set<string>();
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      inside.add(id);
      stack.push(...snap.units.get(id)!.children);
    }
    for (const id of inside) names.add(snap.unitName(id));
    for (const p of snap.people.values()) if (inside.has(p.unit)) names.add(p.name);
    for (const post of snap.posts)
      if (inside.has(post.unit) && post.holder) names.add(snap.personName(post.holder));
    for (const b of snap.businesses.values()) if (inside.has(b.unit)) names.add(b.name);
  }
  return names;
}

function everyName(): Set<string> {
  const names = new Set<string>();
  for (const r of history.units.values()) for (const v of r.versions) names.add(v.name);
  for (const r of history.people.values()) for (const v of r.versions) names.add(v.name);
  for (const r of history.businesses.values()) for (const v of r.versions) names.add(v.name);
  return names;
}

const someName = () => fc.constantFrom(...everyName(), 'Nobody', 'Taobao', 'Ali');
const day = fc.constantFrom(
  '2019-06-01',
  '2020-03-06',
  '2021-12-06',
  '2022-01-06',
  '2022-01-07',
  '2025-01-01',
);
const routes = () =>
  fc.oneof(
    fc
      .tuple(day, fc.option(someName(), { nil: undefined }))
      .map(([d, u]) => `/api/tree?asOf=${d}${u ? `&unit=${encodeURIComponent(u)}` : ''}`),
    fc.tuple(someName(), day).map(([n, d]) => `/api/person/${encodeURIComponent(n)}?asOf=${d}`),
    someName().map((n) => `/api/lineage/${encodeURIComponent(n)}`),
    someName().map((n) => `/api/business/${encodeURIComponent(n)}`),
    fc.tuple(day, day).map((pair) => {
      const [from, to] = [...pair].sort();
      return `/api/diff?from=${from}&to=${to}`;
    }),
    fc
      .tuple(fc.constantFrom('a', 'Tao', 'an', 'Center', 'Group', 'Dai'), day)
      .map(([q, d]) => `/api/search?q=${q}&asOf=${d}`),
    fc.constant('/api/plans'),
    day.map((d) => `/api/stats?asOf=${d}`),
    fc.constant('/api/scenarios'),
    fc
      .tuple(
        fc.constantFrom(
          'csv-units',
          'csv-people',
          'csv-posts',
          'csv-lineage',
          'turtle',
          'jsonld',
          'mermaid',
          'dot',
        ),
        day,
      )
      .map(([format, d]) => `/api/export?format=${format}&asOf=${d}`),
    day.map((d) => `/scim/v2/Users?asOf=${d}`),
    day.map((d) => `/scim/v2/Groups?asOf=${d}`),
    fc.constant('/api/drafts'),
    fc.constant(`/api/drafts/${SECRET_PLAN}`),
    fc.constant('/api/audit'),
  );

describe('no leak across role × scope × route × field', () => {
  it('answers only with what the grant covers', async () => {
    const all = everyName();
    const allowedByScope = new Map(SCOPES.map((s) => [s, allowedNames(s)]));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROLES),
        fc.constantFrom(...SCOPES),
        fc.boolean(),
        routes(),
        async (role, scope, confidential, path) => {
          const res = await f.app.request(path, {
            headers: { Authorization: `Bearer ${tokens.get(key(role, scope, confidential))}` },
          });
          const text = await res.text();
          expect(res.status, path).toBeLessThan(500);
          if (res.status !== 200) return;
          const allowed = allowedByScope.get(scope)!;
          for (const name of all) {
            if (!allowed.has(name))
              expect(text, `${role} of ${scope} on ${path} shows "${name}"`).not.toContain(
                JSON.stringify(name),
              );
          }
          if (!confidential && role !== 'admin')
            expect(text, `${role} sees a level on ${path}`).not.toMatch(/"level":"/);
          const seesDrafts =
            (role === 'approver' && scope === null) || role === 'admin' ? scope === null : false;
          if (!seesDrafts && !path.startsWith('/api/audit'))
            expect(text, `${role} of ${scope} sees the draft`).not.toContain(SECRET_PLAN);
          if (path.startsWith('/api/audit')) expect(role).toBe('admin');
        },
      ),
      { numRuns: 400, seed: 4242 },
    );
  }, 120_000);
});
