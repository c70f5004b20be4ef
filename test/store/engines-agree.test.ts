import { afterAll, describe, expect, it } from 'vitest';
import { examplePlans, runCli } from '../helpers.ts';
import { dialects } from './dialects.ts';

const cli = (...args: string[]) => runCli(args);

const engines = dialects();
afterAll(async () => {
  for (const engine of engines) await engine.cleanup();
});

describe('SQLite and PostgreSQL give the same answers', () => {
  it('byte-identical tree, person, diff and lineage JSON for every date where something changed', async () => {
    const targets = await Promise.all(engines.map((e) => e.newTarget()));
    for (const db of targets) expect((await cli('--db', db, 'seed-examples')).code).toBe(0);
    const dates = [...new Set(examplePlans().map((p) => p.plan.effective))];
    const queries: string[][] = [];
    for (const date of dates) {
      queries.push(['tree', '--as-of', date, '--json']);
      queries.push(['diff', '--from', '2019-12-31', '--to', date, '--json']);
    }
    queries.push(['person', 'Dai Shan', '--as-of', '2022-01-07', '--json']);
    for (const unit of ['Tmall Business Group', 'Koubei', 'Big Taobao', 'Ali Local Life Service Company']) {
      queries.push(['lineage', unit, '--json']);
    }
    queries.push(['business', 'Ele.me', '--json']);
    for (const query of queries) {
      const [first, ...others] = await Promise.all(targets.map((db) => cli('--db', db, ...query)));
      expect(first!.code, query.join(' ')).toBe(0);
      for (const other of others) expect(other.stdout, query.join(' ')).toBe(first!.stdout);
    }
  });
});
