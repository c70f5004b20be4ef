import { ChangeIndex, DayView, peopleTouched } from '../core/day-diff.ts';
import { HEAD_POST, type History, isSuccession } from '../core/model.ts';
import type { TreeNode } from '../core/queries.ts';
import { snapshotAt, versionAt } from '../core/snapshot.ts';
import { addDays, type Day } from '../core/time.ts';

/** A CSV field, quoted when it needs to be (RFC 4180). */
function field(value: string | null | undefined): string {
  const text = value ?? '';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(row: ReadonlyArray<string | null | undefined>): string {
  return `${row.map(field).join(',')}\n`;
}

/** A period is kept by an export as of `asOf` when it contains that day; every period without one. */
function liveOn(asOf: Day | undefined): (v: { from: Day; to: Day | null }) => boolean {
  return (v) => asOf === undefined || (v.from <= asOf && (v.to === null || asOf < v.to));
}

/**
 * How the CSV files write `valid_to`: by default the first day a period is no longer true (as the
 * import reads it); `inclusiveEnd`, its last day (as `import --inclusive-end` reads it).
 */
export interface CsvEnds {
  inclusiveEnd?: boolean;
}

function endText(to: Day | null, ends: CsvEnds): string {
  return to === null ? '' : ends.inclusiveEnd ? addDays(to, -1) : to;
}

// `localeCompare`'s order, with one collator instead of one per comparison.
const collator = new Intl.Collator();

/**
 * The units file of the import format, a line at a time: one row per period of a unit's name, type
 * and parents; with `asOf`, only the periods true that day (each keeps its dates).
 */
export function* csvUnits(history: History, asOf?: Day, ends: CsvEnds = {}): Generator<string> {
  const live = liveOn(asOf);
  yield csvLine([
    'unit_id',
    'name',
    'type',
    'parent_id',
    'other_parent_ids',
    'status',
    'valid_from',
    'valid_to',
  ]);
  for (const record of [...history.units.values()].sort((a, b) => collator.compare(a.id, b.id))) {
    // Back-to-back versions the file cannot tell apart (a plan that changed the unit and changed it
    // back) are one row, as the people file's rows are.
    let run: RowSegment | null = null;
    for (const v of record.versions) {
      const row = [record.id, v.name, v.type, v.parent ?? '', (v.alsoUnder ?? []).join(';'), v.status ?? ''];
      if (run && run.to === v.from && sameRow(run.row, row)) {
        run.to = v.to;
        continue;
      }
      if (run && live(run)) yield csvLine([...run.row, run.from, endText(run.to, ends)]);
      run = { from: v.from, to: v.to, row };
    }
    if (run && live(run)) yield csvLine([...run.row, run.from, endText(run.to, ends)]);
  }
}

/** A record's row between two days on which it changes (a person's: id, name, unit, manager, title, level). */
interface RowSegment {
  from: Day;
  to: Day | null;
  row: string[];
}

/**
 * Each person's rows over time. A row carries the manager, which is derived, so it is cut wherever the
 * person's version or their manager changes. Read day by day from what begins or ends that day
 * (`ChangeIndex`): only the people whose row may differ that day (`dayChanges`' candidates) are looked
 * at, so the cost follows the changes, not the days times the organization.
 */
function personSegments(history: History): Map<string, RowSegment[]> {
  const index = ChangeIndex.of(history);
  const segments = new Map<string, RowSegment[]>();
  const open = new Map<string, RowSegment>();
  let before: DayView | null = null;
  for (const day of index.days) {
    const after = new DayView(index, day);
    const t = index.touchesOn(day);
    if (!t) continue;
    for (const id of peopleTouched(t, before, after)) {
      const current = open.get(id);
      const v = after.person(id);
      if (!v) {
        if (current) current.to = day;
        open.delete(id);
        continue;
      }
      const row = [id, v.name, v.unit, after.managerOf(id) ?? '', v.title ?? '', v.level ?? ''];
      if (current && sameRow(current.row, row)) continue;
      if (current) current.to = day;
      const segment: RowSegment = { from: day, to: null, row };
      open.set(id, segment);
      const list = segments.get(id);
      if (list) list.push(segment);
      else segments.set(id, [segment]);
    }
    before = after;
  }
  return segments;
}

function sameRow(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

/**
 * The people file of the import format, a line at a time, with each person's manager (derived): a
 * person's periods are cut wherever their manager changes. With `asOf`, only the rows true that day.
 */
export function* csvPeople(history: History, asOf?: Day, ends: CsvEnds = {}): Generator<string> {
  const live = liveOn(asOf);
  yield csvLine(['person_id', 'name', 'unit_id', 'manager_id', 'title', 'level', 'valid_from', 'valid_to']);
  const segments = personSegments(history);
  for (const id of [...segments.keys()].sort()) {
    for (const s of segments.get(id)!) if (live(s)) yield csvLine([...s.row, s.from, endText(s.to, ends)]);
  }
}

/**
 * The posts file of the import format (held posts only), a line at a time. A holder's tenures of a post
 * that follow one another without a gap are one row, as the file has no column for what tells them
 * apart (whether the post was held concurrently).
 */
export function* csvPosts(history: History, asOf?: Day, ends: CsvEnds = {}): Generator<string> {
  const live = liveOn(asOf);
  yield csvLine(['person_id', 'unit_id', 'post', 'valid_from', 'valid_to']);
  type Tenures = { holder: string; unit: string; post: string; list: Array<{ from: Day; to: Day | null }> };
  const tenures = new Map<string, Tenures>();
  for (const p of history.posts) {
    if (p.holder === null) continue;
    const key = JSON.stringify([p.holder, p.unit, p.post]);
    const found = tenures.get(key);
    if (found) found.list.push({ from: p.from, to: p.to });
    else
      tenures.set(key, { holder: p.holder, unit: p.unit, post: p.post, list: [{ from: p.from, to: p.to }] });
  }
  const rows: Array<{ row: string[]; key: string }> = [];
  for (const { holder, unit, post, list } of tenures.values()) {
    list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const merged: Array<{ from: Day; to: Day | null }> = [];
    for (const t of list) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.to === t.from) last.to = t.to;
      else merged.push({ ...t });
    }
    for (const t of merged) {
      if (!live(t)) continue;
      const row = [holder, unit, post, t.from, endText(t.to, ends)];
      rows.push({ row, key: row.join() });
    }
  }
  rows.sort((a, b) => collator.compare(a.key, b.key));
  for (const { row } of rows) yield csvLine(row);
}

/** What `export --format` and `GET /api/export?format=` write. */
export const EXPORT_FORMATS = [
  'csv-units',
  'csv-people',
  'csv-posts',
  'csv-lineage',
  'json',
  'turtle',
  'jsonld',
  'mermaid',
  'dot',
] as const;

/**
 * The lineage file of the import format, a line at a time: for each succession (a merge, split or
 * replacement, or a rename into another unit), a row per unit that went in and unit that came out,
 * by date. With `asOf`, the successions on or before that day.
 */
export function* csvLineage(history: History, asOf?: Day): Generator<string> {
  yield csvLine(['unit_id', 'successor_id', 'kind', 'date']);
  // A unit that lived no day (made and ended the same day) has no row in the units file either.
  const lived = (id: string) => (history.units.get(id)?.versions.length ?? 0) > 0;
  const rows: string[][] = [];
  for (const event of history.events) {
    if (!isSuccession(event) || (asOf !== undefined && event.date > asOf)) continue;
    // A merge into a unit that goes on lists it on both sides: a unit does not succeed itself.
    for (const from of event.from)
      for (const to of event.to)
        if (from !== to && lived(from) && lived(to)) rows.push([from, to, event.kind, event.date]);
  }
  // By date, then unit, successor and kind: the same rows however the successions were grouped into
  // events (a unit succeeded by one unit in two ways that day, imported again, has the first kind's
  // row as its dissolve and the other as a succession of its own).
  rows.sort((a, b) =>
    a[3]! < b[3]!
      ? -1
      : a[3]! > b[3]!
        ? 1
        : collator.compare(`${a[0]},${a[1]},${a[2]}`, `${b[0]},${b[1]},${b[2]}`),
  );
  for (const row of rows) yield csvLine(row);
}

type JsonMember = { value: unknown } | { items: Iterable<unknown> };

/**
 * An object whose members are given in order, each a value or a list given as its items (walked
 * once), as JSON text in pieces: the text `JSON.stringify(object, null, indent)` gives, without
 * ever holding it whole.
 */
export function* jsonObject(
  members: ReadonlyArray<readonly [string, JsonMember]>,
  indent: number,
): Generator<string> {
  const pad = indent > 0 ? `\n${' '.repeat(indent)}` : '';
  const itemPad = indent > 0 ? `\n${' '.repeat(2 * indent)}` : '';
  const colon = indent > 0 ? ': ' : ':';
  const nested = (value: unknown, at: string) => {
    const text = JSON.stringify(value, null, indent) ?? 'null';
    // JSON text has no line break but those of its indentation.
    return indent > 0 ? text.replace(/\n/g, at) : text;
  };
  yield '{';
  let firstMember = true;
  for (const [key, member] of members) {
    yield `${firstMember ? '' : ','}${pad}${JSON.stringify(key)}${colon}`;
    firstMember = false;
    if ('value' in member) {
      yield nested(member.value, pad);
      continue;
    }
    let first = true;
    for (const item of member.items) {
      yield `${first ? '[' : ','}${itemPad}${nested(item, itemPad)}`;
      first = false;
    }
    yield first ? '[]' : `${pad}]`;
  }
  yield firstMember ? '}' : `${indent > 0 ? '\n' : ''}}`;
}

/**
 * The whole history as JSON, in pieces: every record with its versions, posts, lines, lineage events
 * and plans (`indent` spaces of indentation, none by default).
 */
export function exportJson(history: History, indent = 0): Generator<string> {
  return jsonObject(
    [
      ['units', { items: history.units.values() }],
      ['people', { items: history.people.values() }],
      ['businesses', { items: history.businesses.values() }],
      ['posts', { items: history.posts }],
      ['lines', { items: history.lines }],
      ['events', { items: history.events }],
      ['plans', { items: history.plans }],
    ],
    indent,
  );
}

/**
 * A label's text as Mermaid reads it back: `"` would end the label, `<` and `>` make HTML tags (labels
 * are HTML, for the `<br/>`), `&` an HTML entity and `#…;` a Mermaid one, so each is written as
 * Mermaid's decimal entity code.
 */
function mermaidText(text: string): string {
  return text.replace(/["<>&#]/g, (c) => `#${c.charCodeAt(0)};`);
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
 * The organization in the W3C Organization Ontology, as triples, one at a time: units
 * (org:Organization for the root, org:OrganizationalUnit otherwise) with org:subOrganizationOf as of
 * `asOf`, posts (org:Post, org:postIn, org:heldBy), memberships over time (org:Membership,
 * org:memberDuring), and every merge, split and dissolution as an org:ChangeEvent with
 * org:originalOrganization and org:resultingOrganization. A subject's triples come together (a
 * person's posts with the person), so that JSON-LD nodes are made one at a time.
 */
export function* orgTriples(history: History, asOf: Day, base: string): Generator<Triple> {
  const snap = snapshotAt(history, asOf);
  const unitIri = (id: string) => `${base}unit/${encodeURIComponent(id)}`;
  const personIri = (id: string) => `${base}person/${encodeURIComponent(id)}`;
  const postIri = (post: { unit: string; post: string }) =>
    `${unitIri(post.unit)}/post/${encodeURIComponent(post.post)}`;
  const lit = (literal: string, datatype?: string): Term => (datatype ? { literal, datatype } : { literal });
  const a = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
  function* held(post: { unit: string; post: string; holder: string | null }): Generator<Triple> {
    if (post.holder === null) return;
    yield [personIri(post.holder), `${PREFIXES.org}holds`, { iri: postIri(post) }];
    if (post.post === HEAD_POST)
      yield [personIri(post.holder), `${PREFIXES.org}headOf`, { iri: unitIri(post.unit) }];
  }
  for (const record of history.units.values()) {
    const state = snap.units.get(record.id);
    const last = record.versions.at(-1);
    if (!last) continue;
    const iri = unitIri(record.id);
    yield [
      iri,
      a,
      { iri: `${PREFIXES.org}${state?.parent === null ? 'Organization' : 'OrganizationalUnit'}` },
    ];
    yield [iri, `${PREFIXES.skos}prefLabel`, lit((state ?? last).name)];
    yield [iri, `${PREFIXES.org}classification`, lit((state ?? last).type)];
    for (const alias of record.aliases) yield [iri, `${PREFIXES.skos}altLabel`, lit(alias)];
    if (state?.parent) yield [iri, `${PREFIXES.org}subOrganizationOf`, { iri: unitIri(state.parent) }];
    // ORG allows several: a unit with further parents is a subOrganizationOf each of them.
    for (const other of state?.alsoUnder ?? [])
      yield [iri, `${PREFIXES.org}subOrganizationOf`, { iri: unitIri(other) }];
  }
  for (const record of history.people.values()) {
    const last = record.versions.at(-1);
    if (!last) continue;
    const iri = personIri(record.id);
    yield [iri, a, { iri: `${PREFIXES.foaf}Person` }];
    yield [iri, `${PREFIXES.foaf}name`, lit((versionAt(record.versions, asOf) ?? last).name)];
    for (const post of snap.postsOfPerson(record.id)) yield* held(post);
    for (let i = 0; i < record.versions.length; i++) {
      const v = record.versions[i]!;
      const membership = `${iri}/membership/${i}`;
      const interval = `${membership}/interval`;
      yield [membership, a, { iri: `${PREFIXES.org}Membership` }];
      yield [membership, `${PREFIXES.org}member`, { iri }];
      yield [membership, `${PREFIXES.org}organization`, { iri: unitIri(v.unit) }];
      yield [membership, `${PREFIXES.org}memberDuring`, { iri: interval }];
      yield [interval, a, { iri: `${PREFIXES.time}Interval` }];
      yield [interval, `${PREFIXES.time}hasBeginning`, lit(v.from, `${PREFIXES.xsd}date`)];
      if (v.to !== null) yield [interval, `${PREFIXES.time}hasEnd`, lit(v.to, `${PREFIXES.xsd}date`)];
    }
  }
  for (const post of snap.posts) {
    const iri = postIri(post);
    yield [iri, a, { iri: `${PREFIXES.org}Post` }];
    yield [iri, `${PREFIXES.skos}prefLabel`, lit(post.post === HEAD_POST ? 'head' : post.post)];
    yield [iri, `${PREFIXES.org}postIn`, { iri: unitIri(post.unit) }];
    // A holder without a period (never, in a checked organization) gets the post here.
    if (post.holder !== null && !history.people.get(post.holder)?.versions.length) yield* held(post);
  }
  for (let i = 0; i < history.events.length; i++) {
    const event = history.events[i]!;
    if (!isSuccession(event) && event.kind !== 'dissolve') continue;
    const iri = `${base}event/${i}`;
    yield [iri, a, { iri: `${PREFIXES.org}ChangeEvent` }];
    yield [iri, `${PREFIXES.rdfs}label`, lit(event.kind)];
    yield [iri, `${PREFIXES.prov}atTime`, lit(event.date, `${PREFIXES.xsd}date`)];
    for (const from of event.from) yield [iri, `${PREFIXES.org}originalOrganization`, { iri: unitIri(from) }];
    for (const to of event.to) yield [iri, `${PREFIXES.org}resultingOrganization`, { iri: unitIri(to) }];
  }
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

/** The W3C ORG triples as Turtle, a line at a time. */
export function* exportTurtle(history: History, asOf: Day, base = 'urn:orgshift:'): Generator<string> {
  for (const [p, ns] of Object.entries(PREFIXES)) yield `@prefix ${p}: <${ns}> .\n`;
  yield '\n';
  for (const [s, p, o] of orgTriples(history, asOf, base))
    yield `${turtleTerm(s)} ${turtleTerm(p)} ${turtleTerm(o)} .\n`;
}

/** The nodes of the triples' graph in JSON-LD's expanded form, one per subject, as their triples come. */
function* jsonLdNodes(triples: Iterable<Triple>): Generator<Record<string, unknown>> {
  let node: Record<string, unknown[]> | null = null;
  let subject = '';
  for (const [s, p, o] of triples) {
    if (node === null || s !== subject) {
      if (node !== null) yield { '@id': subject, ...node };
      node = {};
      subject = s;
    }
    const key = p === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type' ? '@type' : p;
    const value =
      'iri' in o
        ? key === '@type'
          ? o.iri
          : { '@id': o.iri }
        : o.datatype
          ? { '@value': o.literal, '@type': o.datatype }
          : { '@value': o.literal };
    const values = node[key];
    if (values) values.push(value);
    else node[key] = [value];
  }
  if (node !== null) yield { '@id': subject, ...node };
}

/**
 * The same triples as JSON-LD (expanded form in a @graph, with the prefixes in @context), in pieces
 * (`indent` spaces of indentation, none by default).
 */
export function exportJsonLd(
  history: History,
  asOf: Day,
  base = 'urn:orgshift:',
  indent = 0,
): Generator<string> {
  return jsonObject(
    [
      ['@context', { value: PREFIXES }],
      ['@graph', { items: jsonLdNodes(orgTriples(history, asOf, base)) }],
    ],
    indent,
  );
}
