import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlan } from '../formats/plan-file.ts';
import type { OrgEngine } from './org-engine.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/alibaba/', import.meta.url));

/** The example plan files in the order they are applied (their names sort by effective date). */
export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${EXAMPLES}${f}`);
}

/** Applies the example plans that the organization does not have yet. */
export async function seedExamples(
  engine: OrgEngine,
  org: string,
): Promise<Array<{ plan: string; file: string }>> {
  const done = new Set((await engine.plans(org)).map((p) => p.id));
  const applied: Array<{ plan: string; file: string }> = [];
  for (const path of exampleFiles()) {
    const source = readFileSync(path, 'utf8');
    const file = `examples/alibaba/${path.slice(EXAMPLES.length)}`;
    const plan = parsePlan(source, file);
    if (done.has(plan.id)) continue;
    await engine.apply(org, { plan, source });
    applied.push({ plan: plan.id, file });
  }
  return applied;
}
