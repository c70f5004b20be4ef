import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { sql } from '../../src/store/kysely-runtime.ts';
import { FACT_TABLES } from '../../src/store/schema.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { OrgStore } from '../../src/store/store.ts';
import { BASE, plan, ROOT } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store's content without the moments it was written, which differ from run to run. */
async function content(store: OrgStore): Promise<string> {
  const dump = JSON.parse(await store.dump()) as Record<string, Array<Record<string, unknown>>>;
  for (const rows of Object.values(dump)) {
    for (const row of rows) {
      for (const column of ['recorded_at', 'created_at']) if (column in row) row[column] = 'T';
      if ('superseded_at' in row) row.superseded_at = row.superseded_at === null ? null : 'T';
    }
    rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return JSON.stringify(dump);
}

async function contentOf(path: string): Promise<{ content: string; integrity: string }> {
  const store = openSqliteStore(path);
  try {
    return { content: await content(store), integrity: (await store.capabilities.integrityCheck?.()) ?? '' };
  } finally {
    await store.close();
  }
}

/** A plan of `count` operations: hires spread over the base organization's units, then promotions. */
function largePlan(count: number): string {
  const units = ['Sales', 'Sales East', 'Sales West', 'Engineering', 'Platform'];
  const lines = ['plan: large', 'title: Large hiring round', 'effective: 2021-01-01', 'changes:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - hire: { person: Person ${i}, unit: ${units[i % units.length]}, level: P${4 + (i % 4)} }`);
  }
  return `${lines.join('\n')}\n`;
}

const template = join(dir, 'template.db');
const planFile = join(dir, 'large.yaml');
let before = '';
let after = '';
/** How long an uninterrupted apply runs after it starts, so that the kills spread over all of it. */
let applySpanMs = 500;

beforeAll(async () => {
  const engine = await OrgEngine.open(template);
  await engine.apply('default', { plan: plan(BASE), source: BASE });
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(engine.store.db);
  await engine.close();
  before = (await contentOf(template)).content;
  writeFileSync(planFile, largePlan(3000));
  const done = join(dir, 'done.db');
  copyFileSync(template, done);
  const child = await runChild(done, Number.POSITIVE_INFINITY);
  expect(child.acknowledged).toBe(true);
  applySpanMs = Math.max(50, child.spanMs);
  after = (await contentOf(done)).content;
  expect(after).not.toBe(before);
});

interface ChildResult {
  acknowledged: boolean;
  killed: boolean;
  /** From "start" to "acknowledged" (or to the kill). */
  spanMs: number;
}

/**
 * Runs the apply (or with `args`, another child script) in a child process and kills it with SIGKILL
 * `delayMs` after it starts applying.
 */
function runChild(
  target: string,
  delayMs: number,
  args: string[] = [join(ROOT, 'test/crash/apply-child.ts'), target, planFile],
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let startedAt = 0;
    let endedAt = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('start') && startedAt === 0) {
        startedAt = performance.now();
        if (Number.isFinite(delayMs)) {
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
      if (out.includes('acknowledged') && endedAt === 0) endedAt = performance.now();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
      else {
        resolve({
          acknowledged: out.includes('acknowledged'),
          killed: signal === 'SIGKILL',
          spanMs: (endedAt || performance.now()) - startedAt,
        });
      }
    });
  });
}

describe('crash safety (SQLite, WAL, synchronous = FULL)', () => {
  it('kill -9 at 200 random moments of a 3000-operation apply: before or after, never between; nothing acknowledged is lost', async () => {
    const RUNS = 200;
    // Each kill lands at a random share of the apply's expected span. The span adapts to the
    // machine's load as the runs go: a run that finished before its kill shows the span was
    // overestimated, a run cut off before its commit that it may be longer.
    const shares = fc.sample(fc.double({ min: 0, max: 1.2, noNaN: true }), { numRuns: RUNS, seed: 7 });
    let span = applySpanMs;
    const outcomes = { before: 0, after: 0, acknowledged: 0 };
    let next = 0;
    const worker = async () => {
      while (next < RUNS) {
        const i = next++;
        const target = join(dir, `run-${i}.db`);
        copyFileSync(template, target);
        const delay = Math.round(shares[i]! * span);
        const result = await runChild(target, delay);
        const state = await contentOf(target);
        const context = `run ${i}, killed ${delay} ms after start, acknowledged: ${result.acknowledged}`;
        expect(state.integrity, context).toBe('ok');
        expect(state.content === before || state.content === after, context).toBe(true);
        if (result.acknowledged) {
          expect(state.content, context).toBe(after);
          outcomes.acknowledged += 1;
        }
        if (state.content === before) outcomes.before += 1;
        else outcomes.after += 1;
        if (result.acknowledged) span = Math.max(50, Math.min(span, result.spanMs) * 0.98);
        else if (state.content === before) span *= 1.03;
        rmSync(target, { force: true });
        rmSync(`${target}-wal`, { force: true });
        rmSync(`${target}-shm`, { force: true });
      }
    };
    await Promise.all([worker(), worker()]);
    expect(outcomes.before + outcomes.after).toBe(RUNS);
    // The kills must land on both sides of the commit, or the test proves little.
    expect(outcomes.before, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect(outcomes.after, JSON.stringify(outcomes)).toBeGreaterThan(0);
  }, 600_000);

  it('a WAL file truncated at a random offset reopens to a committed state', async () => {
    const path = join(dir, 'wal.db');
    copyFileSync(template, path);
    const engine = await OrgEngine.open(path);
    await sql`pragma wal_autocheckpoint = 0`.execute(engine.store.db);
    const committed = [await content(engine.store)];
    for (let i = 0; i < 6; i++) {
      const source = `plan: step-${i}\ntitle: step\neffective: 2021-0${i + 1}-01\nchanges:\n  - hire: { person: Step ${i}, unit: Sales }\n  - promote: { person: Dee Seller, level: P${i + 7} }\n`;
      await engine.apply('default', { plan: plan(source), source });
      committed.push(await content(engine.store));
    }
    const saved = join(dir, 'wal-saved');
    copyFileSync(path, `${saved}.db`);
    copyFileSync(`${path}-wal`, `${saved}.db-wal`);
    await engine.close();
    const walSize = readFileSync(`${saved}.db-wal`).length;
    expect(walSize).toBeGreaterThan(0);
    const offsets = fc.sample(fc.integer({ min: 0, max: walSize }), { numRuns: 25, seed: 11 });
    const seen = new Set<number>();
    for (const [i, offset] of offsets.entries()) {
      const trial = join(dir, `wal-trial-${i}.db`);
      copyFileSync(`${saved}.db`, trial);
      copyFileSync(`${saved}.db-wal`, `${trial}-wal`);
      truncateSync(`${trial}-wal`, offset);
      const state = await contentOf(trial);
      expect(state.integrity).toBe('ok');
      const index = committed.indexOf(state.content);
      expect(index).toBeGreaterThanOrEqual(0);
      seen.add(index);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('kill -9 at random moments of a large import written by a second thread: nothing or all of it', async () => {
    const { writeImportFiles } = await import('../../bench/import-files.ts');
    // Skip-level managers: a reporting line per member, so that the facts are enough rows for the
    // second thread (more than OrgStore.bulkRows) from a file of 25k people rows.
    const files = await writeImportFiles(dir, 25_000, 'skip-level');
    const empty = join(dir, 'import-empty.db');
    await (await OrgEngine.open(empty)).close();
    // Nothing imported: the new store, or it with the organization made (before the import's transaction).
    const withOrg = join(dir, 'import-org.db');
    copyFileSync(empty, withOrg);
    const store = openSqliteStore(withOrg);
    await store.ensureOrg('default', new Date().toISOString());
    await store.close();
    const nothing = [(await contentOf(empty)).content, (await contentOf(withOrg)).content];
    // Half the runs as `bin/orgshift import` writes (alone: a rollback journal), half as a server does
    // (WAL); half straight from the files (the people stored as they are read), half the usual way.
    const args = (target: string, how = 'alone', way = 'direct') => [
      join(ROOT, 'test/crash/import-child.ts'),
      target,
      files.units,
      files.people,
      files.posts,
      how,
      way,
    ];
    const whole = join(dir, 'import-whole.db');
    copyFileSync(empty, whole);
    const full = await runChild(whole, Number.POSITIVE_INFINITY, args(whole));
    expect(full.acknowledged).toBe(true);
    const all = (await contentOf(whole)).content;
    // Enough rows for the second thread (OrgStore.bulkRows).
    const facts = Object.entries(JSON.parse(all) as Record<string, unknown[]>)
      .filter(([table]) => (FACT_TABLES as readonly string[]).includes(table))
      .reduce((n, [, rows]) => n + rows.length, 0);
    const opened = openSqliteStore(whole);
    expect(facts).toBeGreaterThan(opened.bulkRows);
    await opened.close();
    const RUNS = 12;
    const shares = fc.sample(fc.double({ min: 0.05, max: 1.1, noNaN: true }), { numRuns: RUNS, seed: 13 });
    const outcomes = { nothing: 0, all: 0 };
    let next = 0;
    const worker = async () => {
      while (next < RUNS) {
        const i = next++;
        const target = join(dir, `import-run-${i}.db`);
        copyFileSync(empty, target);
        const delay = Math.round(shares[i]! * full.spanMs);
        const how = i % 2 === 0 ? 'alone' : 'shared';
        const way = i % 4 < 2 ? 'direct' : 'usual';
        const result = await runChild(target, delay, args(target, how, way));
        const state = await contentOf(target);
        const context = `run ${i} (${how}, ${way}), killed ${delay} ms after start, acknowledged: ${result.acknowledged}`;
        expect(state.integrity, context).toBe('ok');
        expect(nothing.includes(state.content) || state.content === all, context).toBe(true);
        if (result.acknowledged) expect(state.content, context).toBe(all);
        if (nothing.includes(state.content)) outcomes.nothing += 1;
        else outcomes.all += 1;
      }
    };
    await Promise.all([worker(), worker()]);
    expect(outcomes.nothing, JSON.stringify(outcomes)).toBeGreaterThan(0);
  }, 600_000);
});
