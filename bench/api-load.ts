// Load test of the HTTP API on loopback with autocannon: a tree query, and a plan taken through
// create → propose → approve → apply. Prints a JSON summary and rewrites BENCHMARKS.md's API section.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { seedExamples } from '../src/engine/examples.ts';
import { OrgEngine } from '../src/engine/org-engine.ts';
import { serve } from '../src/server/serve.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-bench-'));
const engine = await OrgEngine.open(join(dir, 'org.db'));
await seedExamples(engine, 'default');
const server = await serve(engine, { host: '127.0.0.1', port: 0, org: 'default' });
await server.access.addUser('bench', 'a long enough benchmark passphrase', 'admin', null, true, 'bench');
const token = await server.access.createToken('bench', 'bench');
const base = `http://127.0.0.1:${server.port}`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

type Result = Awaited<ReturnType<typeof autocannon>>;
const summary = (name: string, r: Result) => ({
  workload: name,
  requestsPerSecond: Math.round(r.requests.average),
  p99Ms: r.latency.p99,
  p50Ms: r.latency.p50,
  errors: r.errors + r.non2xx,
  requests: r.requests.total,
});

const tree = await autocannon({
  url: `${base}/api/tree?asOf=2022-01-07`,
  headers,
  connections: 10,
  duration: quick ? 3 : 10,
});

let counter = 0;
const plans = await autocannon({
  url: base,
  headers,
  connections: 1,
  amount: (quick ? 40 : 200) * 4,
  requests: [
    {
      method: 'POST',
      path: '/api/drafts',
      setupRequest: (req) => {
        counter += 1;
        const source = `plan: load-${counter}\ntitle: Load ${counter}\neffective: 2023-01-01\nchanges:\n  - hire: { person: Load Person ${counter}, unit: Taote }\n`;
        return { ...req, body: JSON.stringify({ source }) };
      },
    },
    { method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/drafts/load-${counter}/propose` }) },
    { method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/drafts/load-${counter}/approve` }) },
    { method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/drafts/load-${counter}/apply` }) },
  ],
});

const results = [
  summary('GET /api/tree (examples, 10 connections)', tree),
  summary('plan create+propose+approve+apply (4 requests per plan, 1 connection)', plans),
];
await server.close();
await engine.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    results: results.map((r) => ({ peer: null, ratio: null, target: null, ...r })),
  }),
);

const machine = describeMachine();
const table = [
  '## HTTP API under load (`npm run bench`, autocannon on loopback)',
  '',
  `Machine: ${machine}. ${quick ? 'Quick run.' : 'Full run.'} Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| workload | requests/s | p50 ms | p99 ms | errors |',
  '| --- | --- | --- | --- | --- |',
  ...results.map((r) => `| ${r.workload} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} |`),
  '',
  'No peer is named for this workload in the issue; the numbers are a baseline for later changes.',
  'A plan dated after every applied plan is tried on the kept organization and only the facts it changes are written; the reads after it take the facts of the kept organization instead of reading the store again (see docs/architecture.md). Back-dated plans replay the whole history.',
  '',
].join('\n');
if (!quick) writeSection('## HTTP API under load', table);
