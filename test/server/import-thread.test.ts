import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonResult } from '../../src/core/queries.ts';
import { type Fixture, fixture } from './fixture.ts';

// The server's imports on a thread of their own (AppOptions.importThread) against the same imports on
// the server's thread: the same answers, the same store.
let here: Fixture;
let onThread: Fixture;
beforeAll(async () => {
  here = await fixture();
  onThread = await fixture((path) => ({ importThread: { target: path, minBytes: 0 } }));
});
afterAll(async () => {
  await here.close();
  await onThread.close();
});

interface ImportAnswer {
  error: { id: string; details: { problems: Array<{ message: string; location?: unknown }> } };
}

async function both(path: string, body: string | (() => FormData)) {
  const answers = [];
  for (const f of [here, onThread]) {
    const res = await f.request(path, {
      method: 'POST',
      as: 'approver',
      body: typeof body === 'string' ? body : body(),
    });
    answers.push({ status: res.status, body: (await res.json()) as ImportAnswer });
  }
  return answers;
}

const units =
  'unit_id,name,type,parent_id,valid_from,valid_to\nIMP,Imported Team,team,big-taobao,2024-06-01,\nIMQ,Second Team,team,IMP,2024-06-01,2025-01-01\n';
const people =
  '\uFEFFperson_id,name,unit_id,manager_id,title,level,valid_from,valid_to\nimp-1,Zoë Imported,IMP,,,P5,2024-06-01,\nimp-2,Second Person,IMQ,imp-1,,P4,2024-06-01,2025-01-01\n';

describe('imports on a thread of their own', () => {
  it('answer and store what an import on the server thread does, and the server sees it at once', async () => {
    const dry = await both('/api/import', JSON.stringify({ units: { text: units }, dryRun: true }));
    expect(dry[1]).toEqual(dry[0]);
    expect(dry[0]!.body).toMatchObject({
      planned: [expect.stringMatching(/^import-.*-2024-06-01$/), expect.stringMatching(/-2025-01-01$/)],
    });
    const imported = await both(
      '/api/import',
      JSON.stringify({ units: { text: units }, people: { text: people } }),
    );
    expect(imported[0]).toMatchObject({ status: 200, body: { read: 4, accepted: 4, rejected: [] } });
    expect(imported[1]).toEqual(imported[0]);
    expect(await onThread.engine.store.dump()).toBe(await here.engine.store.dump());
    const person = await onThread.request('/api/person/Second%20Person?asOf=2024-06-02', { as: 'viewer' });
    expect(((await person.json()) as PersonResult).manager?.name).toBe('Zoë Imported');
    // The audit log has the import, as it does for one on the server's thread.
    const audit = (await (await onThread.request('/api/audit', { as: 'admin' })).json()) as {
      rows: Array<{ action: string }>;
    };
    expect(audit.rows.filter((row) => row.action === 'import')).toHaveLength(1);
  });

  it('refuse as an import on the server thread does, naming the files and lines, and store nothing', async () => {
    const before = await onThread.engine.store.dump();
    const badRows = await both(
      '/api/import',
      JSON.stringify({
        units: {
          file: 'u.csv',
          text: 'unit_id,name,type,parent_id,valid_from,valid_to\nX,,team,,2024-01-01,\nY,Why,team,nowhere,2024-01-01,\n',
        },
      }),
    );
    expect(badRows[0]!.status).toBe(422);
    expect(badRows[1]).toEqual(badRows[0]);
    // Rows that read well, refused by the organization: a second root.
    const refused = await both('/api/import/files', () => {
      const data = new FormData();
      data.append(
        'units',
        new File(
          ['unit_id,name,type,parent_id,valid_from,valid_to\nROOT2,Another Root,company,,2024-01-01,\n'],
          'u2.csv',
        ),
      );
      return data;
    });
    expect(refused[0]).toMatchObject({ status: 422, body: { error: { id: 'plan_refused' } } });
    expect(refused[0]!.body.error.details.problems[0]).toMatchObject({
      message: 'the organization already has a root, "Alibaba Group"; give the new unit a parent',
      location: { file: 'u2.csv', line: 2 },
    });
    expect(refused[1]).toEqual(refused[0]);
    const none = await both('/api/import', '{}');
    expect(none[0]!.status).toBe(400);
    expect(none[1]).toEqual(none[0]);
    expect(await onThread.engine.store.dump()).toBe(before);
  });

  it("let the server's other writes wait for the import and then go through", async () => {
    const big = [
      'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to',
      ...Array.from({ length: 3000 }, (_, i) => `bulk-${i},Bulk ${i},big-taobao,,,P3,2024-07-01,`),
    ].join('\n');
    const [imported, login] = await Promise.all([
      onThread.request('/api/import', {
        method: 'POST',
        as: 'approver',
        body: JSON.stringify({ people: { text: big } }),
      }),
      onThread.request('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'viewer', password: 'correct horse battery staple' }),
      }),
    ]);
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ read: 3000, accepted: 3000 });
    expect(login.status).toBe(200);
  });
});
