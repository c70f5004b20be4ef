// Memory of the in-memory engine state for a large organization: the history as the engine keeps it
// (records with their versions, as replaying plans builds them) plus the typed-array index and one
// materialized day. The goal: two million people, a hundred thousand units and ten years of
// history in at most 4 GB of the Node process. The history is built directly (replaying ten years of
// generated plans of this size through YAML would take far longer than the measurement).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyHistory,
  type PersonRecord,
  type PostVersion,
  type Provenance,
  type UnitRecord,
} from '../src/core/model.ts';
import { OrgIndex } from '../src/core/org-index.ts';
import { addDays } from '../src/core/time.ts';
import { openStore } from '../src/store/open.ts';
import { describeMachine, writeSection } from './benchmarks-file.ts';
import { random } from './generate.ts';

const quick = process.argv.includes('--quick');
const people = quick ? 200_000 : 2_000_000;
const units = people / 20;
const years = 10;
const log = (m: string) => writeSync(2, `${m}\n`);

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  return process.memoryUsage();
};
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

const base = heap();
const rand = random(7);
const start = '2015-01-01';
const history = emptyHistory();
const prov = (plan: string): Provenance => ({ plan, inferred: false });
let provenance = prov('base');
const fanout = Math.max(2, Math.round(units ** (1 / 11)));
const unitParent: number[] = [-1];
for (let i = 0; i < units; i++) {
  const parent = i === 0 ? null : `u${Math.floor((i - 1) / fanout)}`;
  if (i > 0) unitParent.push(Math.floor((i - 1) / fanout));
  const record: UnitRecord = {
    id: `u${i}`,
    aliases: [],
    versions: [{ from: start, to: null, prov: provenance, name: `Unit ${i}`, type: 'unit', parent }],
  };
  history.units.set(record.id, record);
}
const unitOf = new Int32Array(people);
for (let p = 0; p < people; p++) {
  const unit = p < units ? p : Math.floor(rand() * units);
  unitOf[p] = unit;
  const record: PersonRecord = {
    id: `p${p}`,
    aliases: [],
    unnamed: false,
    versions: [
      {
        from: start,
        to: null,
        prov: provenance,
        name: `Person ${p}`,
        level: 'P5',
        title: null,
        unit: `u${unit}`,
      },
    ],
  };
  history.people.set(record.id, record);
}
const heads: PostVersion[] = [];
for (let u = 0; u < units; u++) {
  const post: PostVersion = {
    from: start,
    to: null,
    prov: provenance,
    unit: `u${u}`,
    post: 'head',
    holder: `p${u}`,
    concurrent: false,
  };
  heads.push(post);
  history.posts.push(post);
}
// Monthly: 1% of people move, 0.3% leave and as many are hired, 0.1% of units move, 1% of heads change.
let day = start;
let nextPerson = people;
for (let month = 1; month <= years * 12; month++) {
  day = addDays(day, 30);
  provenance = prov(`month-${month}`);
  const close = (versions: Array<{ to: string | null }>) => {
    versions[versions.length - 1]!.to = day;
  };
  for (let k = 0; k < people / 100; k++) {
    const p = units + Math.floor(rand() * (people - units));
    const record = history.people.get(`p${p}`)!;
    const last = record.versions.at(-1)!;
    if (last.to !== null) continue;
    close(record.versions);
    record.versions.push({
      ...last,
      from: day,
      to: null,
      prov: provenance,
      unit: `u${Math.floor(rand() * units)}`,
    });
  }
  for (let k = 0; k < (people * 3) / 1000; k++) {
    const p = units + Math.floor(rand() * (people - units));
    const record = history.people.get(`p${p}`)!;
    if (record.versions.at(-1)!.to === null) close(record.versions);
    const id = `p${nextPerson++}`;
    history.people.set(id, {
      id,
      aliases: [],
      unnamed: false,
      versions: [
        {
          from: day,
          to: null,
          prov: provenance,
          name: `Person ${id}`,
          level: 'P4',
          title: null,
          unit: `u${Math.floor(rand() * units)}`,
        },
      ],
    });
  }
  for (let k = 0; k < units / 1000; k++) {
    const u = 1 + Math.floor(rand() * (units - 1));
    const target = Math.floor(rand() * u);
    // Only to a smaller index that is not below it, so no cycle (indices grow with depth).
    let below = false;
    for (let a = target; a >= 0; a = unitParent[a]!) if (a === u) below = true;
    if (below) continue;
    const record = history.units.get(`u${u}`)!;
    const last = record.versions.at(-1)!;
    close(record.versions);
    record.versions.push({ ...last, from: day, to: null, prov: provenance, parent: `u${target}` });
    unitParent[u] = target;
  }
  for (let k = 0; k < units / 100; k++) {
    const u = Math.floor(rand() * units);
    const current = heads[u]!;
    current.to = day;
    const post: PostVersion = {
      ...current,
      from: day,
      to: null,
      prov: provenance,
      holder: `p${Math.floor(rand() * people)}`,
    };
    heads[u] = post;
    history.posts.push(post);
  }
}
let versions = 0;
for (const r of history.people.values()) versions += r.versions.length;
for (const r of history.units.values()) versions += r.versions.length;
versions += history.posts.length;
const afterHistory = heap();
log(
  `history: ${history.people.size} people, ${history.units.size} units, ${versions} versions, heap ${mb(afterHistory.heapUsed)} MB`,
);
const started = performance.now();
const index = OrgIndex.of(history);
const buildMs = performance.now() - started;
const t0 = performance.now();
const at = index.at(day);
const atMs = performance.now() - t0;
const afterIndex = heap();
const total = afterIndex.rss;
log(
  `index built in ${buildMs.toFixed(0)} ms; as of ${day}: ${at.people} people in ${at.order.length} units in ${atMs.toFixed(0)} ms; rss ${mb(total)} MB`,
);

// Through the store, as a server holds it: the history committed to a new SQLite store, then a new
// process opens the engine on it and serves a tree and a plan check (the query cache with its index,
// and the kept organization resumed on the same records).
const dir = mkdtempSync(join(tmpdir(), 'orgshift-memory-'));
const dbFile = join(dir, 'org.db');
let engineMem: {
  rss: number;
  heapUsed: number;
  treeMs: number;
  checkMs: number;
  treeRss: number;
  treeHeapUsed: number;
};
let writeMs: number;
try {
  const store = openStore(dbFile);
  await store.migrate();
  const org = await store.ensureOrg('default', new Date().toISOString());
  history.plans = [
    {
      id: 'generated',
      title: 'generated',
      effective: day,
      announcedBy: null,
      sources: [],
      file: 'generated.yaml',
      seq: 1,
    },
  ];
  const writeStarted = performance.now();
  await store.commit(
    org,
    [
      {
        summary: history.plans[0]!,
        source: 'plan: generated\ntitle: generated\neffective: 2015-01-01\nchanges: []\n',
      },
    ],
    history,
    new Date().toISOString(),
  );
  writeMs = performance.now() - writeStarted;
  await store.close();
  log(`committed to SQLite in ${(writeMs / 1000).toFixed(1)} s; opening the engine in a new process…`);
  const child = spawnSync(
    process.execPath,
    // A heap larger than Node's default (about 4 GB here), so that a process above the goal is measured
    // rather than stopped.
    [
      '--expose-gc',
      '--max-old-space-size=16384',
      '--import',
      'tsx',
      join(import.meta.dirname, 'memory-engine.ts'),
      dbFile,
      day,
      'u5',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`the engine process failed: ${child.stderr.slice(-2000)}`);
  engineMem = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
  log(
    `engine: after the tree rss ${mb(engineMem.treeRss)} MB (heap ${mb(engineMem.treeHeapUsed)} MB); after the check rss ${mb(engineMem.rss)} MB (heap ${mb(engineMem.heapUsed)} MB); tree ${engineMem.treeMs.toFixed(0)} ms, check ${engineMem.checkMs.toFixed(0)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const results = [
  {
    workload: `memory: ${history.people.size} people, ${history.units.size} units, ${years} years (${versions} versions), history + index + one day`,
    peer: `4 GB (ratio = 4 GB / resident memory; reads above 1 as within the goal)`,
    ratio: Number(((4 * 2 ** 30) / total).toFixed(2)),
    target: 1,
    rssMb: mb(total),
    heapMb: mb(afterIndex.heapUsed),
    historyHeapMb: mb(afterHistory.heapUsed - base.heapUsed),
    typedArraysMb: mb(afterIndex.arrayBuffers),
    gc: gc !== undefined,
  },
  {
    workload: `memory: the same organization read from a SQLite store by the engine (first tree and plan check)`,
    peer: `4 GB (ratio = 4 GB / resident memory; reads above 1 as within the goal)`,
    ratio: Number(((4 * 2 ** 30) / engineMem.rss).toFixed(2)),
    target: 1,
    rssMb: mb(engineMem.rss),
    heapMb: mb(engineMem.heapUsed),
  },
];
console.log(JSON.stringify({ results }));
const section = [
  '## Memory of a large organization (`bench/memory.ts`)',
  '',
  `Machine: ${describeMachine()}. ${history.people.size} people (${people} at the start, hires and leavers monthly), ${history.units.size} units, ${years} years of monthly changes (1% of people move, 0.3% leave and are replaced, 0.1% of units move, 1% of heads change): ${versions} versions. Built directly as the engine's in-memory history (not replayed from plans). Measured ${new Date().toISOString().slice(0, 10)}${gc ? ', after a full garbage collection' : ''}.`,
  '',
  '| | MB |',
  '| --- | ---: |',
  `| the history (records and versions, JS objects) | ${mb(afterHistory.heapUsed - base.heapUsed)} |`,
  `| the typed-array index and one materialized day (array buffers) | ${mb(afterIndex.arrayBuffers)} |`,
  `| the whole Node process, resident | ${mb(total)} |`,
  `| through the store: a new process with the engine open on it, after its first tree (${(engineMem.treeMs / 1000).toFixed(1)} s), resident (V8 heap in use) | ${mb(engineMem.treeRss)} (${mb(engineMem.treeHeapUsed)}) |`,
  `| through the store: a new process with the engine open on it, after its first tree (${(engineMem.treeMs / 1000).toFixed(1)} s) and plan check (${(engineMem.checkMs / 1000).toFixed(1)} s), resident (V8 heap in use) | ${mb(engineMem.rss)} (${mb(engineMem.heapUsed)}) |`,
  '',
  `Through the store: the history was committed to a new SQLite store (${(writeMs / 1000).toFixed(0)} s), then a new process opened the engine on it and answered a tree as of ${day} (the history read into the query cache, with its index) and a one-line plan check (the kept organization resumed on the same records, with its indexes of what is open: one copy of the facts for both). Goal for that process: ${engineMem.rss <= 4 * 2 ** 30 ? 'met' : 'not met'}.`,
  '',
  `Goal: ≤ 4096 MB for the process — ${total <= 4 * 2 ** 30 ? 'met' : 'not met'}. Index build ${buildMs.toFixed(0)} ms, one day materialized in ${atMs.toFixed(0)} ms. Not counted: the SQLite or PostgreSQL store (on disk), and the server's snapshot cache (a snapshot per day asked for, each a copy of the organization of that day).`,
  '',
].join('\n');
if (!quick) writeSection('## Memory of a large organization', section);
