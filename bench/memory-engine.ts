// Run by bench/memory.ts in a process of its own: opens the engine on a store holding a large
// organization and does what a server does on its first requests — the tree as of a day (the
// history read into the query cache and its index) and a plan check (the kept organization built from
// the stored facts) — then reports the process's memory as JSON on stdout.
import { OrgEngine } from '../src/engine/org-engine.ts';
import { parsePlan } from '../src/formats/plan-file.ts';

const [file, day, unit] = process.argv.slice(2);
if (!file || !day || !unit) throw new Error('usage: memory-engine.ts DB DAY UNIT');
const gc = (globalThis as { gc?: () => void }).gc;
const engine = await OrgEngine.open(file);
let started = performance.now();
await engine.tree('default', day);
const treeMs = performance.now() - started;
gc?.();
const afterTree = process.memoryUsage();
const source = `plan: rename\ntitle: t\neffective: ${day}\nchanges:\n  - rename: { unit: "#${unit}", to: Renamed }\n`;
started = performance.now();
const verdict = await engine.check('default', [parsePlan(source, 'rename.yaml')]);
const checkMs = performance.now() - started;
if (!verdict.ok) throw new Error(`the check failed: ${JSON.stringify(verdict.problems)}`);
gc?.();
const usage = process.memoryUsage();
console.log(
  JSON.stringify({
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    treeMs,
    checkMs,
    treeRss: afterTree.rss,
    treeHeapUsed: afterTree.heapUsed,
  }),
);
await engine.close();
