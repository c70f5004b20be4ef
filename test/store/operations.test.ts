import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedExamples } from '../../src/engine/examples.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { AccessService } from '../../src/server/access.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open.ts';
import { FACT_TABLES } from '../../src/store/schema.ts';
import { BASE, plan, ROOT } from '../helpers.ts';
import { dialects } from './dialects.ts';

const [sqlite, postgres] = dialects() as [ReturnType<typeof dialects>[0], ReturnType<typeof dialects>[0]];
afterAll(async () => {
  await sqlite.cleanup();
  await postgres.cleanup();
});

const EXTRA =
  'plan: extra\ntitle: extra\neffective: 2023-01-01\nchanges:\n  - promote: { person: Wang Lei, level: M8 }\n';

describe('backup and restore (SQLite)', () => {
  it('restores exactly what was backed up, even after later plans', async () => {
    const target = await sqlite.newTarget();
    const engine = await OrgEngine.open(target);
    await seedExamples(engine, 'default');
    const file = `${target}.backup`;
    await engine.backup(file);
    const atBackup = await engine.store.dump();
    await engine.apply('default', { plan: plan(EXTRA), source: EXTRA });
    expect(await engine.store.dump()).not.toBe(atBackup);
    await engine.restore(file);
    await engine.close();
    const reopened = await OrgEngine.open(target);
    expect(await reopened.store.dump()).toBe(atBackup);
    expect(await reopened.store.capabilities.integrityCheck?.()).toBe('ok');
    await reopened.close();
  });

  it('refuses to restore a file that is not an Orgshift backup, and changes nothing', async () => {
    const target = await sqlite.newTarget();
    const engine = await OrgEngine.open(target);
    await seedExamples(engine, 'default');
    const before = await engine.store.dump();
    const bogus = `${target}.txt`;
    writeFileSync(bogus, 'not a database');
    await expect(engine.restore(bogus)).rejects.toThrow(/cannot restore .*\.txt/);
    await expect(engine.restore(`${target}.missing`)).rejects.toThrow(/no such file/);
    expect(await engine.store.dump()).toBe(before);
    await engine.close();
  });

  it('points PostgreSQL users to pg_dump', async () => {
    const engine = await OrgEngine.open(await postgres.newTarget());
    await expect(engine.backup('/tmp/x')).rejects.toThrow(/pg_dump/);
    await engine.close();
  });
});

for (const dialect of [sqlite, postgres]) {
  describe(`migrations on ${dialect.name}`, () => {
    it('upgrades a store made at the first schema version, with data in it, to the latest', async () => {
      // The rows the first schema version held: written by today's code, less the columns added since.
      const made = new OrgEngine(openStore(await dialect.newTarget()));
      await made.store.migrate();
      await made.apply('default', { plan: plan(BASE), source: BASE });
      const before = await made.tree('default', '2021-01-01');
      const target = await dialect.newTarget();
      const store = openStore(target);
      expect(await store.migrate(MIGRATIONS[0])).toEqual([MIGRATIONS[0]]);
      for (const table of ['orgs', 'plans', ...FACT_TABLES] as const) {
        const rows = (await made.store.db.selectFrom(table).selectAll().execute()) as Array<
          Record<string, unknown>
        >;
        for (const row of rows) {
          delete row.status;
          delete row.also_under;
          delete row.replaced_at;
          if (table !== 'unit_versions') continue;
          // The key the first version gave a unit version: the hash of its columns then.
          const { unit_id, valid_from, valid_to, name, type, parent_id, plan_id, inferred, quote } = row;
          const columns = { unit_id, valid_from, valid_to, name, type, parent_id, plan_id, inferred, quote };
          row.fact_key = createHash('sha1').update(JSON.stringify(columns)).digest('hex');
        }
        if (rows.length > 0)
          await store.db
            .insertInto(table)
            .values(rows as never)
            .execute();
      }
      await made.close();
      expect(await store.migrate()).toEqual(MIGRATIONS.slice(1));
      const engine = new OrgEngine(store);
      expect(await engine.tree('default', '2021-01-01')).toEqual(before);
      // Keys of rows stored before the new columns stay theirs: a later rename supersedes one row, not all.
      const later =
        'plan: later\ntitle: later\neffective: 2022-01-01\nchanges:\n  - rename: { unit: Sales East, to: Sales North }\n';
      await engine.apply('default', { plan: plan(later), source: later });
      const superseded = await store.db
        .selectFrom('unit_versions')
        .select('fact_key')
        .where('superseded_at', 'is not', null)
        .execute();
      expect(superseded).toHaveLength(1);
      await engine.close();
    });
  });
}

describe('several instances on one PostgreSQL', () => {
  it('an instance hears of a plan another committed (LISTEN/NOTIFY) with the new version', async () => {
    const target = await postgres.newTarget();
    const a = await OrgEngine.open(target);
    const b = await OrgEngine.open(target);
    await b.apply('default', { plan: plan(BASE), source: BASE });
    expect((await a.tree('default', '2021-01-01')).root?.name).toBe('Acme');
    let announce: (version: number) => void = () => {};
    const heard = new Promise<number>((resolve) => {
      announce = resolve;
    });
    expect(await a.watch((_org, version) => announce(version))).toBe(true);
    const change =
      'plan: rename\ntitle: r\neffective: 2021-01-01\nchanges:\n  - rename: { unit: Acme, to: Acme Group }\n';
    const applied = await b.apply('default', { plan: plan(change), source: change });
    expect(await heard).toBe(applied.version);
    expect((await a.tree('default', '2021-01-01')).root?.name).toBe('Acme Group');
    await a.close();
    await b.close();
  });

  it('a second server process answers from fresh data right after another process applies a plan', async () => {
    const target = await postgres.newTarget();
    const setup = await OrgEngine.open(target);
    const access = new AccessService(setup, 'default');
    await access.addUser('reader', 'a long enough reading passphrase', 'viewer', null, true, 'test');
    const token = await access.createToken('reader', 'test');
    await setup.close();
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const bin = join(ROOT, 'bin/orgshift');
    const server = spawn(bin, ['--db', target, 'serve', '--port', '0', '--seed-examples'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        server.stderr.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
          if (match) resolve(Number(match[1]));
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${text}`)));
      });
      const plansOf = async () =>
        (
          (await (await fetch(`http://127.0.0.1:${port}/api/plans`, auth)).json()) as {
            plans: Array<{ id: string }>;
          }
        ).plans.map((p) => p.id);
      expect(await plansOf()).toHaveLength(5);
      const file = join(tmpdir(), `orgshift-extra-${process.pid}.yaml`);
      writeFileSync(file, EXTRA);
      const code = await new Promise<number | null>((resolve) => {
        spawn(bin, ['--db', target, 'plan', 'apply', file], { stdio: 'ignore' }).on('exit', resolve);
      });
      expect(code).toBe(0);
      expect(await plansOf()).toContain('extra');
      const person = (await (
        await fetch(`http://127.0.0.1:${port}/api/person/Wang%20Lei?asOf=2023-01-01`, auth)
      ).json()) as { level: string };
      expect(person.level).toBe('M8');
    } finally {
      server.kill('SIGTERM');
    }
  });
});
