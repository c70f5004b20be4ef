// Applies one plan file to a store, saying on stdout when it starts and when the apply was
// acknowledged. The crash test kills this process at random moments.
import { readFileSync } from 'node:fs';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';

const [target, file] = process.argv.slice(2);
if (!target || !file) throw new Error('usage: apply-child TARGET PLAN_FILE');
const source = readFileSync(file, 'utf8');
const plan = parsePlan(source, file);
const engine = await OrgEngine.open(target);
process.stdout.write('start\n');
await engine.apply('default', { plan, source });
process.stdout.write('acknowledged\n');
await engine.close();
