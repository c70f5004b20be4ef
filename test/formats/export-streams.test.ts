import fc from 'fast-check';
import { Parser } from 'n3';
import { describe, expect, it } from 'vitest';
import { changeDays, type History } from '../../src/core/model.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { addDays } from '../../src/core/time.ts';
import { csvPeople, exportJson, exportJsonLd, exportTurtle, orgTriples } from '../../src/formats/export.ts';
import { chunked, joined } from '../../src/formats/pieces.ts';
import { build, examplePlans } from '../helpers.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

// Exports are made in pieces (a large organization's do not fit in one string); these check that the
// pieces say exactly what the whole-organization way said.

/** The people CSV as it was made before: a whole snapshot on every change day. */
function peopleBySnapshots(history: History, asOf?: string): string {
  const live = (v: { from: string; to: string | null }) =>
    asOf === undefined || (v.from <= asOf && (v.to === null || asOf < v.to));
  const days = changeDays(history);
  const segments = new Map<string, Array<{ from: string; to: string | null; key: string; row: string[] }>>();
  days.forEach((day, i) => {
    const snap = new Snapshot(history, day);
    const to = days[i + 1] ?? null;
    for (const person of snap.people.values()) {
      const row = [
        person.id,
        person.name,
        person.unit,
        snap.managerOf(person.id) ?? '',
        person.title ?? '',
        person.level ?? '',
      ];
      const key = JSON.stringify(row);
      const list = segments.get(person.id) ?? [];
      const last = list.at(-1);
      if (last && last.key === key && last.to === day) last.to = to;
      else list.push({ from: day, to, key, row });
      segments.set(person.id, list);
    }
  });
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  let text = 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to\n';
  for (const id of [...segments.keys()].sort()) {
    for (const s of segments.get(id)!.filter(live))
      text += `${[...s.row, s.from, s.to ?? ''].map(field).join(',')}\n`;
  }
  return text;
}

/** JSON-LD nodes as they were made before: every triple held, grouped by subject. */
function jsonLdByGrouping(history: History, asOf: string): unknown {
  const nodes = new Map<string, Record<string, unknown[]>>();
  for (const [s, p, o] of orgTriples(history, asOf, 'urn:orgshift:')) {
    const node = nodes.get(s) ?? { '@id': [s] };
    const key = p === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type' ? '@type' : p;
    const value =
      'iri' in o
        ? key === '@type'
          ? o.iri
          : { '@id': o.iri }
        : o.datatype
          ? { '@value': o.literal, '@type': o.datatype }
          : { '@value': o.literal };
    const values = node[key] ?? [];
    values.push(value);
    node[key] = values;
    nodes.set(s, node);
  }
  return [...nodes.values()].map((node) => ({ ...node, '@id': node['@id']![0] }));
}

const DAYS = ['2019-12-31', ...DATES.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]), '2030-01-01'];

const randomHistories = organization.chain((org) =>
  fc.tuple(
    fc.constant(org),
    fc.array(planOver(org, 1), { minLength: 1, maxLength: 5 }),
    fc.constantFrom(...DAYS),
  ),
);

function historyOf([org, plans]: [{ source: string }, string[], string]): History {
  return acceptedHistory([
    org.source,
    ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
  ]).history;
}

describe('exports made in pieces', () => {
  it('give the people CSV the snapshots of every change day give, on random organizations', () => {
    let rows = 0;
    fc.assert(
      fc.property(randomHistories, (scenario) => {
        const history = historyOf(scenario);
        const day = scenario[2];
        const full = peopleBySnapshots(history);
        rows += full.split('\n').length;
        expect(joined(csvPeople(history))).toBe(full);
        expect(joined(csvPeople(history, day))).toBe(peopleBySnapshots(history, day));
      }),
      { numRuns: 200 },
    );
    expect(rows).toBeGreaterThan(1000);
  });

  it('give the people CSV of the seeds, cut where managers change', () => {
    const history = build(...examplePlans().map((p) => p.source));
    const full = joined(csvPeople(history));
    expect(full).toBe(peopleBySnapshots(history));
    expect(full.split('\n').length).toBeGreaterThan(20);
  });

  it('give the JSON text JSON.stringify gives, with and without indentation', () => {
    const seeds = build(...examplePlans().map((p) => p.source));
    const whole = (h: History, indent: number) =>
      JSON.stringify(
        {
          units: [...h.units.values()],
          people: [...h.people.values()],
          businesses: [...h.businesses.values()],
          posts: h.posts,
          lines: h.lines,
          events: h.events,
          plans: h.plans,
        },
        null,
        indent,
      );
    for (const indent of [0, 2]) expect(joined(exportJson(seeds, indent))).toBe(whole(seeds, indent));
    fc.assert(
      fc.property(randomHistories, fc.constantFrom(0, 2), (scenario, indent) => {
        const history = historyOf(scenario);
        expect(joined(exportJson(history, indent))).toBe(whole(history, indent));
      }),
      { numRuns: 50 },
    );
  });

  it('give one JSON-LD node per subject, as grouping every triple did, and Turtle with every triple', () => {
    const check = (history: History, day: string) => {
      const doc = JSON.parse(joined(exportJsonLd(history, day, undefined, 2))) as {
        '@context': unknown;
        '@graph': unknown[];
      };
      expect(doc['@graph']).toEqual(jsonLdByGrouping(history, day));
      const triples = [...orgTriples(history, day, 'urn:orgshift:')];
      expect(new Parser().parse(joined(exportTurtle(history, day)))).toHaveLength(triples.length);
      // Every post held that day is held in the graph, once.
      const held = new Snapshot(history, day).posts.filter((p) => p.holder !== null).length;
      expect(triples.filter(([, p]) => p === 'http://www.w3.org/ns/org#holds')).toHaveLength(held);
      return held;
    };
    const seeds = build(...examplePlans().map((p) => p.source));
    expect(check(seeds, '2022-01-07')).toBeGreaterThan(5);
    let held = 0;
    fc.assert(
      fc.property(randomHistories, (scenario) => {
        held += check(historyOf(scenario), scenario[2]);
      }),
      { numRuns: 100 },
    );
    expect(held).toBeGreaterThan(50);
  });

  it('are written in pieces of about the size asked, the text unchanged', () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`);
    const chunks = [...chunked(pieces, 100)];
    expect(chunks.join('')).toBe(pieces.join(''));
    expect(chunks.length).toBeGreaterThan(50);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(100);
  });
});
