import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrgshiftError } from '../../src/core/errors.ts';
import type { History } from '../../src/core/model.ts';
import { didYouMean, nameKey } from '../../src/core/names.ts';
import { findRecord, search } from '../../src/core/queries.ts';
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

function historyOf([org, plans]: [{ source: string }, string[], string], ...first: string[]): History {
  return acceptedHistory([
    org.source,
    ...first,
    ...plans.map((p, i) => p.replace('plan: random-1', `plan: random-${i}`)),
  ]).history;
}

/** A second Person 0 from the middle of the history: a name that is ambiguous on some days only. */
const TWIN =
  'plan: twin\ntitle: Twin\neffective: 2020-06-01\nchanges:\n  - hire: {person: Person 0, unit: Root, id: person-0-twin}\n';

function snapshotOf(s: [{ source: string }, string[], string]): Snapshot {
  return new Snapshot(historyOf(s), s[2]);
}

type Kind = 'unit' | 'person' | 'business';
const KINDS: Kind[] = ['unit', 'person', 'business'];
const recordsOf = (history: History, kind: Kind) =>
  kind === 'unit' ? history.units : kind === 'person' ? history.people : history.businesses;

/**
 * What `findRecord` answered when it walked every record for each way of naming one (before the
 * index of names): the id found, or the refusal's code (not-found messages are left to the real one).
 */
function findByWalking(history: History, kind: Kind, ref: string, date?: string): string {
  const records = recordsOf(history, kind);
  const wanted = nameKey(ref);
  const at = (versions: Array<{ from: string; to: string | null; name: string }>, day: string) =>
    versions.find((v) => v.from <= day && (v.to === null || day < v.to));
  const alive = (id: string) => date === undefined || at(records.get(id)?.versions ?? [], date) !== undefined;
  const tiers = [
    (r: { id: string }) => r.id === ref || `#${r.id}` === ref,
    (r: (typeof all)[number]) => {
      const name = date === undefined ? r.versions.at(-1)?.name : at(r.versions, date)?.name;
      return name !== undefined && nameKey(name) === wanted;
    },
    (r: (typeof all)[number]) => r.aliases.some((a) => nameKey(a) === wanted),
    (r: (typeof all)[number]) => r.versions.some((v) => nameKey(v.name) === wanted),
  ];
  const all = [...records.values()];
  for (const tier of tiers) {
    const found = all.filter((r) => alive(r.id) && tier(r));
    if (found.length === 1) return found[0]!.id;
    if (found.length > 1)
      return `invalid_input: "${ref}" is ambiguous: it names ${found.map((r) => `${r.versions.at(-1)?.name ?? r.id} (id ${r.id})`).join(', ')}; use the id`;
  }
  if (date !== undefined) {
    const other = all.find(
      (r) =>
        r.versions.some((v) => nameKey(v.name) === wanted) || r.aliases.some((a) => nameKey(a) === wanted),
    );
    if (other && other.versions.length > 0)
      return `not_found: ${kind} "${ref}" did not exist on ${date}; it existed from ${other.versions[0]!.from}${other.versions.at(-1)!.to ? ` until ${other.versions.at(-1)!.to}` : ''}`;
  }
  const candidates: Array<[string, string]> = [];
  for (const r of all) {
    if (!alive(r.id)) continue;
    const name = date === undefined ? r.versions.at(-1)?.name : at(r.versions, date)?.name;
    if (name) for (const spelling of [name, ...r.aliases]) candidates.push([spelling, name]);
  }
  return `not_found: no ${kind} named "${ref}"${date ? ` on ${date}` : ''}.${didYouMean(ref, candidates)}`;
}

function found(history: History, kind: Kind, ref: string, date?: string): string {
  try {
    return findRecord(history, kind, ref, date);
  } catch (error) {
    if (!(error instanceof OrgshiftError)) throw error;
    return `${error.id}: ${error.message}`;
  }
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

  it('find a record by id, name, former name or alias as walking every record did, on random organizations', () => {
    const answers = new Map<string, number>();
    fc.assert(
      fc.property(scenario, fc.constantFrom(undefined, ...DAYS), fc.integer(), (s, day, seed) => {
        const history = historyOf(s, TWIN);
        for (const kind of KINDS) {
          const refs = [...recordsOf(history, kind).values()].flatMap((r) => [
            r.id,
            `#${r.id}`,
            ...r.aliases,
            ...r.versions.map((v) => v.name),
            ...r.versions.map((v) => ` ${v.name.toUpperCase()} `),
          ]);
          // Names close to theirs, for the suggestions of a name no record has.
          refs.push(
            'nobody at all',
            '',
            'Persn',
            'Unit',
            'Person 1x',
            'Bussiness 0',
            'Rot',
            'Unit 11',
            'Pxrsxn 0',
            'Unxt 1x',
          );
          // Some of them, picked by the seed: every ref of every record costs seconds over 200 runs.
          for (const [i, ref] of refs.entries()) {
            if ((i + seed) % 3 !== 0) continue;
            const expected = findByWalking(history, kind, ref, day);
            expect(found(history, kind, ref, day)).toBe(expected);
            const answer = expected.split(':')[0]!;
            const shape = expected.includes('Did you mean')
              ? 'suggested'
              : answer === 'invalid_input' || answer === 'not_found'
                ? answer
                : 'found';
            answers.set(shape, (answers.get(shape) ?? 0) + 1);
          }
        }
      }),
      { numRuns: 200 },
    );
    // Every kind of answer came up: found, ambiguous and not found.
    expect(answers.get('found')).toBeGreaterThan(100);
    expect(answers.get('invalid_input')).toBeGreaterThan(5);
    expect(answers.get('not_found')).toBeGreaterThan(20);
    expect(answers.get('suggested')).toBeGreaterThan(20);
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
