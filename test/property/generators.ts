import fc from 'fast-check';
import { stringify } from 'yaml';

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

const unit = fc.constantFrom(...UNITS);
const who = fc.constantFrom(...PEOPLE);
const newUnit = fc.record({ name: fc.constantFrom('New A', 'New B', 'New C'), type: fc.constant('team') });

export const operation = fc.oneof(
  fc.record({
    create: fc.record({ unit: fc.constantFrom('New A', 'New B'), type: fc.constant('team'), parent: unit }),
  }),
  fc.record({ rename: fc.record({ unit, to: fc.constantFrom('New A', 'Renamed') }) }),
  fc.record({ move: fc.record({ unit, to: unit }) }),
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
      fc.record({ business: fc.constantFrom(...BUSINESSES), to: unit }),
      fc.record({ person: who, to: unit }),
    ),
  }),
  fc.record({
    appoint: fc.record({ person: who, unit, post: fc.constantFrom('head', 'CTO'), concurrent: fc.boolean() }),
  }),
  fc.record({ vacate: fc.record({ unit, post: fc.constantFrom('head', 'CTO') }) }),
  fc.record({ promote: fc.record({ person: who, level: fc.constantFrom('M5', 'M6', 'P7') }) }),
  fc.record({ hire: fc.record({ person: fc.constantFrom('Hal New', 'Ivy New'), unit }) }),
  fc.record({ leave: fc.record({ person: who }) }),
  fc.record({ report: fc.record({ person: who, to: who, kind: fc.constantFrom('solid', 'dotted') }) }),
  fc.record({ launch: fc.record({ business: fc.constantFrom(...BUSINESSES), unit }) }),
  fc.record({ retire: fc.record({ business: fc.constantFrom(...BUSINESSES) }) }),
);

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
