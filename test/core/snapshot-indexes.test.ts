import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../src/core/names.ts';
import { search } from '../../src/core/queries.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { addDays } from '../../src/core/time.ts';
import { acceptedHistory, DATES, organization, planOver } from '../property/generators.ts';

const DAYS = DATES.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]);

const scenario = organization.chain((org) =>
  fc.tuple(
    fc.constant(org),
    fc.array(planOver(org, 1), { minLength: 1, maxLength: 5 }),
    fc.constantFrom(...DAYS),
  ),
);

function snapshotOf([org, plans, day]: [{ source: string }, string[], string]): Snapshot {
  const { history } = acceptedHistory([
    org.source,
    ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
  ]);
  return new Snapshot(history, day);
}

/** Search as the server did it before: every name's key made on each search, every match's path. */
function searchEverything(snap: Snapshot, text: string, limit: number) {
  const wanted = nameKey(text);
  const matches = (name: string, aliases: string[]) =>
    [name, ...aliases].some((n) => nameKey(n).includes(wanted));
  const path = (unit: string) => snap.pathOf(unit).map((u) => snap.unitName(u));
  const results: Array<{ kind: string; id: string; name: string; path: string[] }> = [];
  for (const u of snap.units.values())
    if (matches(u.name, u.aliases)) results.push({ kind: 'unit', id: u.id, name: u.name, path: path(u.id) });
  for (const p of snap.people.values())
    if (matches(p.name, p.aliases))
      results.push({
        kind: 'person',
        id: p.id,
        name: p.name,
        path: snap.units.has(p.unit) ? path(p.unit) : [],
      });
  for (const b of snap.businesses.values())
    if (matches(b.name, b.aliases))
      results.push({ kind: 'business', id: b.id, name: b.name, path: path(b.unit) });
  results.sort((a, b) => a.name.localeCompare(b.name));
  return results.slice(0, limit);
}

describe('a snapshot’s indexes', () => {
  it('are the people whose manager is that person, on random organizations', () => {
    let reports = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const snap = snapshotOf(s);
        // Asked for first, before any manager is known, and again after.
        const first = [...snap.people.keys()].map((id) => [...snap.reportsOf(id)]);
        const people = [...snap.people.keys()];
        people.forEach((id, i) => {
          const expected = people.filter((other) => other !== id && snap.managerOf(other) === id);
          expect(first[i]).toEqual(expected);
          expect(snap.reportsOf(id)).toEqual(expected);
          reports += expected.length;
        });
      }),
      { numRuns: 200 },
    );
    expect(reports).toBeGreaterThan(200);
  });

  it('find by name what searching every name found, in the same order', () => {
    let found = 0;
    fc.assert(
      fc.property(
        scenario,
        fc.constantFrom('a', 'e', 'Sales', 'an', 'ENG', 'x', ''),
        fc.constantFrom(1, 3, 100),
        (s, text, limit) => {
          const snap = snapshotOf(s);
          const expected = searchEverything(snap, text, limit);
          expect(search(snap, text, limit)).toEqual(expected);
          // Asked again: from the names kept for the snapshot.
          expect(search(snap, text, limit)).toEqual(expected);
          found += expected.length;
        },
      ),
      { numRuns: 200 },
    );
    expect(found).toBeGreaterThan(100);
  });

  it('give each person’s chain length as walking their chain does', () => {
    let longest = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const snap = snapshotOf(s);
        const people = [...snap.people.keys()];
        // From the bottom of the list up and again: lengths found from others' and from scratch.
        for (const id of [...people].reverse()) expect(snap.chainLength(id)).toBe(snap.chainOf(id).length);
        for (const id of people) {
          expect(snap.chainLength(id)).toBe(snap.chainOf(id).length);
          longest = Math.max(longest, snap.chainLength(id));
        }
      }),
      { numRuns: 200 },
    );
    expect(longest).toBeGreaterThan(2);
  });
});
