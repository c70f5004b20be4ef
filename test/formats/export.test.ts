import { Parser } from 'n3';
import { describe, expect, it } from 'vitest';
import type { History } from '../../src/core/model.ts';
import { tree } from '../../src/core/queries.ts';
import { replay } from '../../src/core/replay.ts';
import {
  csvPeople,
  csvPosts,
  csvUnits,
  exportDot,
  exportJsonLd,
  exportMermaid,
  exportTurtle,
} from '../../src/formats/export.ts';
import { joined } from '../../src/formats/pieces.ts';
import { build, examplePlans } from '../helpers.ts';

/** The three CSVs as text. */
function exportCsv(history: History, asOf?: string) {
  return {
    units: joined(csvUnits(history, asOf)),
    people: joined(csvPeople(history, asOf)),
    posts: joined(csvPosts(history, asOf)),
  };
}

function alibaba(): History {
  const result = replay(examplePlans().map(({ plan }, i) => ({ plan, seq: i + 1 })));
  if (!result.ok) throw new Error('examples must replay');
  return result.history;
}
const history = alibaba();
const ORG = 'http://www.w3.org/ns/org#';

describe('CSV export', () => {
  it('writes the import format as of a date, with derived managers', () => {
    const { units, people, posts } = exportCsv(history, '2022-01-07');
    expect(units.split('\n')[0]).toBe(
      'unit_id,name,type,parent_id,other_parent_ids,status,valid_from,valid_to',
    );
    expect(units).toContain(
      'user-operation-development-center,User Operation Development Center,center,big-taobao,,,2022-01-06,',
    );
    expect(units).not.toContain('tmall-business-group');
    expect(people.split('\n')[0]).toBe('person_id,name,unit_id,manager_id,title,level,valid_from,valid_to');
    expect(people).toContain('xuande,Xuande,user-operation-development-center,dai-shan,,,2022-01-06,');
    expect(people).toContain(
      'wang-lei,Wang Lei,ali-local-life-service-company,zhang-yong,President of local life services,M7,2020-03-06,',
    );
    expect(posts).toContain('lu-su,big-taobao,CTO,2022-01-06,');
  });

  it('writes every period with --full, cutting a person where their manager changes', () => {
    const { people, units } = exportCsv(history);
    const jiang = people.split('\n').filter((line) => line.startsWith('jiang-fan,'));
    expect(jiang).toEqual([
      'jiang-fan,Jiang Fan,big-taobao,zhang-yong,,,2021-12-01,2021-12-06',
      'jiang-fan,Jiang Fan,overseas-digital-commerce,zhang-yong,,,2021-12-06,',
    ]);
    expect(units).toContain(
      'tmall-business-group,Tmall Business Group,business group,big-taobao,,,2021-12-01,2022-01-06',
    );
  });

  it('quotes fields that need it', () => {
    const h = build(
      `plan: q\ntitle: q\neffective: 2020-01-01\nchanges:\n  - create: { unit: 'Sales, "East"', type: team }\n`,
    );
    expect(exportCsv(h).units).toContain('"Sales, ""East""",team');
  });
});

describe('W3C ORG export', () => {
  const turtle = joined(exportTurtle(history, '2022-01-07'));
  const quads = new Parser().parse(turtle);
  const objects = (subject: string, predicate: string) =>
    quads
      .filter((q) => q.subject.value === subject && q.predicate.value === predicate)
      .map((q) => q.object.value);

  it('is valid Turtle with units, sub-organizations, posts and memberships', () => {
    expect(quads.length).toBeGreaterThan(200);
    const uodc = 'urn:orgshift:unit/user-operation-development-center';
    expect(objects(uodc, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type')).toEqual([
      `${ORG}OrganizationalUnit`,
    ]);
    expect(objects(uodc, `${ORG}subOrganizationOf`)).toEqual(['urn:orgshift:unit/big-taobao']);
    expect(
      objects('urn:orgshift:unit/alibaba-group', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'),
    ).toEqual([`${ORG}Organization`]);
    expect(objects('urn:orgshift:person/lu-su', `${ORG}holds`).sort()).toEqual([
      'urn:orgshift:unit/alibaba-group/post/CTO',
      'urn:orgshift:unit/big-taobao/post/CTO',
    ]);
    expect(objects('urn:orgshift:person/xuande', `${ORG}headOf`)).toEqual([uodc]);
    const membership = quads.find(
      (q) => q.predicate.value === `${ORG}member` && q.object.value === 'urn:orgshift:person/xuande',
    )!.subject.value;
    expect(objects(membership, `${ORG}memberDuring`)).toHaveLength(1);
  });

  it('records merges as change events', () => {
    const events = quads
      .filter(
        (q) =>
          q.predicate.value === `${ORG}originalOrganization` &&
          q.object.value === 'urn:orgshift:unit/tmall-business-group',
      )
      .map((q) => q.subject.value);
    expect(events).toHaveLength(1);
    expect(objects(events[0]!, `${ORG}resultingOrganization`).sort()).toEqual([
      'urn:orgshift:unit/industrial-operation-development-center',
      'urn:orgshift:unit/platform-strategy-and-operation-center',
      'urn:orgshift:unit/user-operation-development-center',
    ]);
  });

  it('gives the same graph as JSON-LD', () => {
    const doc = JSON.parse(joined(exportJsonLd(history, '2022-01-07'))) as {
      '@graph': Array<Record<string, unknown>>;
    };
    const subjects = new Set(quads.map((q) => q.subject.value));
    expect(doc['@graph'].map((n) => n['@id']).sort()).toEqual([...subjects].sort());
    const tmall = doc['@graph'].find((n) => n['@id'] === 'urn:orgshift:unit/tmall-business-group')!;
    expect(tmall['http://www.w3.org/2004/02/skos/core#prefLabel']).toEqual([
      { '@value': 'Tmall Business Group' },
    ]);
  });
});

describe('Mermaid and DOT', () => {
  const root = tree(history, '2022-01-07', { unit: 'Big Taobao', depth: 1 }).root!;
  it('draws a subtree', () => {
    const mermaid = exportMermaid(root);
    expect(mermaid.split('\n')[0]).toBe('flowchart TD');
    expect(mermaid.match(/-->/g)).toHaveLength(6);
    expect(mermaid).toContain('["User Operation Development Center<br/>Xuande"]');
    const dot = exportDot(root);
    expect(dot).toContain('"big-taobao" -> "user-operation-development-center";');
    expect(dot.trim().endsWith('}')).toBe(true);
  });

  it("writes names with Mermaid's and HTML's special characters as entity codes, DOT's escaped", () => {
    const h = build(
      [
        'plan: q',
        'title: q',
        'effective: 2020-01-01',
        'changes:',
        `  - create: { unit: 'R&D "Labs" <EU> #1;', type: team }`,
        `  - hire: { person: 'Zoë <z@x> \\ ok', unit: 'R&D "Labs" <EU> #1;' }`,
        `  - appoint: { person: 'Zoë <z@x> \\ ok', unit: 'R&D "Labs" <EU> #1;', post: head }`,
        '',
      ].join('\n'),
    );
    const node = tree(h, '2020-01-01', { unit: 'R&D "Labs" <EU> #1;' }).root!;
    const mermaid = exportMermaid(node);
    expect(mermaid).toContain('["R#38;D #34;Labs#34; #60;EU#62; #35;1;<br/>Zoë #60;z@x#62; \\ ok"]');
    const label = /\[label="(.*)"\];/.exec(exportDot(node))![1]!;
    expect(label).toBe('R&D \\"Labs\\" <EU> #1;\\nZoë <z@x> \\\\ ok');
  });
});
