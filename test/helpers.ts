import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { run } from '../src/cli/main.ts';
import { formatProblem, OrgshiftError, type Problem } from '../src/core/errors.ts';
import type { History, Plan } from '../src/core/model.ts';
import { checkPlans, type SequencedPlan } from '../src/core/replay.ts';
import { OrgEngine } from '../src/engine/org-engine.ts';
import { parsePlan } from '../src/formats/plan-file.ts';
import { openStore } from '../src/store/open.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EXAMPLES_DIR = `${ROOT}examples/alibaba/`;

export function examplePlans(): Array<{ plan: Plan; source: string; file: string }> {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const source = readFileSync(`${EXAMPLES_DIR}${f}`, 'utf8');
      const file = `examples/alibaba/${f}`;
      return { plan: parsePlan(source, file), source, file };
    });
}

/** Every fact of a history and the order of them, plans included, as text: equal texts, equal histories. */
export function printHistory(history: History): string {
  return JSON.stringify([
    [...history.units],
    [...history.people],
    [...history.businesses],
    history.posts,
    history.lines,
    history.events,
    history.plans,
  ]);
}

export function plan(source: string, file = 'test.yaml'): Plan {
  return parsePlan(source, file);
}

/** Applies plans one after another, like `plan apply`; throws with the problems of the first refusal. */
export function build(...sources: string[]): History {
  const applied: SequencedPlan[] = [];
  let history: History | undefined;
  sources.forEach((source, i) => {
    const p = plan(source, `plan-${i}.yaml`);
    const result = checkPlans(applied, [p]);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    applied.push({ plan: p, seq: i + 1 });
    history = result.history;
  });
  return history!;
}

/** The problems of applying the last plan after the others; fails if it is accepted. */
export function refusal(...sources: string[]): Problem[] {
  const applied: SequencedPlan[] = [];
  for (const [i, source] of sources.entries()) {
    const p = plan(source, `plan-${i}.yaml`);
    const result = checkPlans(applied, [p]);
    if (i === sources.length - 1) {
      if (result.ok) throw new Error('expected the last plan to be refused, but it was accepted');
      return result.problems;
    }
    if (!result.ok)
      throw new Error(`setup plan ${i} refused: ${result.problems.map(formatProblem).join('\n')}`);
    applied.push({ plan: p, seq: i + 1 });
  }
  throw new Error('refusal() needs at least one plan');
}

/** A small organization used by many tests. */
export const BASE = `
plan: base
title: Base organization
effective: 2020-01-01
changes:
  - create: { unit: Acme, type: company }
  - hire: { person: Ada Root, unit: Acme, level: M9 }
  - appoint: { person: Ada Root, unit: Acme }
  - create: { unit: Sales, type: division, parent: Acme }
  - create: { unit: Sales East, type: team, parent: Sales }
  - create: { unit: Sales West, type: team, parent: Sales }
  - create: { unit: Engineering, type: division, parent: Acme }
  - create: { unit: Platform, type: team, parent: Engineering }
  - hire: { person: Bob Sales, unit: Sales, level: M6 }
  - appoint: { person: Bob Sales, unit: Sales }
  - hire: { person: Cy East, unit: Sales East, level: M5 }
  - appoint: { person: Cy East, unit: Sales East }
  - hire: { person: Dee Seller, unit: Sales East, level: P6 }
  - hire: { person: Eve West, unit: Sales West, level: P5 }
  - hire: { person: Finn Eng, unit: Engineering, level: M6 }
  - appoint: { person: Finn Eng, unit: Engineering }
  - hire: { person: Gus Dev, unit: Platform, level: P7 }
  - launch: { business: Storefront, unit: Sales East }
  - launch: { business: Cloud, unit: Platform }
`;

/** Runs the CLI in-process, as `bin/orgshift ARGS` would, with `stdin` on standard input. */
export async function runCli(
  args: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  const code = await run(args, {
    out: (t) => {
      stdout += line(t);
    },
    write: async (pieces) => {
      for (const piece of pieces) stdout += piece;
    },
    err: (t) => {
      stderr += line(t);
    },
    stdin: async () => stdin,
  });
  return { code, stdout, stderr };
}

/**
 * The store's units, people and posts exported as the import's CSVs (every period), imported into a
 * new store at `again` and exported from it: both exports, to be compared.
 */
export async function exportedAndAgain(
  db: string,
  again: string,
  dir: string,
): Promise<{ first: Record<string, string>; second: Record<string, string> }> {
  const exportFrom = async (store: string) => {
    const files: Record<string, string> = {};
    for (const kind of ['units', 'people', 'posts']) {
      const out = await runCli(['--db', store, 'export', '--format', `csv-${kind}`, '--full']);
      if (out.code !== 0) throw new Error(out.stderr);
      files[kind] = out.stdout;
    }
    return files;
  };
  const first = await exportFrom(db);
  const paths = Object.keys(first).flatMap((kind) => {
    const path = join(dir, `exported-${kind}.csv`);
    writeFileSync(path, first[kind]!);
    return [`--${kind}`, path];
  });
  const imported = await runCli(['--db', again, 'import', ...paths]);
  if (imported.code !== 0) throw new Error(imported.stderr);
  return { first, second: await exportFrom(again) };
}

/**
 * Engines each on a new SQLite file of a folder of their own (removed after the test file's tests), on
 * one fixed clock, so that two stores written alike dump alike.
 */
export function scratchEngines(prefix: string): (name: string) => Promise<OrgEngine> {
  const dir = mkdtempSync(join(tmpdir(), `orgshift-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const clock = () => new Date('2026-01-01T00:00:00.000Z');
  let counter = 0;
  return async (name) => {
    const e = new OrgEngine(openStore(join(dir, `${name}-${++counter}.db`)), clock);
    await e.store.migrate();
    return e;
  };
}

/** What `apply` gave on `e`'s store: the stored rows, or the problems of the refusal. */
export async function storedOrRefused(e: OrgEngine, apply: () => Promise<unknown>): Promise<string> {
  try {
    await apply();
    return `stored ${await e.store.dump()}`;
  } catch (error) {
    if (!(error instanceof OrgshiftError)) throw error;
    return `refused ${JSON.stringify(error.problems)}`;
  }
}
