import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/core/errors.ts';
import { diff, lineage, person, tree } from '../../src/core/queries.ts';
import { Snapshot } from '../../src/core/snapshot.ts';
import { BASE, build, refusal } from '../helpers.ts';

const at = (history: ReturnType<typeof build>, date: string) => new Snapshot(history, date);
const unitNamed = (snap: Snapshot, name: string) => [...snap.units.values()].find((u) => u.name === name);
const personNamed = (snap: Snapshot, name: string) => [...snap.people.values()].find((p) => p.name === name)!;
const names = (snap: Snapshot, ids: string[]) => ids.map((id) => snap.unitName(id));

function planOf(effective: string, changes: string): string {
  return `plan: p-${effective}-${Math.abs(hash(changes))}\ntitle: t\neffective: ${effective}\nchanges:\n${changes}`;
}
function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}

describe('create, rename, move', () => {
  it('builds the tree with derived reporting lines', () => {
    const history = build(BASE);
    const snap = at(history, '2020-01-01');
    expect(names(snap, snap.roots)).toEqual(['Acme']);
    expect(names(snap, unitNamed(snap, 'Sales')!.children)).toEqual(['Sales East', 'Sales West']);
    // A member reports to the head of their unit; a head to the nearest head above.
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Dee Seller').id)!)).toBe('Cy East');
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Cy East').id)!)).toBe('Bob Sales');
    // Sales West has no head: its people report to the nearest head above.
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Eve West').id)!)).toBe('Bob Sales');
    expect(snap.managerOf(personNamed(snap, 'Ada Root').id)).toBeNull();
    expect(snap.chainOf(personNamed(snap, 'Dee Seller').id).map((p) => snap.personName(p))).toEqual([
      'Cy East',
      'Bob Sales',
      'Ada Root',
    ]);
  });

  it('is empty before the first plan and half-open at each change', () => {
    const history = build(BASE, planOf('2021-01-01', '  - rename: { unit: Sales, to: Revenue }'));
    expect(at(history, '2019-12-31').units.size).toBe(0);
    expect(unitNamed(at(history, '2020-12-31'), 'Sales')).toBeDefined();
    expect(unitNamed(at(history, '2021-01-01'), 'Revenue')).toBeDefined();
    expect(unitNamed(at(history, '2021-01-01'), 'Sales')).toBeUndefined();
  });

  it('finds a renamed unit by its former name and records the rename in its lineage', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - rename: { unit: Sales, to: Revenue }'),
      planOf('2021-06-01', '  - create: { unit: Inside Sales, type: team, parent: Sales }'),
    );
    const snap = at(history, '2021-06-01');
    expect(snap.unitName(unitNamed(snap, 'Inside Sales')!.parent!)).toBe('Revenue');
    expect(lineage(history, 'Revenue').events.map((e) => [e.kind, e.date, e.from, e.to])).toEqual([
      ['create', '2020-01-01', [], ['Sales']],
      ['rename', '2021-01-01', ['Sales'], ['Revenue']],
    ]);
  });

  it('moves a unit with its whole subtree', () => {
    const history = build(BASE, planOf('2021-01-01', '  - move: { unit: Sales East, to: Engineering }'));
    const snap = at(history, '2021-01-01');
    expect(snap.unitName(unitNamed(snap, 'Sales East')!.parent!)).toBe('Engineering');
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Cy East').id)!)).toBe('Finn Eng');
    expect(snap.units.get(snap.businesses.get('storefront')!.unit)!.name).toBe('Sales East');
  });

  it('refuses a move that would make a cycle, at the line of the target', () => {
    const problems = refusal(BASE, planOf('2021-01-01', '  - move: { unit: Sales, to: Sales East }'));
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toMatch(
      /^plan-1\.yaml:5:30: move \(changes\[0\]\): moving "Sales" under "Sales East" would make a cycle/,
    );
  });

  it('refuses a second root and duplicate sibling names', () => {
    expect(
      refusal(BASE, planOf('2021-01-01', '  - create: { unit: Other Co, type: company }'))[0]!.message,
    ).toMatch(/already has a root, "Acme"/);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - create: { unit: sales east, type: team, parent: Sales }'))[0]!
        .message,
    ).toMatch(/"Sales" already has a unit named "Sales East"/);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - rename: { unit: Sales East, to: Sales West }'))[0]!.message,
    ).toMatch(/already has a unit named "Sales West"/);
  });
});

describe('merge, split, dissolve', () => {
  it('merges units into an existing unit, moving children, members and businesses', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - merge: { units: [Sales East, Sales West], into: Sales }'),
    );
    const snap = at(history, '2021-01-01');
    expect(unitNamed(snap, 'Sales East')).toBeUndefined();
    const sales = unitNamed(snap, 'Sales')!;
    expect(sales.members.map((p) => snap.personName(p)).sort()).toEqual([
      'Bob Sales',
      'Cy East',
      'Dee Seller',
      'Eve West',
    ]);
    expect(sales.businesses).toEqual(['storefront']);
    // Cy East's head post ended with the unit; Cy now reports to Sales' head.
    expect(snap.postsOfPerson(personNamed(snap, 'Cy East').id)).toEqual([]);
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Dee Seller').id)!)).toBe('Bob Sales');
    expect(lineage(history, 'Sales West').events.find((e) => e.kind === 'merge')).toMatchObject({
      from: ['Sales East', 'Sales West'],
      to: ['Sales'],
    });
  });

  it('merges units into several new units with takes: and rest:', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - merge:
      units: [Sales East, Sales West]
      into:
        - { name: Field Sales, type: team, head: Eve West, takes: [Dee Seller, Storefront] }
        - { name: Partner Sales, type: team }
      rest: Partner Sales`,
      ),
    );
    const snap = at(history, '2021-01-01');
    const field = unitNamed(snap, 'Field Sales')!;
    const partner = unitNamed(snap, 'Partner Sales')!;
    expect(snap.unitName(field.parent!)).toBe('Sales');
    expect(field.members.map((p) => snap.personName(p)).sort()).toEqual(['Dee Seller', 'Eve West']);
    expect(field.businesses).toEqual(['storefront']);
    expect(partner.members.map((p) => snap.personName(p))).toEqual(['Cy East']);
    expect(snap.personName(snap.headOf(field.id)!)).toBe('Eve West');
    expect(snap.headOf(partner.id)).toBeNull();
  });

  it('refuses a merge that would orphan anything, naming every orphan', () => {
    const problems = refusal(
      BASE,
      planOf(
        '2021-01-01',
        `  - merge:
      units: [Sales East, Sales West]
      into:
        - { name: Field Sales, type: team, takes: [Dee Seller] }
        - { name: Partner Sales, type: team }`,
      ),
    );
    expect(problems).toHaveLength(1);
    const text = formatProblem(problems[0]!);
    expect(text).toMatch(/^plan-1\.yaml:6:14: merge \(changes\[0\]\): would orphan 3 items on 2021-01-01/);
    expect(text).toContain('member "Cy East" of "Sales East"');
    expect(text).toContain('business "Storefront" of "Sales East"');
    expect(text).toContain('member "Eve West" of "Sales West"');
  });

  it('refuses a misspelled take with a suggestion, at its position', () => {
    const problems = refusal(
      BASE,
      planOf(
        '2021-01-01',
        `  - split:
      unit: Sales East
      into:
        - { name: East One, type: team, takes: [Dee Sellr] }
      rest: East One`,
      ),
    );
    expect(formatProblem(problems[0]!)).toMatch(
      /plan-1\.yaml:8:49: .*"Dee Sellr" is not a child unit.*Did you mean "Dee Seller"\?/,
    );
  });

  it('splits a unit and records the lineage both ways', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - split:
      unit: Engineering
      into:
        - { name: Product Engineering, type: division, takes: [Platform] }
        - { name: Infrastructure, type: division, head: Finn Eng }
      rest: Infrastructure`,
      ),
    );
    const snap = at(history, '2021-01-01');
    expect(snap.unitName(unitNamed(snap, 'Platform')!.parent!)).toBe('Product Engineering');
    expect(snap.personName(snap.headOf(unitNamed(snap, 'Infrastructure')!.id)!)).toBe('Finn Eng');
    const forward = lineage(history, 'Engineering').events.filter((e) => e.kind === 'split');
    const backward = lineage(history, 'Infrastructure').events.filter((e) => e.kind === 'split');
    expect(forward).toEqual(backward);
    expect(forward[0]).toMatchObject({
      from: ['Engineering'],
      to: ['Product Engineering', 'Infrastructure'],
    });
  });

  it('dissolves a unit into rest:, and refuses a dissolve without one when something remains', () => {
    const history = build(BASE, planOf('2021-01-01', '  - dissolve: { unit: Sales West, rest: Sales East }'));
    const snap = at(history, '2021-01-01');
    expect(snap.unitName(personNamed(snap, 'Eve West').unit)).toBe('Sales East');
    const problems = refusal(BASE, planOf('2021-01-01', '  - dissolve: { unit: Sales West }'));
    expect(problems[0]!.message).toMatch(/would orphan 1 item .*member "Eve West" of "Sales West"/);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - dissolve: { unit: Sales, rest: Sales East }'))[0]!.message,
    ).toMatch(/"Sales East" is inside "Sales", which this operation ends/);
  });

  it('tells what became of a unit referred to after it was merged', () => {
    const problems = refusal(
      BASE,
      planOf('2021-01-01', '  - merge: { units: [Sales East, Sales West], into: Sales }'),
      planOf('2021-02-01', '  - rename: { unit: Sales West, to: West }'),
    );
    expect(problems[0]!.message).toBe(
      'unit "Sales West" no longer exists on 2021-02-01: it was merged into Sales on 2021-01-01',
    );
  });
});

describe('posts, people and reporting lines', () => {
  it('appoints to an occupied post: the previous holder loses only that post', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        '  - appoint: { person: Finn Eng, unit: Sales East, post: CTO, concurrent: true }',
      ),
      planOf('2021-02-01', '  - appoint: { person: Gus Dev, unit: Sales East, post: CTO, concurrent: true }'),
    );
    const snap = at(history, '2021-02-01');
    const finn = personNamed(snap, 'Finn Eng');
    expect(snap.postsOfPerson(finn.id).map((p) => [snap.unitName(p.unit), p.post])).toEqual([
      ['Engineering', 'head'],
    ]);
    expect(snap.postsOfPerson(personNamed(snap, 'Gus Dev').id).map((p) => [p.post, p.concurrent])).toEqual([
      ['CTO', true],
    ]);
    expect(snap.unitName(personNamed(snap, 'Gus Dev').unit)).toBe('Platform');
  });

  it('a plain appointment moves the person and ends their other posts; the old post becomes vacant', () => {
    const history = build(BASE, planOf('2021-01-01', '  - appoint: { person: Cy East, unit: Sales West }'));
    const snap = at(history, '2021-01-01');
    const cy = personNamed(snap, 'Cy East');
    expect(snap.unitName(cy.unit)).toBe('Sales West');
    expect(snap.headOf(unitNamed(snap, 'Sales East')!.id)).toBeNull();
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Dee Seller').id)!)).toBe('Bob Sales');
    expect(snap.personName(snap.managerOf(personNamed(snap, 'Eve West').id)!)).toBe('Cy East');
  });

  it('vacate leaves a named post declared and vacant', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - appoint: { person: Gus Dev, unit: Engineering, post: Architect }'),
      planOf('2021-02-01', '  - vacate: { unit: Engineering, post: Architect }'),
    );
    const node = tree(history, '2021-02-01', { unit: 'Engineering', depth: 0 }).root!;
    expect(node.posts.map((p) => [p.post, p.person?.name ?? null])).toEqual([
      ['head', 'Finn Eng'],
      ['Architect', null],
    ]);
  });

  it('explicit solid lines override the derived manager; dotted lines add to it', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - report: { person: Gus Dev, to: Ada Root, kind: solid }
  - report: { person: Dee Seller, to: Finn Eng, kind: dotted }`,
      ),
    );
    const gus = person(history, 'Gus Dev', '2021-01-01');
    expect(gus.manager?.name).toBe('Ada Root');
    const dee = person(history, 'Dee Seller', '2021-01-01');
    expect(dee.manager?.name).toBe('Cy East');
    expect(dee.dottedLines.map((p) => p.name)).toEqual(['Finn Eng']);
    expect(
      person(history, 'Finn Eng', '2021-01-01').directReports.map((r) => [r.name, r.via]),
    ).toContainEqual(['Dee Seller', 'dotted']);
    // The tree carries the dotted line between the two people's units, for the chart to draw.
    const t = tree(history, '2021-01-01');
    expect(t.dotted.map((d) => [d.person.name, d.manager.name, d.fromUnit, d.toUnit])).toEqual([
      ['Dee Seller', 'Finn Eng', 'sales-east', 'engineering'],
    ]);
    expect(tree(history, '2021-01-01', { unit: 'Sales' }).dotted).toEqual([]);
    expect(tree(history, '2020-06-01').dotted).toEqual([]);
  });

  it('keeps a dotted line while the solid line beside it changes, and ends each on its own', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - report: { person: Dee Seller, to: Ada Root, kind: solid }
  - report: { person: Dee Seller, to: Finn Eng, kind: dotted }`,
      ),
      planOf('2021-02-01', '  - report: { person: Dee Seller, to: Gus Dev, kind: solid }'),
      planOf('2021-03-01', '  - report: { person: Dee Seller, to: Finn Eng, kind: none }'),
    );
    const reportsOf = (name: string, date: string) =>
      person(history, name, date).directReports.map((r) => [r.name, r.via]);
    const dee = (date: string) => {
      const p = person(history, 'Dee Seller', date);
      return [p.manager?.name, p.dottedLines.map((d) => d.name)];
    };
    expect(dee('2021-01-01')).toEqual(['Ada Root', ['Finn Eng']]);
    // The new solid line ends the one to Ada and leaves the dotted line to Finn.
    expect(dee('2021-02-01')).toEqual(['Gus Dev', ['Finn Eng']]);
    expect(reportsOf('Ada Root', '2021-02-01')).not.toContainEqual(['Dee Seller', 'solid']);
    expect(dee('2021-03-01')).toEqual(['Gus Dev', []]);
    expect(reportsOf('Finn Eng', '2021-03-01')).not.toContainEqual(['Dee Seller', 'dotted']);
  });

  it('refuses a reporting cycle, naming the people in it', () => {
    const problems = refusal(
      BASE,
      planOf('2021-01-01', '  - report: { person: Ada Root, to: Dee Seller, kind: solid }'),
    );
    expect(formatProblem(problems[0]!)).toMatch(
      /^plan-1\.yaml:5:5: report \(changes\[0\]\): reporting lines form a cycle: .*Ada Root.*Dee Seller/,
    );
  });

  it('promotes, transfers people and businesses, and lets people leave', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - promote: { person: Dee Seller, level: P7 }
  - transfer: { person: Cy East, to: Sales West }
  - transfer: { business: Storefront, to: Sales }
  - leave: { person: Gus Dev }`,
      ),
    );
    const snap = at(history, '2021-01-01');
    expect(personNamed(snap, 'Dee Seller').level).toBe('P7');
    expect(snap.unitName(personNamed(snap, 'Cy East').unit)).toBe('Sales West');
    expect(snap.headOf(unitNamed(snap, 'Sales East')!.id)).toBeNull();
    expect(snap.unitName(snap.businesses.get('storefront')!.unit)).toBe('Sales');
    expect([...snap.people.values()].some((p) => p.name === 'Gus Dev')).toBe(false);
    expect(person(history, 'Gus Dev', '2020-06-01').unit).toBe('Platform');
  });

  it('refuses a typo with a did-you-mean and never creates anything', () => {
    const problems = refusal(BASE, planOf('2021-01-01', '  - promote: { person: Dee Seler, level: P7 }'));
    expect(formatProblem(problems[0]!)).toBe(
      'plan-1.yaml:5:24: promote (changes[0]): no person named "Dee Seler" on 2021-01-01. Did you mean "Dee Seller"?',
    );
  });

  it('launches and retires businesses; a business has one owner at a time', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        '  - launch: { business: Marketplace, unit: Sales }\n  - retire: { business: Cloud }',
      ),
    );
    const snap = at(history, '2021-01-01');
    expect([...snap.businesses.values()].map((b) => b.name).sort()).toEqual(['Marketplace', 'Storefront']);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - launch: { business: storefront, unit: Sales }'))[0]!.message,
    ).toMatch(/already exists/);
  });
});

describe('back-dated plans and diffs', () => {
  it('refuses a back-dated plan that breaks a later one, naming both', () => {
    const later = planOf('2021-06-01', '  - rename: { unit: Sales West, to: West }');
    const problems = refusal(
      BASE,
      later,
      planOf('2021-01-01', '  - dissolve: { unit: Sales West, rest: Sales East }'),
    );
    const text = problems.map(formatProblem).join('\n');
    expect(text).toContain('would break plan "p-2021-06-01');
    expect(text).toMatch(
      /plan-1\.yaml:5:\d+: rename \(changes\[0\]\): in later plan "p-2021-06-01-\d+": unit "Sales West" no longer exists on 2021-06-01/,
    );
    expect(problems[0]!.location?.file).toBe('plan-2.yaml');
  });

  it('accepts a back-dated plan that the later plans still fit, and replays in date order', () => {
    const history = build(
      BASE,
      planOf('2021-06-01', '  - rename: { unit: Sales West, to: West }'),
      planOf('2021-01-01', '  - promote: { person: Eve West, level: P6 }'),
    );
    expect(person(history, 'Eve West', '2021-03-01').level).toBe('P6');
    expect(person(history, 'Eve West', '2021-03-01').unit).toBe('Sales West');
    expect(person(history, 'Eve West', '2021-06-01').unit).toBe('West');
  });

  it('diffs two dates as dated semantic changes', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - merge: { units: [Sales East, Sales West], into: Sales }'),
      planOf('2021-02-01', '  - promote: { person: Dee Seller, level: P7 }'),
    );
    const changes = diff(history, '2020-12-31', '2021-02-01').changes;
    expect(changes.find((c) => c.kind === 'unit-merged')).toMatchObject({
      date: '2021-01-01',
      units: ['Sales East', 'Sales West'],
      into: ['Sales'],
    });
    expect(changes.find((c) => c.kind === 'manager-changed' && c.person === 'Dee Seller')).toMatchObject({
      from: 'Cy East',
      to: 'Bob Sales',
    });
    expect(changes.find((c) => c.kind === 'level-changed')).toMatchObject({
      date: '2021-02-01',
      from: 'P6',
      to: 'P7',
    });
    expect(changes.find((c) => c.kind === 'business-transferred')).toMatchObject({
      from: 'Sales East',
      to: 'Sales',
    });
    expect(diff(history, '2021-02-01', '2021-12-31').changes).toEqual([]);
  });
});

describe('rehiring', () => {
  it('a person who left and is hired again keeps their record and history', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - leave: { person: Gus Dev }'),
      planOf('2022-01-01', '  - hire: { person: Gus Dev, unit: Sales West, level: P8 }'),
    );
    const gus = person(history, 'Gus Dev', '2022-01-01');
    expect(gus.id).toBe('gus-dev');
    expect(gus.history.map((h) => [h.from, h.to, h.unit])).toEqual([
      ['2020-01-01', '2021-01-01', 'Platform'],
      ['2022-01-01', null, 'Sales West'],
    ]);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - hire: { person: gus dev, unit: Sales }'))[0]!.message,
    ).toMatch(/"gus dev" is already in the organization/);
  });
});

describe('ids chosen by the source', () => {
  it('creates units and people with given ids, refers to them as #id, and allows namesakes', () => {
    const history = build(`plan: ids
title: ids
effective: 2020-01-01
changes:
  - create: { unit: Company, type: company, id: D000 }
  - create: { unit: Sales, type: department, parent: '#D000', id: D001 }
  - hire: { person: John Smith, unit: '#D001', id: '10001' }
  - hire: { person: John Smith, unit: '#D001', id: '10002' }
  - appoint: { person: '#10002', unit: '#D001' }
`);
    const snap = new Snapshot(history, '2020-01-01');
    expect(snap.unitName('D001')).toBe('Sales');
    expect(snap.personName(snap.managerOf('10001')!)).toBe('John Smith');
    expect(snap.managerOf('10001')).toBe('10002');
    const problems = refusal(
      `plan: ids\ntitle: ids\neffective: 2020-01-01\nchanges:\n  - create: { unit: Company, type: company, id: D000 }\n  - hire: { person: Ann, unit: '#D000', id: '1' }\n  - hire: { person: Ann, unit: '#D000', id: '2' }\n`,
      planOf(
        '2021-01-01',
        "  - promote: { person: Ann, level: M5 }\n  - promote: { person: '#3', level: M5 }",
      ),
    );
    expect(problems[0]!.message).toMatch(/"Ann" is ambiguous on 2021-01-01: it names Ann \(1\); Ann \(2\)/);
    expect(
      refusal(BASE, planOf('2021-01-01', "  - promote: { person: '#nobody', level: M5 }"))[0]!.message,
    ).toBe('no person with id "nobody" on 2021-01-01');
  });
});

describe('dissolve with successors', () => {
  it('records a merge into one successor or a split into several, placing the contents in the first', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - dissolve: { unit: Sales East, successors: [Sales West] }'),
      planOf(
        '2022-01-01',
        '  - create: { unit: Core, type: team, parent: Engineering }\n  - dissolve: { unit: Platform, successors: [Core, Engineering] }',
      ),
    );
    const snap = new Snapshot(history, '2022-01-01');
    expect(snap.unitName(snap.people.get('dee-seller')!.unit)).toBe('Sales West');
    expect(lineage(history, 'Sales East').events.find((e) => e.date === '2021-01-01')).toMatchObject({
      kind: 'merge',
      from: ['Sales East'],
      to: ['Sales West'],
    });
    expect(lineage(history, 'Platform').events.find((e) => e.kind === 'split')).toMatchObject({
      kind: 'split',
      from: ['Platform'],
      to: ['Core', 'Engineering'],
    });
    expect(snap.unitName(snap.people.get('gus-dev')!.unit)).toBe('Core');
    expect(
      refusal(BASE, planOf('2021-01-01', '  - dissolve: { unit: Sales, successors: [Sales East] }'))[0]!
        .message,
    ).toMatch(/"Sales East" is inside "Sales"/);
  });
});

describe('update, supersede, a unit under several parents, an id that returns', () => {
  const WITH_SHARED = planOf(
    '2021-01-01',
    [
      '  - create: { unit: Shared Services, type: team, parent: Sales }',
      '  - update: { unit: Shared Services, status: joining, also_under: [Engineering] }',
    ].join('\n'),
  );

  it('sets a status and further parents, carries them through a rename, and words the change', () => {
    const history = build(
      BASE,
      WITH_SHARED,
      planOf('2021-06-01', '  - rename: { unit: Shared Services, to: Common Services }'),
      planOf('2022-01-01', '  - update: { unit: Common Services, status: live, type: division }'),
    );
    const later = at(history, '2021-06-01');
    const shared = unitNamed(later, 'Common Services')!;
    expect(shared.status).toBe('joining');
    expect(names(later, shared.alsoUnder!)).toEqual(['Engineering']);
    expect(at(history, '2020-12-31').units.size).toBe(6);
    const node = tree(history, '2022-01-01').root!.children.find((c) => c.name === 'Sales')!.children[0]!;
    expect(node).toMatchObject({ name: 'Common Services', type: 'division', status: 'live' });
    expect(node.alsoUnder).toEqual(
      [{ id: shared.id, name: 'Engineering' }].map((u) => ({ ...u, id: node.alsoUnder![0]!.id })),
    );
    expect(diff(history, '2021-12-31', '2022-01-01').changes).toMatchObject([
      {
        kind: 'unit-updated',
        unit: 'Common Services',
        from: { type: 'team', status: 'joining' },
        to: { type: 'division', status: 'live' },
      },
    ]);
    // An empty status clears it; an empty list of further parents leaves only the parent.
    const cleared = build(
      BASE,
      WITH_SHARED,
      planOf('2021-06-01', '  - update: { unit: Shared Services, status: "", also_under: [] }'),
    );
    const plain = unitNamed(at(cleared, '2021-06-01'), 'Shared Services')!;
    expect([plain.status, plain.alsoUnder]).toEqual([undefined, undefined]);
  });

  it('refuses an update that changes nothing, a further parent inside the unit, and ending a further parent', () => {
    expect(
      formatProblem(
        refusal(
          BASE,
          WITH_SHARED,
          planOf('2021-06-01', '  - update: { unit: Shared Services, status: joining }'),
        )[0]!,
      ),
    ).toMatch(/already has these values on 2021-06-01/);
    const cycle = refusal(
      BASE,
      planOf('2021-01-01', '  - update: { unit: Sales, also_under: [Engineering, Sales East] }'),
    );
    expect(formatProblem(cycle[0]!)).toMatch(
      /^plan-1\.yaml:5:54: update \(changes\[0\]\): "Sales" under "Sales East" would make a cycle/,
    );
    const ended = refusal(
      BASE,
      WITH_SHARED,
      planOf('2021-06-01', '  - dissolve: { unit: Engineering, rest: Sales }'),
    );
    expect(ended[0]!.message).toMatch(
      /"Shared Services" is also under "Engineering", which would end on 2021-06-01/,
    );
    // A move under the unit it is also under: a cycle through the further parent.
    const around = refusal(
      BASE,
      WITH_SHARED,
      planOf('2021-06-01', '  - move: { unit: Engineering, to: Shared Services }'),
    );
    expect(around[0]!.message).toMatch(/would make a cycle/);
  });

  it('records a succession while the unit stays, and follows it in the lineage', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - create: { unit: Growth, type: division, parent: Acme }'),
      planOf('2021-06-01', '  - supersede: { unit: Sales, by: [Growth], as: replace }'),
    );
    expect(unitNamed(at(history, '2021-06-01'), 'Sales')).toBeDefined();
    expect(lineage(history, 'Growth').events.map((e) => [e.kind, e.from, e.to])).toContainEqual([
      'replace',
      ['Sales'],
      ['Growth'],
    ]);
    expect(diff(history, '2021-05-31', '2021-06-01').changes).toMatchObject([
      { kind: 'unit-replaced', unit: 'Sales', by: ['Growth'] },
    ]);
    expect(
      refusal(BASE, planOf('2021-01-01', '  - supersede: { unit: Sales, by: [Sales], as: merge }'))[0]!
        .message,
    ).toMatch(/cannot succeed itself/);
  });

  it('refuses a succession told twice the same day, and takes it on another day or another way', () => {
    const GROWTH = planOf('2021-01-01', '  - create: { unit: Growth, type: division, parent: Acme }');
    const twice = [
      '  - supersede: { unit: Sales, by: [Growth], as: replace }',
      '  - supersede: { unit: Sales, by: [Engineering, Growth], as: replace }',
    ].join('\n');
    const [problem] = refusal(BASE, GROWTH, planOf('2021-06-01', twice));
    expect(formatProblem(problem!)).toMatch(
      /supersede \(changes\[1\]\).*"Sales" is already recorded as succeeded by "Growth" \(replace\) on 2021-06-01/,
    );
    // In two plans of the same day, and through a merge that tells what a supersede told.
    expect(
      refusal(
        BASE,
        GROWTH,
        planOf('2021-06-01', '  - supersede: { unit: Sales, by: [Growth], as: replace }'),
        planOf(
          '2021-06-01',
          '  - supersede: { unit: Sales, by: [Growth], as: replace }\n  - create: { unit: X, type: team, parent: Acme }',
        ),
      )[0]!.message,
    ).toMatch(/already recorded as succeeded by "Growth"/);
    expect(
      refusal(
        BASE,
        GROWTH,
        planOf(
          '2021-06-01',
          '  - supersede: { unit: Sales, by: [Growth], as: merge }\n  - merge: { units: [Sales], into: Growth }',
        ),
      )[0]!.message,
    ).toMatch(/already recorded as succeeded by "Growth" \(merge\)/);
    const history = build(
      BASE,
      GROWTH,
      planOf('2021-06-01', '  - supersede: { unit: Sales, by: [Growth], as: replace }'),
      planOf('2021-06-01', '  - supersede: { unit: Sales, by: [Growth], as: rename }'),
      planOf('2021-07-01', '  - supersede: { unit: Sales, by: [Growth], as: replace }'),
    );
    const successions = lineage(history, 'Growth').events.filter((e) => e.kind !== 'create');
    expect(successions.map((e) => [e.date, e.kind])).toEqual([
      ['2021-06-01', 'replace'],
      ['2021-06-01', 'rename'],
      ['2021-07-01', 'replace'],
    ]);
  });

  it('lets an id come back after its unit ended, and refuses it while the unit lives', () => {
    const history = build(
      BASE,
      planOf('2021-01-01', '  - create: { unit: Labs, type: team, parent: Engineering, id: labs }'),
      planOf('2021-06-01', '  - dissolve: { unit: Labs }'),
      planOf('2022-01-01', '  - create: { unit: Labs, type: team, parent: Sales, id: labs }'),
    );
    expect(at(history, '2021-07-01').units.has('labs')).toBe(false);
    expect(at(history, '2022-01-01').units.get('labs')!.parent).toBe(
      unitNamed(at(history, '2022-01-01'), 'Sales')!.id,
    );
    expect(history.units.get('labs')!.versions.map((v) => [v.from, v.to])).toEqual([
      ['2021-01-01', '2021-06-01'],
      ['2022-01-01', null],
    ]);
    expect(
      refusal(
        BASE,
        planOf('2021-01-01', '  - create: { unit: Labs, type: team, parent: Engineering, id: labs }'),
        planOf('2021-06-01', '  - create: { unit: Labs Two, type: team, parent: Sales, id: labs }'),
      )[0]!.message,
    ).toMatch(/a unit with id "labs" exists already/);
  });

  it('in a snapshot plan, sibling names need only differ at the end of the plan', () => {
    const recode = (snapshot: boolean) =>
      `plan: recode\ntitle: t\neffective: 2021-01-01\n${snapshot ? 'snapshot: true\n' : ''}changes:\n` +
      '  - create: { unit: Sales East, type: team, parent: Sales, id: sales-east-2 }\n' +
      '  - dissolve: { unit: "#sales-east", rest: "#sales-east-2" }\n';
    expect(refusal(BASE, recode(false))[0]!.message).toMatch(/already has a unit named "Sales East"/);
    const history = build(BASE, recode(true));
    expect(unitNamed(at(history, '2021-01-01'), 'Sales East')!.id).toBe('sales-east-2');
    // Still refused when the names clash at the end.
    const clash =
      'plan: clash\ntitle: t\neffective: 2021-01-01\nsnapshot: true\nchanges:\n' +
      '  - create: { unit: Sales East, type: team, parent: Sales, id: sales-east-2 }\n';
    expect(refusal(BASE, clash)[0]!.message).toMatch(/two units named "Sales East" under "Sales"/);
  });
});

describe("a person's title and name", () => {
  it('promote sets or clears a title and a level; rename gives a person a new name, found by either', () => {
    const history = build(
      BASE,
      planOf(
        '2021-01-01',
        `  - promote: { person: Dee Seller, title: Account Lead }
  - rename: { person: Eve West, to: Eve North }`,
      ),
      planOf('2022-01-01', `  - promote: { person: Dee Seller, level: P7, title: "" }`),
    );
    const dee = (date: string) => {
      const p = personNamed(at(history, date), 'Dee Seller');
      return [p.title, p.level];
    };
    const before = personNamed(at(history, '2020-06-01'), 'Dee Seller');
    expect(dee('2021-01-01')).toEqual(['Account Lead', before.level]);
    expect(dee('2022-01-01')).toEqual([null, 'P7']);
    expect(personNamed(at(history, '2021-01-01'), 'Eve North').unit).toBe(
      personNamed(at(history, '2020-06-01'), 'Eve West').unit,
    );
    expect(person(history, 'Eve West', '2021-06-01').name).toBe('Eve North');
    const changes = diff(history, '2020-12-31', '2021-01-01').changes.map((c) => [c.kind, c.from, c.to]);
    expect(changes).toEqual([
      ['person-renamed', 'Eve West', 'Eve North'],
      ['title-changed', null, 'Account Lead'],
    ]);
  });

  it('refuses a promote or rename that changes nothing', () => {
    const unchanged = refusal(
      BASE,
      planOf('2021-01-01', '  - rename: { person: Dee Seller, to: Dee Seller }'),
    );
    expect(formatProblem(unchanged[0]!)).toMatch(
      /rename \(changes\[0\]\): "Dee Seller" is already called that/,
    );
    const level = personNamed(at(build(BASE), '2020-06-01'), 'Dee Seller').level;
    const same = refusal(BASE, planOf('2021-01-01', `  - promote: { person: Dee Seller, level: ${level} }`));
    expect(formatProblem(same[0]!)).toMatch(/"Dee Seller" is already at level/);
  });
});
