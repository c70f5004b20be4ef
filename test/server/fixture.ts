import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedExamples } from '../../src/engine/examples.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { AccessService } from '../../src/server/access.ts';
import { type AppOptions, createApp } from '../../src/server/app.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

export const PASSWORD = 'correct horse battery staple';

export class TestClock {
  now = new Date('2026-11-22T09:00:00.000Z');
  read = () => this.now;
  advance(ms: number) {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export interface Fixture {
  engine: OrgEngine;
  access: AccessService;
  app: ReturnType<typeof createApp>;
  clock: TestClock;
  /** The store's SQLite file. */
  path: string;
  tokens: Record<string, string>;
  request(path: string, init?: RequestInit & { as?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** The Alibaba examples with a user (and a token) per kind of grant. */
export async function fixture(appOptions: (path: string) => AppOptions = () => ({})): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'orgshift-api-'));
  const clock = new TestClock();
  const store = openSqliteStore(join(dir, 'org.db'));
  await store.migrate();
  const engine = new OrgEngine(store, clock.read);
  await seedExamples(engine, 'default');
  const access = new AccessService(engine, 'default');
  const users: Array<[string, string, string | null, boolean]> = [
    ['admin', 'admin', null, true],
    ['viewer', 'viewer', null, false],
    ['hr', 'viewer', null, true],
    ['taobao', 'viewer', 'Big Taobao', false],
    ['planner', 'planner', null, false],
    ['approver', 'approver', null, false],
    ['taobao-planner', 'planner', 'Big Taobao', false],
  ];
  const tokens: Record<string, string> = {};
  for (const [name, role, scope, confidential] of users) {
    await access.addUser(name, PASSWORD, role, scope, confidential, 'test');
    tokens[name] = await access.createToken(name, 'test');
  }
  const app = createApp(engine, access, appOptions(join(dir, 'org.db')));
  return {
    engine,
    access,
    app,
    clock,
    path: join(dir, 'org.db'),
    tokens,
    request(path, init = {}) {
      const { as, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as !== undefined) headers.set('Authorization', `Bearer ${tokens[as]}`);
      // A FormData body brings its own multipart content type (with its boundary).
      if (rest.body !== undefined && !(rest.body instanceof FormData) && !headers.has('Content-Type'))
        headers.set('Content-Type', 'application/json');
      return Promise.resolve(app.request(path, { ...rest, headers }));
    },
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
