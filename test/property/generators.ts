import fc from 'fast-check';
import { stringify } from 'yaml';
import type { History } from '../../src/core/model.ts';
import { checkPlans, type SequencedPlan } from '../../src/core/replay.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';

export const UNITS = [
  'Acme',
  'Sales',
  'Sales East',
  'Sales West',
  'Engineering',
  'Platform',
  'Salse',
  'New A',
  'New B',
];
export const PEOPLE = [
  'Ada Root',
  'Bob Sales',
  'Cy East',
  'Dee Seller',
  'Eve West',
  'Finn Eng',
  'Gus Dev',
  'Hal New',
  'Dee Seler',
];
export const BUSINESSES = ['Storefront', 'Cloud', 'Market'];
export const DATES = ['2019-06-01', '2020-01-01', '2020-06-01', '2021-01-01', '2021-06-01'];

const newUnit = fc.record({ name: fc.constantFrom('New A', 'New B', 'New C'), type: fc.constant('team') });

/** A random operation over the given names (some of which may not exist: typos and new names are part of the test). */
export function operationOver(units: string[], people: string[], businesses: string[]) {
  const unit = fc.constantFrom(...units);
  const who = fc.constantFrom(...people);
  return fc.oneof(
    fc.record({
      create: fc.record({ unit: fc.constantFrom('New A', 'New B'), type: fc.constant('team'), parent: unit }),
    }),
    fc.record({ rename: fc.record({ unit, to: fc.constantFrom('New A', 'Renamed') }) }),
    fc.record({ move: fc.record({ unit, to: unit }) }),
    fc.record({
      update: fc.record(
        {
          unit,
          status: fc.constantFrom('live', 'closed', ''),
          also_under: fc.option(fc.uniqueArray(unit, { maxLength: 2 }), { nil: undefined }),
        },
        { requiredKeys: ['unit', 'status'] },
      ),
    }),
    fc.record({
      supersede: fc.record({
        unit,
        by: fc.uniqueArray(unit, { minLength: 1, maxLength: 2 }),
        as: fc.constantFrom('merge', 'replace'),
      }),
    }),
    fc.record({
      merge: fc.record(
        {
          units: fc.uniqueArray(unit, { minLength: 1, maxLength: 2 }),
          into: fc.oneof(unit, fc.array(newUnit, { minLength: 1, maxLength: 2 })),
          rest: fc.option(unit, { nil: undefined }),
        },
        { requiredKeys: ['units', 'into'] },
      ),
    }),
    fc.record({
      split: fc.record(
        {
          unit,
          into: fc.array(newUnit, { minLength: 1, maxLength: 2 }),
          rest: fc.option(fc.constantFrom('New A', 'Acme'), { nil: undefined }),
        },
        { requiredKeys: ['unit', 'into'] },
      ),
    }),
    fc.record({
      dissolve: fc.record({ unit, rest: fc.option(unit, { nil: undefined }) }, { requiredKeys: ['unit'] }),
    }),
    fc.record({
      transfer: fc.oneof(
        fc.record({ business: fc.constantFrom(...businesses), to: unit }),
        fc.record({ person: who, to: unit }),
      ),
    }),
    fc.record({
      appoint: fc.record({
        person: who,
        unit,
        post: fc.constantFrom('head', 'CTO'),
        concurrent: fc.boolean(),
      }),
    }),
    fc.record({ vacate: fc.record({ unit, post: fc.constantFrom('head', 'CTO') }) }),
    fc.record({ promote: fc.record({ person: who, level: fc.constantFrom('M5', 'M6', 'P7') }) }),
    fc.record({
      promote: fc.record(
        { person: who, title: fc.constantFrom('Lead', 'Architect', ''), level: fc.constantFrom('P7', '') },
        { requiredKeys: ['person', 'title'] },
      ),
    }),
    fc.record({
      rename: fc.record({ person: who, to: fc.constantFrom('Hal New', 'Zed Renamed', 'Cy East') }),
    }),
    fc.record({ hire: fc.record({ person: fc.constantFrom('Hal New', 'Ivy New'), unit }) }),
    fc.record({ leave: fc.record({ person: who }) }),
    fc.record({ report: fc.record({ person: who, to: who, kind: fc.constantFrom('solid', 'dotted') }) }),
    fc.record({ launch: fc.record({ business: fc.constantFrom(...businesses), unit }) }),
    fc.record({ retire: fc.record({ business: fc.constantFrom(...businesses) }) }),
  );
}

export const operation = operationOver(UNITS, PEOPLE, BUSINESSES);

/** A random plan's YAML over the names of `BASE` (with some typos and new names mixed in). */
export const planSource = (index: number) =>
  fc
    .record({
      effective: fc.constantFrom(...DATES),
      changes: fc.array(operation, { minLength: 1, maxLength: 4 }),
    })
    .map(({ effective, changes }) =>
      stringify({ plan: `random-${index}`, title: 'random', effective, changes }),
    );

/** A generated organization: a random tree of units, people, heads and businesses, as one plan. */
export const organization = fc
  .record({
    parents: fc.array(fc.nat(), { minLength: 2, maxLength: 12 }),
    people: fc.array(
      fc.record({ unit: fc.nat(), head: fc.boolean(), level: fc.constantFrom('M5', 'M6', 'P6', 'P7') }),
      { maxLength: 16 },
    ),
    businesses: fc.array(fc.nat(), { maxLength: 4 }),
  })
  .map(({ parents, people, businesses }) => {
    const units = ['Root', ...parents.map((_p, i) => `Unit ${i + 1}`)];
    const changes: unknown[] = [{ create: { unit: 'Root', type: 'company' } }];
    parents.forEach((p, i) => {
      changes.push({ create: { unit: `Unit ${i + 1}`, type: 'team', parent: units[p % (i + 1)] } });
    });
    const headed = new Set<string>();
    const names = people.map((person, i) => {
      const name = `Person ${i}`;
      const unit = units[person.unit % units.length]!;
      changes.push({ hire: { person: name, unit, level: person.level } });
      if (person.head && !headed.has(unit)) {
        headed.add(unit);
        changes.push({ appoint: { person: name, unit } });
      }
      return name;
    });
    const businessNames = businesses.map((b, i) => {
      changes.push({ launch: { business: `Business ${i}`, unit: units[b % units.length] } });
      return `Business ${i}`;
    });
    return {
      source: stringify({
        plan: 'generated',
        title: 'Generated organization',
        effective: '2020-01-01',
        changes,
      }),
      units: [...units, 'Unit 99', 'Unti 1'],
      people: [...names, 'Person 99', 'Persn 0'],
      businesses: [...businessNames, 'Business 9'],
    };
  });

/** A random plan's YAML over a generated organization's names. */
export function planOver(org: { units: string[]; people: string[]; businesses: string[] }, index: number) {
  return fc
    .record({
      effective: fc.constantFrom(...DATES),
      changes: fc.array(
        operationOver(
          org.units.length > 0 ? org.units : ['Root'],
          org.people.length > 0 ? org.people : ['Nobody'],
          org.businesses,
        ),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ effective, changes }) =>
      stringify({ plan: `random-${index}`, title: 'random', effective, changes }),
    );
}

/** Applies each plan in turn, skipping those that do not parse or that the organization refuses. */
export function acceptedHistory(sources: string[]): { history: History; accepted: number } {
  const applied: SequencedPlan[] = [];
  let history: History | undefined;
  for (const source of sources) {
    let plan: ReturnType<typeof parsePlan>;
    try {
      plan = parsePlan(source, 'random.yaml');
    } catch {
      continue;
    }
    const result = checkPlans(applied, [plan]);
    if (!result.ok) continue;
    applied.push({ plan, seq: applied.length + 1 });
    history = result.history;
  }
  return { history: history!, accepted: applied.length };
}
