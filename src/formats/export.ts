import { changeDays, HEAD_POST, type History, isSuccession } from '../core/model.ts';
import type { TreeNode } from '../core/queries.ts';
import { Snapshot, snapshotAt, versionAt } from '../core/snapshot.ts';
import type { Day } from '../core/time.ts';

/** A CSV field, quoted when it needs to be (RFC 4180). */
function field(value: string | null | undefined): string {
  const text = value ?? '';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(header: string[], rows: Array<Array<string | null | undefined>>): string {
  return `${[header.join(','), ...rows.map((row) => row.map(field).join(','))].join('\n')}\n`;
}

export interface CsvExport {
  units: string;
  people: string;
  posts: string;
}

/**
 * The organization as the HRIS CSVs of the import format: one row per period. With `asOf`, only
 * what is true that day (each row keeps its period). People rows carry the manager, which is
 * derived, so a person's periods are cut wherever their manager changes.
 */
export function exportCsv(history: History, asOf?: Day): CsvExport {
  const live = (v: { from: Day; to: Day | null }) =>
    asOf === undefined || (v.from <= asOf && (v.to === null || asOf < v.to));
  const units: string[][] = [];
  for (const record of [...history.units.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    for (const v of record.versions.filter(live)) {
      units.push([
        record.id,
        v.name,
        v.type,
        v.parent ?? '',
        (v.alsoUnder ?? []).join(';'),
        v.status ?? '',
        v.from,
        v.to ?? '',
      ]);
    }
  }
  const days = changeDays(history);
  const segments = new Map<string, Array<{ from: Day; to: Day | null; key: string; row: string[] }>>();
  days.forEach((day, i) => {
    const snap = new Snapshot(history, day);
    const to = days[i + 1] ?? null;
    for (const person of snap.people.values()) {
      const manager = snap.managerOf(person.id) ?? '';
      const row = [person.id, person.name, person.unit, manager, person.title ?? '', person.level ?? ''];
      const key = JSON.stringify(row);
      const list = segments.get(person.id) ?? [];
      const last = list.at(-1);
      if (last && last.key === key && last.to === day) last.to = to;
      else list.push({ from: day, to, key, row });
      segments.set(person.id, list);
    }
  });
  const people: string[][] = [];
  for (const id of [...segments.keys()].sort()) {
    for (const s of segments.get(id)!.filter(live)) people.push([...s.row, s.from, s.to ?? '']);
  }
  const posts = history.posts
    .filter((p) => p.holder !== null && live(p))
    .map((p) => [p.holder!, p.unit, p.post, p.from, p.to ?? ''])
    .sort((a, b) => a.join().localeCompare(b.join()));
  return {
    units: csv(
      ['unit_id', 'name', 'type', 'parent_id', 'other_parent_ids', 'status', 'valid_from', 'valid_to'],
      units,
    ),
    people: csv(
      ['person_id', 'name', 'unit_id', 'manager_id', 'title', 'level', 'valid_from', 'valid_to'],
      people,
    ),
    posts: csv(['person_id', 'unit_id', 'post', 'valid_from', 'valid_to'], posts),
  };
}

/** The whole history as JSON: every record with its versions, posts, lines, lineage events and plans. */
export function exportJson(history: History): unknown {
  return {
    units: [...history.units.values()],
    people: [...history.people.values()],
    businesses: [...history.businesses.values()],
    posts: history.posts,
    lines: history.lines,
    events: history.events,
    plans: history.plans,
  };
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** A subtree as a Mermaid flowchart (`flowchart TD`), heads under unit names. */
export function exportMermaid(tree: TreeNode): string {
  const lines = ['flowchart TD'];
  const ids = new Map<string, string>();
  const idOf = (node: TreeNode) => {
    if (!ids.has(node.id)) ids.set(node.id, `u${ids.size}`);
    return ids.get(node.id)!;
  };
  const walk = (node: TreeNode) => {
    const head = node.head ? `<br/>${mermaidText(node.head.name)}` : '<br/>(vacant)';
    lines.push(`  ${idOf(node)}["${mermaidText(node.name)}${head}"]`);
    for (const child of node.children) {
      walk(child);
      lines.push(`  ${idOf(node)} --> ${idOf(child)}`);
    }
  };
  walk(tree);
  return `${lines.join('\n')}\n`;
}

function dotText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** A subtree as Graphviz DOT. */
export function exportDot(tree: TreeNode): string {
  const lines = ['digraph org {', '  rankdir=TB;', '  node [shape=box];'];
  const walk = (node: TreeNode) => {
    const head = node.head ? node.head.name : '(vacant)';
    lines.push(`  "${dotText(node.id)}" [label="${dotText(node.name)}\\n${dotText(head)}"];`);
    for (const child of node.children) {
      walk(child);
      lines.push(`  "${dotText(node.id)}" -> "${dotText(child.id)}";`);
    }
  };
  walk(tree);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const PREFIXES: Record<string, string> = {
  org: 'http://www.w3.org/ns/org#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  foaf: 'http://xmlns.com/foaf/0.1/',
  time: 'http://www.w3.org/2006/time#',
  prov: 'http://www.w3.org/ns/prov#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

type Term = { iri: string } | { literal: string; datatype?: string };
type Triple = [string, string, Term];

/**
 * The organization in the W3C Organization Ontology, as triples: units (org:Organization for the
 * root, org:OrganizationalUnit otherwise) with org:subOrganizationOf as of `asOf`, posts (org:Post,
 * org:postIn, org:heldBy), memberships over time (org:Membership, org:memberDuring), and every merge,
 * split and dissolution as an org:ChangeEvent with org:originalOrganization and org:resultingOrganization.
 */
export function orgTriples(history: History, asOf: Day, base: string): Triple[] {
  const snap = snapshotAt(history, asOf);
  const t: Triple[] = [];
  const unitIri = (id: string) => `${base}unit/${encodeURIComponent(id)}`;
  const personIri = (id: string) => `${base}person/${encodeURIComponent(id)}`;
  const lit = (literal: string, datatype?: string): Term => (datatype ? { literal, datatype } : { literal });
  const a = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
  for (const record of history.units.values()) {
    const state = snap.units.get(record.id);
    const last = record.versions.at(-1);
    if (!last) continue;
    const iri = unitIri(record.id);
    t.push([
      iri,
      a,
      { iri: `${PREFIXES.org}${state?.parent === null ? 'Organization' : 'OrganizationalUnit'}` },
    ]);
    t.push([iri, `${PREFIXES.skos}prefLabel`, lit((state ?? last).name)]);
    t.push([iri, `${PREFIXES.org}classification`, lit((state ?? last).type)]);
    for (const alias of record.aliases) t.push([iri, `${PREFIXES.skos}altLabel`, lit(alias)]);
    if (state?.parent) t.push([iri, `${PREFIXES.org}subOrganizationOf`, { iri: unitIri(state.parent) }]);
    // ORG allows several: a unit with further parents is a subOrganizationOf each of them.
    for (const other of state?.alsoUnder ?? [])
      t.push([iri, `${PREFIXES.org}subOrganizationOf`, { iri: unitIri(other) }]);
  }
  for (const record of history.people.values()) {
    const last = record.versions.at(-1);
    if (!last) continue;
    const iri = personIri(record.id);
    t.push([iri, a, { iri: `${PREFIXES.foaf}Person` }]);
    t.push([iri, `${PREFIXES.foaf}name`, lit((versionAt(record.versions, asOf) ?? last).name)]);
    record.versions.forEach((v, i) => {
      const membership = `${iri}/membership/${i}`;
      const interval = `${membership}/interval`;
      t.push([membership, a, { iri: `${PREFIXES.org}Membership` }]);
      t.push([membership, `${PREFIXES.org}member`, { iri }]);
      t.push([membership, `${PREFIXES.org}organization`, { iri: unitIri(v.unit) }]);
      t.push([membership, `${PREFIXES.org}memberDuring`, { iri: interval }]);
      t.push([interval, a, { iri: `${PREFIXES.time}Interval` }]);
      t.push([interval, `${PREFIXES.time}hasBeginning`, lit(v.from, `${PREFIXES.xsd}date`)]);
      if (v.to !== null) t.push([interval, `${PREFIXES.time}hasEnd`, lit(v.to, `${PREFIXES.xsd}date`)]);
    });
  }
  for (const post of snap.posts) {
    const iri = `${unitIri(post.unit)}/post/${encodeURIComponent(post.post)}`;
    t.push([iri, a, { iri: `${PREFIXES.org}Post` }]);
    t.push([iri, `${PREFIXES.skos}prefLabel`, lit(post.post === HEAD_POST ? 'head' : post.post)]);
    t.push([iri, `${PREFIXES.org}postIn`, { iri: unitIri(post.unit) }]);
    if (post.holder !== null) {
      t.push([personIri(post.holder), `${PREFIXES.org}holds`, { iri }]);
      if (post.post === HEAD_POST)
        t.push([personIri(post.holder), `${PREFIXES.org}headOf`, { iri: unitIri(post.unit) }]);
    }
  }
  history.events.forEach((event, i) => {
    if (!isSuccession(event) && event.kind !== 'dissolve') return;
    const iri = `${base}event/${i}`;
    t.push([iri, a, { iri: `${PREFIXES.org}ChangeEvent` }]);
    t.push([iri, `${PREFIXES.rdfs}label`, lit(event.kind)]);
    t.push([iri, `${PREFIXES.prov}atTime`, lit(event.date, `${PREFIXES.xsd}date`)]);
    for (const from of event.from)
      t.push([iri, `${PREFIXES.org}originalOrganization`, { iri: unitIri(from) }]);
    for (const to of event.to) t.push([iri, `${PREFIXES.org}resultingOrganization`, { iri: unitIri(to) }]);
  });
  return t;
}

function turtleTerm(term: Term | string): string {
  if (typeof term === 'string') return iriText(term);
  if ('iri' in term) return iriText(term.iri);
  const escaped = term.literal
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
  return term.datatype ? `"${escaped}"^^${iriText(term.datatype)}` : `"${escaped}"`;
}

function iriText(iri: string): string {
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && /^[A-Za-z][A-Za-z0-9]*$/.test(iri.slice(ns.length)))
      return `${prefix}:${iri.slice(ns.length)}`;
  }
  if (iri === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type') return 'a';
  return `<${iri.replace(/[<>"{}|^`\\\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}>`;
}

export function exportTurtle(history: History, asOf: Day, base = 'urn:orgshift:'): string {
  const lines = Object.entries(PREFIXES).map(([p, ns]) => `@prefix ${p}: <${ns}> .`);
  lines.push('');
  for (const [s, p, o] of orgTriples(history, asOf, base))
    lines.push(`${turtleTerm(s)} ${turtleTerm(p)} ${turtleTerm(o)} .`);
  return `${lines.join('\n')}\n`;
}

/** The same triples as JSON-LD (expanded form in a @graph, with the prefixes in @context). */
export function exportJsonLd(history: History, asOf: Day, base = 'urn:orgshift:'): unknown {
  const nodes = new Map<string, Record<string, unknown[]>>();
  for (const [s, p, o] of orgTriples(history, asOf, base)) {
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
  return {
    '@context': PREFIXES,
    '@graph': [...nodes.values()].map((node) => ({ ...node, '@id': node['@id']![0] })),
  };
}
