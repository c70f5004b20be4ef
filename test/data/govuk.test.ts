import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nameKey } from '../../src/core/names.ts';
import type { TreeNode } from '../../src/core/queries.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { ROOT, runCli } from '../helpers.ts';

// Real data from ../shared/data (never copied into the repository): 59 monthly snapshots of the GOV.UK
// organisations API, 2021-08-11 to 2026-06-01, ~1,250 organisations each. The converter below turns them
// into the import's units and lineage CSVs; the test then asks the imported organization, as of every
// snapshot's date, for every organisation, its parents and its status.
//
// Conversion rules (the data is messy; each rule is counted and the counts checked below):
// - an organisation is a unit whose id is its slug; its first parent is its parent, the others are
//   `other_parent_ids`; organisations without a parent go under a root, "UK government";
// - a parent the same snapshot does not list is left out (it is not in that month's data); a parent
//   listed twice counts once;
// - two organisations under one parent with the same name (after the sibling-name rule: case, spacing and
//   punctuation ignored) keep it for the first by slug; the others are named "NAME (slug)";
// - an organisation missing from a snapshot ends that day and comes back (same id) when it reappears;
// - superseding organisations become lineage rows dated the first snapshot that lists them; the kind is
//   govuk_closed_status (merged → merge, split → split, changed_name → rename, otherwise replace).
const ARCHIVE = join(ROOT, '../shared/data/govuk-organisations-monthly.tar.xz');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-govuk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ApiOrganisation {
  id: string;
  title: string;
  format: string;
  details: { govuk_status: string; govuk_closed_status: string | null };
  parent_organisations: Array<{ id: string }>;
  superseding_organisations: Array<{ id: string }>;
}

interface Organisation {
  slug: string;
  name: string;
  type: string;
  status: string;
  parents: string[];
  successors: string[];
  closedStatus: string | null;
}

interface Snapshot {
  date: string;
  orgs: Map<string, Organisation>;
}

const slugOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const ROOT_NAME = 'UK government';
const ROOT_ID = '__root__';

function readSnapshots(counts: Record<string, number>): Snapshot[] {
  execFileSync('tar', ['xJf', ARCHIVE, '-C', dir]);
  const folder = join(dir, 'govuk_odileeds_snapshots');
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const date = /(\d{4}-\d{2}-\d{2})/.exec(file)![1]!;
    const results = (JSON.parse(readFileSync(join(folder, file), 'utf8')) as { results: ApiOrganisation[] })
      .results;
    const listed = new Set(results.map((o) => slugOf(o.id)));
    const orgs = new Map<string, Organisation>();
    for (const o of results) {
      const listedParents = o.parent_organisations.map((p) => slugOf(p.id));
      const parents = [...new Set(listedParents)];
      counts.repeatedParents! += listedParents.length - parents.length;
      const present = parents.filter((p) => listed.has(p));
      counts.absentParents! += parents.length - present.length;
      const successors = o.superseding_organisations.map((p) => slugOf(p.id));
      orgs.set(slugOf(o.id), {
        slug: slugOf(o.id),
        name: o.title.trim(),
        type: o.format,
        status: o.details.govuk_status,
        parents: present,
        successors: successors.filter((s) => listed.has(s)),
        closedStatus: o.details.govuk_closed_status,
      });
    }
    // Sibling names must differ: the later slugs of a clash are named "NAME (slug)".
    const byParentAndName = new Map<string, Organisation[]>();
    for (const o of orgs.values()) {
      const key = `${o.parents[0] ?? ROOT_ID}\u0000${nameKey(o.name)}`;
      byParentAndName.set(key, [...(byParentAndName.get(key) ?? []), o]);
    }
    for (const group of byParentAndName.values()) {
      group.sort((a, b) => a.slug.localeCompare(b.slug));
      for (const o of group.slice(1)) {
        o.name = `${o.name} (${o.slug})`;
        counts.renamedClashes! += 1;
      }
    }
    return { date, orgs };
  });
}

const state = (o: Organisation) => JSON.stringify([o.name, o.type, o.status, o.parents]);

function toCsv(snapshots: Snapshot[], counts: Record<string, number>): { units: string; lineage: string } {
  const units = ['unit_id,name,type,parent_id,other_parent_ids,status,valid_from,valid_to'];
  const lineage = ['unit_id,successor_id,kind,date'];
  const slugs = new Set(snapshots.flatMap((s) => [...s.orgs.keys()]));
  for (const slug of [...slugs].sort()) {
    let open: { o: Organisation; from: string } | undefined;
    let successors = '';
    const close = (to: string) => {
      if (!open) return;
      const { o, from } = open;
      units.push(
        [slug, o.name, o.type, o.parents[0] ?? '', o.parents.slice(1).join(';'), o.status, from, to]
          .map(csvField)
          .join(','),
      );
      open = undefined;
    };
    for (const { date, orgs } of snapshots) {
      const o = orgs.get(slug);
      if (!o) {
        if (open) counts.endings! += 1;
        close(date);
        continue;
      }
      if (open && state(open.o) !== state(o)) close(date);
      if (!open) open = { o, from: date };
      const listed = [...o.successors].sort().join(';');
      if (listed !== '' && listed !== successors) {
        const kind =
          { merged: 'merge', split: 'split', changed_name: 'rename' }[o.closedStatus ?? ''] ?? 'replace';
        for (const s of o.successors) lineage.push([slug, s, kind, date].join(','));
      }
      successors = listed;
    }
    close('');
  }
  return { units: `${units.join('\n')}\n`, lineage: `${lineage.join('\n')}\n` };
}

describe('GOV.UK organisations, 59 monthly snapshots', () => {
  it('imports as unit periods and lineage; as of each snapshot the tree is that snapshot', async () => {
    expect(
      existsSync(ARCHIVE),
      `${ARCHIVE} is missing: the tests read ../shared/data beside the checkout`,
    ).toBe(true);
    const counts: Record<string, number> = {
      absentParents: 0,
      repeatedParents: 0,
      renamedClashes: 0,
      endings: 0,
    };
    const snapshots = readSnapshots(counts);
    expect(snapshots).toHaveLength(59);
    const { units, lineage } = toCsv(snapshots, counts);
    // What the rules above had to deal with, so that a change in the data or the converter shows.
    expect(counts).toEqual({ absentParents: 5, repeatedParents: 29, renamedClashes: 8, endings: 21 });
    writeFileSync(join(dir, 'units.csv'), units);
    writeFileSync(join(dir, 'lineage.csv'), lineage);
    const db = join(dir, 'govuk.db');
    const { code, stderr } = await runCli([
      '--db',
      db,
      'import',
      '--root',
      ROOT_NAME,
      '--units',
      join(dir, 'units.csv'),
      '--lineage',
      join(dir, 'lineage.csv'),
    ]);
    expect(code, stderr).toBe(0);
    const rows = units.split('\n').length - 2 + lineage.split('\n').length - 2;
    expect(stderr).toContain(`read ${rows} rows: ${rows} accepted, 0 rejected`);

    const engine = await OrgEngine.open(db);
    let compared = 0;
    let withSeveralParents = 0;
    for (const { date, orgs } of snapshots) {
      const tree = await engine.tree('default', date);
      const seen = new Map<string, { parent: string; node: TreeNode }>();
      const walk = (node: TreeNode, parent: string) => {
        seen.set(node.id, { parent, node });
        for (const child of node.children) walk(child, node.id);
      };
      walk(tree.root!, '');
      expect(tree.root!.name).toBe(ROOT_NAME);
      seen.delete(ROOT_ID);
      expect([...seen.keys()].sort(), date).toEqual([...orgs.keys()].sort());
      for (const o of orgs.values()) {
        const { parent, node } = seen.get(o.slug)!;
        const actual = {
          name: node.name,
          type: node.type,
          status: node.status,
          parents: [parent === ROOT_ID ? [] : [parent], (node.alsoUnder ?? []).map((u) => u.id)].flat(),
        };
        expect(actual, `${o.slug} on ${date}`).toEqual({
          name: o.name,
          type: o.type,
          status: o.status,
          parents: o.parents,
        });
        compared += 1;
        if (o.parents.length > 1) withSeveralParents += 1;
      }
    }
    expect(compared).toBe(70_209);
    expect(withSeveralParents).toBe(2_262);

    // Lineage: as of each snapshot, the successors last recorded for an organisation are those it lists.
    const history = await engine.history('default');
    let followed = 0;
    for (const { date, orgs } of snapshots) {
      for (const o of orgs.values()) {
        if (o.successors.length === 0) continue;
        const last = history.events
          .filter(
            (e) =>
              ['merge', 'split', 'replace', 'rename'].includes(e.kind) &&
              e.from[0] === o.slug &&
              e.date <= date &&
              e.to.some((u) => u !== o.slug),
          )
          .at(-1);
        expect(last?.to.slice().sort(), `${o.slug} on ${date}`).toEqual([...o.successors].sort());
        followed += 1;
      }
    }
    expect(followed).toBeGreaterThan(59 * 200);
    // And as a user asks it: the AI Safety Institute was renamed into a new organisation on 2025-03-01, and
    // the Academy for Justice Commissioning's lineage follows two such links to the Academy for Social Justice.
    const ai = await engine.lineage('default', '#ai-safety-institute');
    expect(ai.events.filter((e) => e.kind === 'rename')).toMatchObject([
      { date: '2025-03-01', from: ['AI Safety Institute'], to: ['AI Security Institute'] },
    ]);
    const academy = await engine.lineage('default', '#academy-for-justice-commissioning');
    expect(academy.events.filter((e) => e.kind === 'rename').flatMap((e) => e.to)).toEqual([
      'Academy for Social Justice Commissioning',
      'Academy for Social Justice',
    ]);
    await engine.close();

    // What comes out goes back in: the units and their lineage exported as CSV (every period) and imported
    // again give the same files and the same tree on every snapshot's date.
    const exported = await runCli(['--db', db, 'export', '--format', 'csv-units', '--full']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n')[0]).toBe(
      'unit_id,name,type,parent_id,other_parent_ids,status,valid_from,valid_to',
    );
    writeFileSync(join(dir, 'exported-units.csv'), exported.stdout);
    const exportedLineage = await runCli(['--db', db, 'export', '--format', 'csv-lineage', '--full']);
    expect(exportedLineage.code, exportedLineage.stderr).toBe(0);
    expect(exportedLineage.stdout.split('\n').length).toBeGreaterThan(100);
    writeFileSync(join(dir, 'exported-lineage.csv'), exportedLineage.stdout);
    const again = join(dir, 'again.db');
    const reimport = await runCli([
      '--db',
      again,
      'import',
      '--units',
      join(dir, 'exported-units.csv'),
      '--lineage',
      join(dir, 'exported-lineage.csv'),
    ]);
    expect(reimport.code, reimport.stderr).toBe(0);
    // The same files out of the second store: every unit period and every succession.
    for (const [format, first] of [
      ['csv-units', exported.stdout],
      ['csv-lineage', exportedLineage.stdout],
    ] as const) {
      const second = await runCli(['--db', again, 'export', '--format', format, '--full']);
      expect(second.stdout, format).toBe(first);
    }
    const first = await OrgEngine.open(db);
    const second = await OrgEngine.open(again);
    for (const { date } of snapshots)
      expect(await second.tree('default', date), date).toEqual(await first.tree('default', date));
    await first.close();
    await second.close();
  }, 300_000);
});
