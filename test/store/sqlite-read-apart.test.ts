import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImportJob } from '../../src/engine/import-job.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { OrgStore } from '../../src/store/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-apart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const PEOPLE = 30_000;

/** A store file holding one organization of `PEOPLE` people (about 3 fact rows each), imported. */
async function largeStore(): Promise<{ store: OrgStore; orgId: number }> {
  const store = openSqliteStore(join(dir, `org-${++files}.db`));
  await store.migrate();
  const people = ['person_id,name,unit_id,manager_id,title,level,valid_from,valid_to'];
  for (let i = 0; i < PEOPLE; i++) people.push(`p${i},Person ${i},u0,${i === 0 ? '' : 'p0'},,,2020-01-01,`);
  const outcome = await runImportJob(new OrgEngine(store), {
    org: 'default',
    files: {
      units: {
        file: 'units.csv',
        text: 'unit_id,name,type,parent_id,valid_from,valid_to\nu0,Root,company,,2020-01-01,\n',
      },
      people: { file: 'people.csv', text: people.join('\n') },
    },
    allowPartial: false,
    replace: false,
    dryRun: false,
  });
  expect(outcome.rejected).toEqual([]);
  return { store, orgId: (await store.findOrg('default'))!.id };
}

describe("SQLite: a large organization's facts read apart from the store's connection", () => {
  it('answers other queries and lets the event loop turn while the facts are read', async () => {
    const { store, orgId } = await largeStore();
    const done: string[] = [];
    let turns = 0;
    const ticking = setInterval(() => {
      turns += 1;
    }, 0);
    const reading = store.current(orgId).then((read) => {
      done.push('read');
      return read;
    });
    // A query on the store's own connection (a request's login check, another organization's plans).
    const other = store.findOrg('default').then((org) => {
      done.push('other query');
      return org;
    });
    const [read, org] = await Promise.all([reading, other]);
    clearInterval(ticking);
    expect(done).toEqual(['other query', 'read']);
    expect(turns).toBeGreaterThan(0);
    expect(read.history.people.size).toBe(PEOPLE);
    expect(read.history.lines).toHaveLength(PEOPLE - 1);
    expect(read.version).toBe(org!.version);
    // The same facts as the store's connection reads them in one go.
    const readApart = store.capabilities.readApart;
    store.capabilities.readApart = undefined;
    const inOneGo = await store.current(orgId);
    store.capabilities.readApart = readApart;
    expect(read).toEqual(inOneGo);
    await store.close();
  });

  it('reads one state: a commit while the facts are read is not in them, nor its version', async () => {
    const { store, orgId } = await largeStore();
    const before = await store.current(orgId);
    const org = (await store.findOrg('default'))!;
    let rows = 0;
    let committed: Promise<number> | null = null;
    const readApart = store.capabilities.readApart!.bind(store.capabilities);
    // Once the read has stepped into the people's versions, a commit that leaves out one person lands.
    store.capabilities.readApart = (read) =>
      readApart((db, scanRows) =>
        read(db, function* (table, columns, id, knownAt) {
          for (const row of scanRows(table, columns, id, knownAt)) {
            if (table === 'person_versions' && ++rows === 10_000) {
              const people = new Map(before.history.people);
              people.delete(`p${PEOPLE - 1}`);
              const lines = before.history.lines.filter((l) => l.person !== `p${PEOPLE - 1}`);
              committed = store.commit(
                org,
                [],
                { ...before.history, people, lines },
                '2026-01-02T00:00:00.000Z',
              );
            }
            yield row;
          }
        }),
      );
    const read = await store.current(orgId);
    expect(committed).not.toBeNull();
    expect(await committed).toBe(org.version + 1);
    expect(read.version).toBe(org.version);
    expect(read.history.people.size).toBe(PEOPLE);
    const after = await store.current(orgId);
    expect(after.version).toBe(org.version + 1);
    expect(after.history.people.size).toBe(PEOPLE - 1);
    await store.close();
  });
});
