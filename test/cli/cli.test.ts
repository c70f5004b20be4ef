import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, ROOT, runCli } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function freshDb(): string {
  counter += 1;
  return join(dir, `org-${counter}.db`);
}

const cli = (...args: string[]) => runCli(args);

const EXAMPLES = [
  '00-local-life-baseline',
  '01-local-life-regroup',
  '02-commerce-baseline',
  '03-china-digital-commerce',
  '04-big-taobao-integration',
].map((f) => `${EXAMPLES_DIR}${f}.yaml`);

async function seeded(): Promise<string> {
  const db = freshDb();
  const result = await cli('--db', db, 'plan', 'apply', ...EXAMPLES);
  expect(result.code).toBe(0);
  return db;
}

describe('the CLI, in process', () => {
  it('replays both seed restructurings and answers the newcomer questions', async () => {
    const db = await seeded();
    const dai = await cli('--db', db, 'person', 'Dai Shan', '--as-of', '2022-01-07', '--json');
    expect(dai.code).toBe(0);
    const parsed = JSON.parse(dai.stdout);
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining(['id', 'name', 'level', 'unit', 'posts', 'manager', 'chain']),
    );
    expect(
      parsed.directReports
        .filter((r: { via: string }) => r.via === 'solid')
        .map((r: { name: string }) => r.name),
    ).toEqual(['Chuixue', 'Daofang', 'Jia Luo', 'Qiancheng', 'Sixin', 'Xuande']);
    const text = await cli('--db', db, 'person', 'daishan', '--as-of', '2022-01-07');
    expect(text.stdout).toContain('Lu Su — as CTO of Big Taobao (concurrent post)');

    const lineage = await cli('--db', db, 'lineage', 'Tmall Business Group');
    expect(lineage.stdout).toContain(
      '2022-01-06  merged Taobao Business Group + Tmall Business Group → User Operation Development Center, Industrial Operation Development Center, Platform Strategy and Operation Center',
    );

    const diff = await cli('--db', db, 'diff', '--from', '2021-12-31', '--to', '2022-01-07', '--json');
    const changes = JSON.parse(diff.stdout).changes as Array<{ kind: string }>;
    expect(changes.map((c) => c.kind)).toContain('unit-merged');

    const tree = await cli(
      '--db',
      db,
      'tree',
      '--as-of',
      '2022-01-07',
      '--unit',
      'Big Taobao',
      '--depth',
      '1',
      '--json',
    );
    const root = JSON.parse(tree.stdout).root;
    expect(root.children).toHaveLength(6);
    expect(root.children.every((c: { children: unknown[] }) => c.children.length === 0)).toBe(true);
    expect(JSON.parse(tree.stdout).asOf).toBe('2022-01-07');

    const business = await cli('--db', db, 'business', 'Tmall', '--json');
    expect(JSON.parse(business.stdout).owners.map((o: { unit: string }) => o.unit)).toEqual([
      'Tmall Business Group',
      'Big Taobao',
    ]);

    const list = await cli('--db', db, 'plan', 'list');
    expect(list.stdout.split('\n')[4]).toMatch(/^2022-01-06 {2}big-taobao-integration/);
  });

  it('refuses a plan that would orphan a team, precisely, and changes nothing', async () => {
    const db = await seeded();
    const file = join(dir, 'orphan.yaml');
    writeFileSync(
      file,
      `plan: fold-big-taobao
title: Fold Big Taobao
effective: 2022-03-01
changes:
  - dissolve:
      unit: Big Taobao
`,
    );
    const before = await cli('--db', db, 'tree', '--as-of', '2022-03-01', '--json');
    const result = await cli('--db', db, 'plan', 'apply', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:13: dissolve \\(changes\\[0\\]\\): would orphan 8 items on 2022-03-01: `,
      ),
    );
    expect(result.stderr).toContain('child unit "User Operation Development Center" of "Big Taobao"');
    expect(result.stderr).toContain('business "Taobao" of "Big Taobao"');
    const after = await cli('--db', db, 'tree', '--as-of', '2022-03-01', '--json');
    expect(after.stdout).toBe(before.stdout);
    const check = await cli('--db', db, 'plan', 'check', file, '--json');
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).error.id).toBe('plan_refused');
  });

  it('checks plans without applying them', async () => {
    const db = freshDb();
    const result = await cli('--db', db, 'plan', 'check', EXAMPLES[0]!, EXAMPLES[1]!);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '00-local-life-baseline.yaml: ok — plan alibaba-local-life-baseline, effective 2020-01-01, 10 changes',
    );
    expect((await cli('--db', db, 'plan', 'list', '--json')).stdout).toContain('"plans": []');
  });

  it('answers usage errors with exit 2 and bad names with a suggestion and exit 1', async () => {
    const db = await seeded();
    expect((await cli('--db', db, 'tree', '--as-of', '2022-13-01')).code).toBe(2);
    expect((await cli('--db', db, 'tree', '--depth', 'deep')).code).toBe(2);
    expect((await cli('--db', db, 'frobnicate')).code).toBe(2);
    expect((await cli('--db', db, 'diff', '--from', '2022-01-01')).code).toBe(2);
    const typo = await cli('--db', db, 'person', 'Dai Shen', '--as-of', '2022-01-07');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'orgshift: no person named "Dai Shen" on 2022-01-07. Did you mean "Dai Shan"?\n',
    );
    const missing = await cli('--db', db, 'plan', 'apply', join(dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.yaml:1:1: cannot read plan file: no such file/);
  });

  it('keeps organizations apart with --org', async () => {
    const db = freshDb();
    expect((await cli('--db', db, '--org', 'alibaba', 'seed-examples')).code).toBe(0);
    const other = await cli('--db', db, '--org', 'other', 'tree', '--as-of', '2022-01-07', '--json');
    expect(JSON.parse(other.stdout).root).toBeNull();
    const ali = await cli('--db', db, '--org', 'alibaba', 'tree', '--as-of', '2022-01-07', '--json');
    expect(JSON.parse(ali.stdout).root.name).toBe('Alibaba Group');
    expect(JSON.parse((await cli('--db', db, 'plan', 'list', '--json')).stdout).plans).toEqual([]);
  });

  it('answers as known at an earlier moment with --known-at', async () => {
    const db = await seeded();
    const past = await cli(
      '--db',
      db,
      'tree',
      '--as-of',
      '2022-01-07',
      '--known-at',
      '2001-01-01T00:00:00Z',
      '--json',
    );
    expect(JSON.parse(past.stdout).root).toBeNull();
    expect((await cli('--db', db, 'tree', '--known-at', 'last tuesday')).code).toBe(2);
  });

  it('says plainly when the store cannot be opened', async () => {
    const missing = await cli('--db', join(dir, 'no-such-dir', 'x.db'), 'tree');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^orgshift: cannot open the store .*no-such-dir.*x\.db: /);
    const unreachable = await cli('--db', 'postgres://postgres@127.0.0.1:1/nothing', 'tree');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^orgshift: cannot open the store postgres:\/\/127\.0\.0\.1:1\/nothing: /,
    );
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });

  it('says the store is busy when another process holds it for writing longer than it waits', async () => {
    const db = await seeded();
    const importer = new BetterSqlite3(db);
    try {
      importer.exec('begin immediate');
      const rename = join(dir, 'busy.yaml');
      writeFileSync(
        rename,
        'plan: busy\ntitle: t\neffective: 2024-01-01\nchanges:\n  - rename: { unit: Big Taobao, to: Bigger Taobao }\n',
      );
      const refused = await cli('--db', db, 'plan', 'apply', rename);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        'orgshift: the store is busy: another process is writing to it (an import, perhaps); try again when it is done\n',
      );
      importer.exec('rollback');
      expect((await cli('--db', db, 'plan', 'apply', rename)).code).toBe(0);
    } finally {
      importer.close();
    }
  }, 30_000);

  it('seeds the examples once', async () => {
    const db = freshDb();
    expect((await cli('--db', db, 'seed-examples')).stderr.split('\n').filter(Boolean)).toHaveLength(5);
    expect((await cli('--db', db, 'seed-examples')).stderr).toContain('already applied');
  });
});

describe('bin/orgshift, as a process', () => {
  it('prints data on stdout, messages on stderr, and exits 0 / 1 / 2', () => {
    const db = freshDb();
    const exec = (...args: string[]) =>
      spawnSync(join(ROOT, 'bin/orgshift'), ['--db', db, ...args], {
        encoding: 'utf8',
        env: { ...process.env, ORGSHIFT_DB: '' },
      });
    const applied = exec('plan', 'apply', ...EXAMPLES);
    expect(applied.status).toBe(0);
    expect(applied.stdout).toBe('');
    expect(applied.stderr).toContain('applied');
    const tree = exec('tree', '--as-of', '2022-01-07', '--unit', 'China Digital Commerce', '--depth', '1');
    expect(tree.status).toBe(0);
    expect(tree.stdout).toContain('China Digital Commerce (section) — head: Dai Shan');
    expect(tree.stderr).toBe('');
    expect(exec('lineage', 'Nowhere').status).toBe(1);
    const usage = exec('tree', '--as-of', 'yesterday');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--as-of: "yesterday" is not a calendar day');
  });

  it('uses ORGSHIFT_DB when --db is not given', () => {
    const db = freshDb();
    const result = spawnSync(join(ROOT, 'bin/orgshift'), ['seed-examples'], {
      encoding: 'utf8',
      env: { ...process.env, ORGSHIFT_DB: db },
    });
    expect(result.status).toBe(0);
    const list = spawnSync(join(ROOT, 'bin/orgshift'), ['plan', 'list', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ORGSHIFT_DB: db },
    });
    expect(JSON.parse(list.stdout).plans).toHaveLength(5);
  });
});

describe('the README tour of impact and scenarios', () => {
  it('runs as written', async () => {
    const db = freshDb();
    expect((await cli('--db', db, 'plan', 'apply', ...EXAMPLES.slice(0, 4))).code).toBe(0);
    const impact = await cli('--db', db, 'plan', 'impact', EXAMPLES[4]!, '--json');
    expect(impact.code).toBe(0);
    expect(JSON.parse(impact.stdout).layers).toEqual({ before: 3, after: 3 });
    const alternative = `${EXAMPLES_DIR}alternatives/one-center.yaml`;
    expect((await cli('--db', db, 'scenario', 'create', 'three-centers', '--date', '2022-01-06')).code).toBe(
      0,
    );
    expect((await cli('--db', db, 'scenario', 'add', 'three-centers', EXAMPLES[4]!)).code).toBe(0);
    expect((await cli('--db', db, 'scenario', 'create', 'one-center', '--date', '2022-01-06')).code).toBe(0);
    expect((await cli('--db', db, 'scenario', 'add', 'one-center', alternative)).code).toBe(0);
    const compare = await cli('--db', db, 'scenario', 'compare', 'three-centers', 'one-center');
    expect(compare.code).toBe(0);
    expect(compare.stdout).toContain('Differences on 2022-01-06, three-centers → one-center');
    expect(compare.stdout).toContain('Unified Taobao Center');
    expect((await cli('--db', db, 'scenario', 'apply', 'three-centers')).code).toBe(0);
    const list = await cli('--db', db, 'scenario', 'list');
    expect(list.stdout).toMatch(/one-center .* open \(stale: rebase\)/);
    const rebase = await cli('--db', db, 'scenario', 'rebase', 'one-center');
    expect(rebase.code).toBe(0);
    expect(rebase.stderr).toContain('dropped: unit "Taobao Live" is already under "Big Taobao"');
    const stats = await cli('--db', db, 'stats', '--as-of', '2022-01-07', '--json');
    expect(JSON.parse(stats.stdout).people).toBe(13);
  });
});

describe('an export read in part', () => {
  it('ends quietly when the reader stops reading (| head), and writes it all to one who reads on', async () => {
    const db = freshDb();
    const units = join(dir, 'units-read-in-part.csv');
    const people = join(dir, 'people-read-in-part.csv');
    writeFileSync(
      units,
      'unit_id,name,type,parent_id,valid_from,valid_to\nu0,Company,company,,2020-01-01,\n',
    );
    const rows = Array.from({ length: 3000 }, (_, i) => `p${i},Person ${i},u0,,,,2020-01-01,`);
    writeFileSync(
      people,
      `person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n${rows.join('\n')}\n`,
    );
    expect((await cli('--db', db, 'import', '--units', units, '--people', people)).code).toBe(0);
    const { spawn } = await import('node:child_process');
    const exportJson = (stopAfterFirst: boolean) =>
      new Promise<{ code: number | null; stderr: string; bytes: number }>((resolve) => {
        const child = spawn(join(ROOT, 'bin/orgshift'), ['--db', db, 'export', '--format', 'json']);
        let stderr = '';
        let bytes = 0;
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.stdout.on('data', (d: Buffer) => {
          bytes += d.length;
          if (stopAfterFirst) child.stdout.destroy();
        });
        child.on('close', (code) => resolve({ code, stderr, bytes }));
      });
    const whole = await exportJson(false);
    expect(whole.code).toBe(0);
    // Longer than a pipe holds, so that the writer finds the pipe closed.
    expect(whole.bytes).toBeGreaterThan(200_000);
    const part = await exportJson(true);
    expect(part.stderr).toBe('');
    expect(part.code).toBe(0);
    expect(part.bytes).toBeLessThan(whole.bytes);
  });
});
