import { afterAll, describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import * as queries from '../../src/core/queries.ts';
import { replay } from '../../src/core/replay.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import {
  historyToRows,
  impliedByVersions,
  keyRows,
  RowKeyer,
  rowOf,
  rowText,
} from '../../src/store/facts.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open.ts';
import { PLAN_PART_CHARS } from '../../src/store/plan-parts.ts';
import { FACT_TABLES } from '../../src/store/schema.ts';
import { BASE, examplePlans, plan } from '../helpers.ts';
import { dialects } from './dialects.ts';

function keysOf(history: Parameters<typeof historyToRows>[0]) {
  const rows = historyToRows(history);
  return Object.fromEntries(FACT_TABLES.map((t) => [t, [...keyRows(rows[t] as object[]).keys()].sort()]));
}

class Clock {
  constructor(public now = new Date('2026-01-01T00:00:00.000Z')) {}
  tick(ms = 1000) {
    this.now = new Date(this.now.getTime() + ms);
  }
  read = () => this.now;
}

for (const dialect of dialects()) {
  describe(`store contract on ${dialect.name}`, () => {
    afterAll(() => dialect.cleanup());

    async function engine(clock = new Clock()) {
      return new OrgEngine(await dialect.open(), clock.read);
    }

    it('migrates from nothing to the latest schema, and again without change', async () => {
      const store = await dialect.open();
      expect(await store.migrate()).toEqual([]);
      await store.close();
    });

    it('stores the facts replay produces, and reads them back equal', async () => {
      const e = await engine();
      const plans = examplePlans();
      for (const p of plans) await e.apply('default', { plan: p.plan, source: p.source });
      const replayed = replay(plans.map((p, i) => ({ plan: p.plan, seq: i + 1 })));
      if (!replayed.ok) throw new Error('examples must replay');
      const stored = await e.store.history((await e.store.findOrg('default'))!.id);
      expect(keysOf(stored)).toEqual(keysOf(replayed.history));
      expect((await e.plans('default')).map((p) => p.id)).toEqual(plans.map((p) => p.plan.id));
      expect(await e.planSource('default', 'big-taobao-integration')).toBe(plans[4]!.source);
      await e.close();
    });

    it('answers every query from stored facts exactly as from a replay of the plans', async () => {
      const e = await engine();
      const plans = examplePlans();
      for (const p of plans) await e.apply('default', { plan: p.plan, source: p.source });
      const replayed = replay(plans.map((p, i) => ({ plan: p.plan, seq: i + 1 })));
      if (!replayed.ok) throw new Error('examples must replay');
      const stored = await e.history('default');
      const same = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      for (const date of [...new Set(plans.map((p) => p.plan.effective))]) {
        same(queries.tree(stored, date), queries.tree(replayed.history, date));
        same(queries.person(stored, 'Wang Lei', date), queries.person(replayed.history, 'Wang Lei', date));
        if (date >= '2021-12-01')
          same(queries.person(stored, 'Dai Shan', date), queries.person(replayed.history, 'Dai Shan', date));
      }
      same(
        queries.diff(stored, '2019-01-01', '2023-01-01'),
        queries.diff(replayed.history, '2019-01-01', '2023-01-01'),
      );
      for (const unit of ['Tmall Business Group', 'Koubei', 'Big Taobao']) {
        same(queries.lineage(stored, unit), queries.lineage(replayed.history, unit));
      }
      await e.close();
    });

    it('changes nothing when a plan is refused', async () => {
      const e = await engine();
      await e.apply('default', { plan: plan(BASE), source: BASE });
      const before = await e.store.dump();
      const bad =
        'plan: bad\ntitle: t\neffective: 2021-01-01\nchanges:\n  - promote: { person: Ada Root, level: M10 }\n  - dissolve: { unit: Sales }\n';
      await expect(e.apply('default', { plan: plan(bad), source: bad })).rejects.toMatchObject({
        id: 'plan_refused',
      });
      expect(await e.store.dump()).toBe(before);
      const again =
        'plan: base\ntitle: t\neffective: 2021-01-01\nchanges:\n  - promote: { person: Ada Root, level: M10 }\n';
      await expect(e.apply('default', { plan: plan(again), source: again })).rejects.toThrow(/refused/);
      expect(await e.store.dump()).toBe(before);
      await e.close();
    });

    it('refuses a commit against a stale version and writes nothing', async () => {
      const e = await engine();
      await e.apply('default', { plan: plan(BASE), source: BASE });
      const org = (await e.store.findOrg('default'))!;
      const before = await e.store.dump();
      const stale = { ...org, version: org.version - 1 };
      const history = await e.history('default');
      await expect(e.store.commit(stale, [], history, '2026-01-02T00:00:00.000Z')).rejects.toBeInstanceOf(
        OrgshiftError,
      );
      expect(await e.store.dump()).toBe(before);
      await e.close();
    });

    it('answers as known at an earlier moment: a back-dated correction does not rewrite the past', async () => {
      const clock = new Clock();
      const e = await engine(clock);
      await e.apply('default', { plan: plan(BASE), source: BASE });
      const knownBefore = clock.now.toISOString();
      clock.tick();
      const correction =
        'plan: correction\ntitle: t\neffective: 2020-06-01\nchanges:\n  - rename: { unit: Sales East, to: East }\n';
      await e.apply('default', { plan: plan(correction), source: correction });
      const now = await e.tree('default', '2021-01-01', { unit: 'Sales', depth: 1 });
      expect(now.root!.children.map((c) => c.name)).toEqual(['East', 'Sales West']);
      const then = await e.tree('default', '2021-01-01', { unit: 'Sales', depth: 1, knownAt: knownBefore });
      expect(then.root!.children.map((c) => c.name)).toEqual(['Sales East', 'Sales West']);
      const diffNow = await e.diff('default', '2020-01-01', '2021-01-01');
      expect(diffNow.changes.map((c) => c.kind)).toEqual(['unit-renamed']);
      expect((await e.diff('default', '2020-01-01', '2021-01-01', knownBefore)).changes).toEqual([]);
      expect((await e.lineage('default', 'Sales East')).events.map((ev) => ev.kind)).toEqual([
        'create',
        'rename',
      ]);
      expect((await e.lineage('default', 'Sales East', knownBefore)).events.map((ev) => ev.kind)).toEqual([
        'create',
      ]);
      const beforeAnything = await e.tree('default', '2021-01-01', { knownAt: '2025-01-01T00:00:00.000Z' });
      expect(beforeAnything.root).toBeNull();
      await e.close();
    });

    it('keeps a replaced plan on record: gone from the plans and facts now, there as known before', async () => {
      const clock = new Clock();
      const e = await engine(clock);
      await e.apply('default', { plan: plan(BASE), source: BASE });
      const first =
        'plan: first\ntitle: t\neffective: 2020-06-01\nchanges:\n  - rename: { unit: Sales East, to: East }\n';
      await e.apply('default', { plan: plan(first), source: first });
      const knownBefore = clock.now.toISOString();
      clock.tick();
      const whole = `${first.replace('plan: first', 'plan: whole')}  - rename: { unit: Sales West, to: West }\n`;
      await e.applyAll('default', [{ plan: plan(whole), source: whole }], undefined, undefined, ['first']);
      expect((await e.plans('default')).map((p) => [p.id, p.seq])).toEqual([
        [plan(BASE).id, 1],
        ['whole', 3],
      ]);
      const names = async (knownAt?: string) =>
        (
          await e.tree('default', '2021-01-01', { unit: 'Sales', depth: 1, ...(knownAt ? { knownAt } : {}) })
        ).root!.children.map((c) => c.name);
      expect(await names()).toEqual(['East', 'West']);
      expect(await names(knownBefore)).toEqual(['East', 'Sales West']);
      expect((await e.history('default', knownBefore)).plans.map((p) => p.id)).toEqual([
        plan(BASE).id,
        'first',
      ]);
      expect((await e.history('default')).plans.map((p) => p.id)).toEqual([plan(BASE).id, 'whole']);
      expect(await e.planSource('default', 'first')).toBe(first);
      // A plan no longer applied cannot be replaced: nothing is written.
      const before = await e.store.dump();
      const again = whole.replace('plan: whole', 'plan: again');
      await expect(
        e.applyAll('default', [{ plan: plan(again), source: again }], undefined, undefined, ['first']),
      ).rejects.toMatchObject({ id: 'conflict' });
      expect(await e.store.dump()).toBe(before);
      await e.close();
    });

    it('reads an organization back alike when it is most of the store and when it is a small part of it', async () => {
      const e = await engine();
      await e.apply('small', { plan: plan(BASE), source: BASE });
      const small = (await e.store.findOrg('small'))!.id;
      const alone = JSON.stringify(await e.store.history(small));
      // Others many times its size around it (an embedded store then reads it through its index).
      for (let i = 0; i < 9; i++)
        for (const p of examplePlans()) await e.apply(`large-${i}`, { plan: p.plan, source: p.source });
      expect(JSON.stringify(await e.store.history(small))).toBe(alone);
      const large = await e.store.history((await e.store.findOrg('large-3'))!.id);
      const replayed = replay(examplePlans().map((p, i) => ({ plan: p.plan, seq: i + 1 })));
      if (!replayed.ok) throw new Error('examples must replay');
      expect(keysOf(large)).toEqual(keysOf(replayed.history));
      await e.close();
    });

    it('reads the same facts whether it reads them whole or a few rows at a time', async () => {
      const e = await engine();
      for (const p of examplePlans()) await e.apply('default', { plan: p.plan, source: p.source });
      const id = (await e.store.findOrg('default'))!.id;
      const whole = JSON.stringify(await e.store.history(id));
      e.store.readPage = 7;
      expect(JSON.stringify(await e.store.history(id))).toBe(whole);
      e.store.readPage = 1;
      expect(JSON.stringify(await e.store.history(id))).toBe(whole);
      await e.close();
    });

    it('reads back alike the first facts it writes in bulk, and keeps changing them after', async () => {
      const bulk = await engine();
      bulk.store.bulkRows = 1;
      const rowByRow = await engine();
      rowByRow.store.bulkRows = Number.POSITIVE_INFINITY;
      const [first, ...rest] = examplePlans();
      for (const e of [bulk, rowByRow]) {
        await e.apply('default', { plan: first!.plan, source: first!.source });
        for (const p of rest) await e.apply('default', { plan: p.plan, source: p.source });
      }
      const read = async (e: OrgEngine) => e.store.history((await e.store.findOrg('default'))!.id);
      const replayed = replay(examplePlans().map((p, i) => ({ plan: p.plan, seq: i + 1 })));
      if (!replayed.ok) throw new Error('examples must replay');
      expect(keysOf(await read(bulk))).toEqual(keysOf(replayed.history));
      expect(JSON.stringify(await read(bulk))).toBe(JSON.stringify(await read(rowByRow)));
      await bulk.close();
      await rowByRow.close();
    });

    it('reads a store written before records implied by their versions went unstored alike, before and after migration 0006', async () => {
      const store = openStore(await dialect.newTarget());
      await store.migrate('0005_replaced_plans');
      const clock = new Clock();
      const e = new OrgEngine(store, clock.read);
      const [last, ...first] = examplePlans().reverse();
      for (const p of first.reverse()) await e.apply('default', { plan: p.plan, source: p.source });
      const orgId = (await store.findOrg('default'))!.id;
      const written = await store.history(orgId);
      // The rows the store wrote then: every record's own row.
      const recordedAt = clock.now.toISOString();
      for (const table of ['units', 'people', 'businesses'] as const) {
        const records = { units: written.units, people: written.people, businesses: written.businesses }[
          table
        ];
        const keyer = new RowKeyer();
        for (const record of records.values()) {
          if (!impliedByVersions(record)) continue;
          const cells = table === 'people' ? [record.id, '[]', 0] : [record.id, '[]'];
          await store.db
            .insertInto(table)
            .values({
              ...rowOf(table, cells),
              org_id: orgId,
              fact_key: keyer.keyOfText(rowText(table, cells)),
              recorded_at: recordedAt,
              superseded_at: null,
            } as never)
            .execute();
        }
      }
      const current = (table: 'units' | 'people') =>
        store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .where('superseded_at', 'is', null)
          .executeTakeFirstOrThrow();
      expect(Number((await current('people')).n)).toBe(written.people.size);
      expect(JSON.stringify(await store.history(orgId))).toBe(JSON.stringify(written));
      clock.tick();
      expect(await store.migrate()).toEqual(
        MIGRATIONS.slice(MIGRATIONS.indexOf('0006_records_implied_by_versions')),
      );
      expect(Number((await current('people')).n)).toBe(
        [...written.people.values()].filter((p) => !impliedByVersions(p)).length,
      );
      expect(JSON.stringify(await store.history(orgId))).toBe(JSON.stringify(written));
      expect(JSON.stringify(await store.history(orgId, recordedAt))).toBe(JSON.stringify(written));
      // And it takes the next plan as a store written today does.
      await e.apply('default', { plan: last!.plan, source: last!.source });
      const replayed = replay(examplePlans().map((p, i) => ({ plan: p.plan, seq: i + 1 })));
      if (!replayed.ok) throw new Error('examples must replay');
      expect(keysOf(await store.history(orgId))).toEqual(keysOf(replayed.history));
      await e.close();
    });

    it('stores a plan of megabytes in parts and reads its text back whole, also on the next opening', async () => {
      const e = await engine();
      const hires = Array.from(
        { length: 24_000 },
        (_, i) => `  - hire: { person: "Person ${i} 🏢 Ünit", unit: Acme, level: P${i % 9} }\n`,
      );
      const big = `plan: big\ntitle: Many hires\neffective: 2021-01-01\nchanges:\n${hires.join('')}`;
      expect(big.length).toBeGreaterThan(PLAN_PART_CHARS);
      await e.apply('acme', { plan: plan(BASE), source: BASE });
      await e.apply('acme', { plan: plan(big), source: big });
      const orgId = (await e.store.findOrg('acme'))!.id;
      const parts = await e.store.db
        .selectFrom('plan_parts')
        .select('part')
        .where('org_id', '=', orgId)
        .where('plan_id', '=', 'big')
        .execute();
      expect(parts.map((p) => Number(p.part)).sort()).toEqual([1]);
      expect(await e.planSource('acme', 'big')).toBe(big);
      expect((await e.store.plans(orgId)).map((p) => p.source)).toEqual([BASE, big]);
      // Another engine on the same store parses the plans from their stored texts.
      const again = new OrgEngine(e.store, new Clock().read);
      const applied = await again.sequencedPlans('acme');
      expect(applied.map((p) => p.plan.changes.length)).toEqual([plan(BASE).changes.length, 24_000]);
      expect((await again.person('acme', 'Person 23999 🏢 Ünit', '2021-06-01'))?.level).toBe('P5');
      await again.close();
    });

    it('keeps organizations apart', async () => {
      const e = await engine();
      await e.apply('acme', { plan: plan(BASE), source: BASE });
      expect((await e.tree('acme', '2021-01-01')).root?.name).toBe('Acme');
      expect((await e.tree('other', '2021-01-01')).root).toBeNull();
      expect(await e.plans('other')).toEqual([]);
      await e.close();
    });
  });
}
