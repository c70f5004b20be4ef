import { describe, expect, it } from 'vitest';
import { OUTSIDE, restrictToSubtree, withoutLevels } from '../../src/core/access.ts';
import { person, tree } from '../../src/core/queries.ts';
import { BASE, build } from '../helpers.ts';

const history = build(
  BASE,
  `plan: advisor\ntitle: t\neffective: 2020-06-01\nchanges:\n  - appoint: { person: Dee Seller, unit: Sales, post: Advisor, concurrent: true }\n`,
  `plan: out\ntitle: t\neffective: 2021-01-01\nchanges:\n  - move: { unit: Sales East, to: Engineering }\n`,
);
const sales = restrictToSubtree(history, 'sales');

describe('restricting the organization to a subtree', () => {
  it('starts the tree at the scope and drops everything outside it', () => {
    const root = tree(sales, '2020-06-01').root!;
    expect(root.name).toBe('Sales');
    expect(root.children.map((c) => c.name)).toEqual(['Sales East', 'Sales West']);
    expect(() => person(sales, 'Finn Eng', '2020-06-01')).toThrow(/no person named "Finn Eng"/);
  });

  it('follows units as they leave the scope: a person kept in scope by a post shows no unit outside it', () => {
    expect(tree(sales, '2021-01-01').root!.children.map((c) => c.name)).toEqual(['Sales West']);
    const before = person(sales, 'Dee Seller', '2020-06-01');
    expect(before.unit).toBe('Sales East');
    const after = person(sales, 'Dee Seller', '2021-06-01');
    expect(after.unit).toBe(OUTSIDE);
    expect(after.posts.map((p) => [p.post, p.unit])).toEqual([['Advisor', 'Sales']]);
    expect(JSON.stringify(after)).not.toMatch(/Engineering|Ada Root/);
  });

  it('hides levels', () => {
    expect(person(withoutLevels(history), 'Ada Root', '2020-01-01').level).toBeNull();
    expect(person(history, 'Ada Root', '2020-01-01').level).toBe('M9');
  });
});

describe('snapshots of applied histories', () => {
  it('are kept per history and day, and answer like a fresh one', async () => {
    const { Snapshot, snapshotAt } = await import('../../src/core/snapshot.ts');
    const first = snapshotAt(history, '2021-06-01');
    expect(snapshotAt(history, '2021-06-01')).toBe(first);
    expect(snapshotAt(sales, '2021-06-01')).not.toBe(first);
    const fresh = new Snapshot(history, '2021-06-01');
    expect([...first.units.keys()]).toEqual([...fresh.units.keys()]);
    expect(first.managerOf('dee-seller')).toBe(fresh.managerOf('dee-seller'));
    const { addDays } = await import('../../src/core/time.ts');
    for (let day = 1; day <= 40; day++) snapshotAt(history, addDays('2022-01-01', day));
    expect(snapshotAt(history, '2021-06-01')).not.toBe(first);
  });
});
