// What the benchmarks share: their command-line sizes, the generated organization replayed, a median
// of timed runs, and a scratch PostgreSQL database for the SQL peers.
import pg from 'pg';
import type { History } from '../src/core/model.ts';
import { replay } from '../src/core/replay.ts';
import { type GeneratedOrganization, generateOrganization } from './generate.ts';

/** `--name N` from the command line, or the fallback. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A generated organization and the history its plans replay to. */
export function generatedHistory(options: Parameters<typeof generateOrganization>[0]): {
  generated: GeneratedOrganization;
  history: History;
} {
  const generated = generateOrganization(options);
  const result = replay(generated.plans.map((p, i) => ({ plan: p.plan, seq: i + 1 })));
  if (!result.ok) throw new Error(`generated organization refused: ${JSON.stringify(result.problems[0])}`);
  return { generated, history: result.history };
}

/** The median time of `runs` runs of `work`, in ms, after one run to warm up. */
export async function median(work: () => unknown, runs = 5): Promise<number> {
  const once = async () => {
    const pending = work();
    if (pending instanceof Promise) await pending;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** A PostgreSQL database of its own for one benchmark run; `close()` drops it. */
export async function scratchDatabase(prefix: string): Promise<{ db: pg.Client; close(): Promise<void> }> {
  const url = process.env.ORGSHIFT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const database = `${prefix}_${process.pid}`;
  await admin.query(`create database ${database}`);
  const target = new URL(url);
  target.pathname = `/${database}`;
  const db = new pg.Client({ connectionString: target.toString() });
  await db.connect();
  return {
    db,
    close: async () => {
      await db.end();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    },
  };
}

/** Inserts rows in multi-row statements, as many per statement as PostgreSQL's parameter limit allows. */
export async function insertRows(
  db: pg.Client,
  table: string,
  rows: Array<Array<string | number | null>>,
  columns?: string,
): Promise<void> {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  const perStatement = Math.floor(60_000 / width);
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const values = chunk
      .map((_r, j) => `(${Array.from({ length: width }, (_c, k) => `$${j * width + k + 1}`).join(',')})`)
      .join(',');
    await db.query(`insert into ${table}${columns ? ` (${columns})` : ''} values ${values}`, chunk.flat());
  }
}
