import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { OrgshiftError, type Problem, type SourceLocation } from '../core/errors.ts';
import {
  isSupersedeKind,
  type NewUnitSpec,
  type Operation,
  type OperationKind,
  type Plan,
  type PlanSource,
  type SupersedeKind,
} from '../core/model.ts';
import { parseDay } from '../core/time.ts';

type FieldType =
  | 'string'
  | 'maybeString'
  | 'strings'
  | 'maybeStrings'
  | 'boolean'
  | 'units'
  | 'unitOrUnits'
  | 'reportKind'
  | 'succession';

interface FieldSpec {
  type: FieldType;
  required?: boolean;
}

const COMMON: Record<string, FieldSpec> = { quote: { type: 'string' }, inferred: { type: 'boolean' } };

/** Every operation and its keys. `docs/plan-format.md` describes the same table for people. */
export const OPERATION_KEYS: Record<OperationKind, Record<string, FieldSpec>> = {
  create: {
    unit: { type: 'string', required: true },
    type: { type: 'string', required: true },
    parent: { type: 'string' },
    aliases: { type: 'strings' },
    head: { type: 'string' },
    id: { type: 'string' },
  },
  rename: { unit: { type: 'string' }, person: { type: 'string' }, to: { type: 'string', required: true } },
  move: { unit: { type: 'string', required: true }, to: { type: 'string', required: true } },
  update: {
    unit: { type: 'string', required: true },
    type: { type: 'string' },
    status: { type: 'maybeString' },
    also_under: { type: 'maybeStrings' },
  },
  supersede: {
    unit: { type: 'string', required: true },
    by: { type: 'strings', required: true },
    as: { type: 'succession', required: true },
  },
  merge: {
    units: { type: 'strings', required: true },
    into: { type: 'unitOrUnits', required: true },
    parent: { type: 'string' },
    rest: { type: 'string' },
  },
  split: {
    unit: { type: 'string', required: true },
    into: { type: 'units', required: true },
    parent: { type: 'string' },
    rest: { type: 'string' },
  },
  dissolve: {
    unit: { type: 'string', required: true },
    rest: { type: 'string' },
    successors: { type: 'strings' },
    as: { type: 'succession' },
  },
  transfer: {
    business: { type: 'string' },
    person: { type: 'string' },
    to: { type: 'string', required: true },
  },
  appoint: {
    person: { type: 'string', required: true },
    unit: { type: 'string', required: true },
    post: { type: 'string' },
    concurrent: { type: 'boolean' },
  },
  vacate: { unit: { type: 'string', required: true }, post: { type: 'string' } },
  promote: {
    person: { type: 'string', required: true },
    level: { type: 'maybeString' },
    title: { type: 'maybeString' },
  },
  hire: {
    person: { type: 'string', required: true },
    unit: { type: 'string', required: true },
    level: { type: 'string' },
    title: { type: 'string' },
    aliases: { type: 'strings' },
    unnamed: { type: 'boolean' },
    id: { type: 'string' },
  },
  leave: { person: { type: 'string', required: true } },
  report: {
    person: { type: 'string', required: true },
    to: { type: 'string' },
    kind: { type: 'reportKind', required: true },
  },
  launch: {
    business: { type: 'string', required: true },
    unit: { type: 'string', required: true },
    aliases: { type: 'strings' },
  },
  retire: { business: { type: 'string', required: true } },
  alias: {
    unit: { type: 'string' },
    person: { type: 'string' },
    business: { type: 'string' },
    add: { type: 'strings', required: true },
  },
};

const NEW_UNIT_KEYS = new Set(['name', 'type', 'head', 'aliases', 'takes']);
const PLAN_KEYS = new Set([
  'plan',
  'title',
  'effective',
  'announced_by',
  'snapshot',
  'sources',
  'changes',
  'note',
  'inferred',
]);
const SOURCE_KEYS = new Set(['url', 'title', 'quote', 'note', 'inferred']);

class Stop extends Error {}

/** Reads YAML nodes into typed values, recording a located problem for everything wrong. */
class Reader {
  readonly problems: Problem[] = [];
  operation: string | undefined;

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | null | undefined): SourceLocation {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, col: pos.col };
  }

  fail(node: Node | null | undefined, message: string): never {
    this.problems.push({
      message,
      location: this.at(node),
      ...(this.operation !== undefined ? { operation: this.operation } : {}),
    });
    throw new Stop();
  }

  string(node: Node | null | undefined, what: string): string {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
      const text = String(node.value).trim();
      if (text === '') this.fail(node, `${what} is empty`);
      return text;
    }
    return this.fail(node, `${what} must be a text value${describe(node)}`);
  }

  strings(node: Node | null | undefined, what: string): { values: string[]; nodes: Node[] } {
    if (isScalar(node)) return { values: [this.string(node, what)], nodes: [node] };
    if (!isSeq(node)) return this.fail(node, `${what} must be a list of names${describe(node)}`);
    const nodes = node.items as Node[];
    if (nodes.length === 0) this.fail(node, `${what} is an empty list`);
    return { values: nodes.map((item, i) => this.string(item, `${what}[${i}]`)), nodes };
  }

  boolean(node: Node | null | undefined, what: string): boolean {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    return this.fail(node, `${what} must be true or false${describe(node)}`);
  }

  map(node: Node | null | undefined, what: string): YAMLMap<Node, Node> {
    if (isMap(node)) return node as YAMLMap<Node, Node>;
    return this.fail(node, `${what} must be a mapping of keys to values${describe(node)}`);
  }

  entries(
    node: YAMLMap<Node, Node>,
    what: string,
    allowed: Set<string>,
  ): Map<string, { key: Node; value: Node }> {
    const found = new Map<string, { key: Node; value: Node }>();
    for (const pair of node.items) {
      const key = this.string(pair.key as Node, `a key of ${what}`);
      if (!allowed.has(key)) {
        this.fail(
          pair.key as Node,
          `unknown key "${key}" in ${what}; expected one of: ${[...allowed].join(', ')}`,
        );
      }
      if (found.has(key)) this.fail(pair.key as Node, `key "${key}" appears twice in ${what}`);
      found.set(key, { key: pair.key as Node, value: pair.value as Node });
    }
    return found;
  }
}

function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return ', found nothing';
  if (isMap(node)) return ', found a mapping';
  if (isSeq(node)) return ', found a list';
  if (isScalar(node)) return `, found ${JSON.stringify(node.value)}`;
  return '';
}

/**
 * Parses a plan file. Throws `OrgshiftError('plan_invalid')` carrying every problem found,
 * each located at FILE:LINE:COL.
 */
export function parsePlan(source: string, file: string): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const reader = new Reader(file, lines);
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const pos = lines.linePos(error.pos[0]);
      return {
        message: `YAML: ${error.message.split('\n')[0]}`,
        location: { file, line: pos.line, col: pos.col },
      };
    });
    throw new OrgshiftError('plan_invalid', `${file}: not valid YAML`, problems);
  }
  let plan: Plan | undefined;
  try {
    plan = readPlan(reader, doc.contents as Node | null);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  if (reader.problems.length > 0 || plan === undefined) {
    throw new OrgshiftError(
      'plan_invalid',
      `${file}: the plan has ${reader.problems.length} problem(s)`,
      reader.problems,
    );
  }
  return plan;
}

function readPlan(reader: Reader, root: Node | null): Plan {
  if (root === null) reader.fail(root, 'the plan file is empty');
  const top = reader.map(root, 'the plan');
  const keys = reader.entries(top, 'the plan', PLAN_KEYS);
  const need = (key: string) => {
    const entry = keys.get(key);
    if (!entry) reader.fail(top, `the plan needs "${key}:"`);
    return entry;
  };
  const id = reader.string(need('plan').value, 'plan');
  const title = reader.string(need('title').value, 'title');
  const effectiveNode = need('effective').value;
  const effectiveText = isScalar(effectiveNode) ? String(effectiveNode.value) : '';
  const effective = parseDay(effectiveText);
  if (effective === null) {
    reader.fail(
      effectiveNode,
      `effective must be a calendar day written YYYY-MM-DD${describe(effectiveNode)}`,
    );
  }
  const announcedNode = keys.get('announced_by')?.value;
  const announcedBy = announcedNode ? reader.string(announcedNode, 'announced_by') : null;
  const snapshotNode = keys.get('snapshot')?.value;
  const snapshot = snapshotNode ? reader.boolean(snapshotNode, 'snapshot') : false;
  const planInferred = keys.has('inferred') ? reader.boolean(keys.get('inferred')!.value, 'inferred') : false;
  const sources: PlanSource[] = [];
  const sourcesNode = keys.get('sources')?.value;
  if (sourcesNode) {
    if (!isSeq(sourcesNode)) reader.fail(sourcesNode, `sources must be a list${describe(sourcesNode)}`);
    for (const [i, item] of (sourcesNode.items as Node[]).entries()) {
      const entries = reader.entries(reader.map(item, `sources[${i}]`), `sources[${i}]`, SOURCE_KEYS);
      const src: PlanSource = {};
      for (const [key, { value }] of entries) {
        if (key === 'inferred') src.inferred = reader.boolean(value, `sources[${i}].inferred`);
        else src[key as 'url' | 'title' | 'quote' | 'note'] = reader.string(value, `sources[${i}].${key}`);
      }
      sources.push(src);
    }
  }
  const changesNode = need('changes').value;
  if (!isSeq(changesNode))
    reader.fail(changesNode, `changes must be a list of operations${describe(changesNode)}`);
  const changes: Operation[] = [];
  for (const [index, item] of (changesNode.items as Node[]).entries()) {
    try {
      changes.push(readOperation(reader, item, index, planInferred));
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    } finally {
      reader.operation = undefined;
    }
  }
  return {
    id,
    title,
    effective: effective!,
    announcedBy,
    sources,
    file: reader.file,
    location: reader.at(top),
    changes,
    ...(snapshot ? { snapshot } : {}),
  };
}

function readOperation(reader: Reader, node: Node, index: number, planInferred: boolean): Operation {
  const map = reader.map(node, `changes[${index}]`);
  const kinds = Object.keys(OPERATION_KEYS);
  const opPairs = map.items.filter((pair) => isScalar(pair.key) && kinds.includes(String(pair.key.value)));
  if (opPairs.length !== 1) {
    const keys = map.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : '?'));
    reader.fail(
      map,
      opPairs.length === 0
        ? `changes[${index}] has no operation (found ${keys.join(', ') || 'nothing'}); expected one of: ${kinds.join(', ')}`
        : `changes[${index}] has more than one operation: ${opPairs.map((p) => String((p.key as { value: unknown }).value)).join(', ')}`,
    );
  }
  const opPair = opPairs[0]!;
  const kind = String((opPair.key as { value: unknown }).value) as OperationKind;
  reader.operation = `${kind} (changes[${index}])`;
  const spec = { ...OPERATION_KEYS[kind], ...COMMON };
  const body = reader.map(opPair.value as Node, kind);
  const entries = reader.entries(body, kind, new Set(Object.keys(spec)));
  // quote: and inferred: may also sit beside the operation key.
  for (const pair of map.items) {
    if (pair === opPair) continue;
    const key = reader.string(pair.key as Node, 'a key');
    if (!(key in COMMON))
      reader.fail(
        pair.key as Node,
        `unknown key "${key}" beside ${kind}; only quote and inferred may go here`,
      );
    if (entries.has(key)) reader.fail(pair.key as Node, `${key} is given twice for this operation`);
    entries.set(key, { key: pair.key as Node, value: pair.value as Node });
  }
  for (const [key, field] of Object.entries(spec)) {
    if (field.required && !entries.has(key)) reader.fail(body, `${kind} needs "${key}:"`);
  }
  const keyLocations: Record<string, SourceLocation> = {};
  const values: Record<string, unknown> = {};
  for (const [key, { value }] of entries) {
    keyLocations[key] = reader.at(value);
    const field = spec[key]!;
    switch (field.type) {
      case 'string':
        values[key] = reader.string(value, key);
        break;
      case 'maybeString':
        // Empty ("" or null) is a value here: it clears.
        if (isScalar(value) && (value.value === null || value.value === '')) values[key] = '';
        else values[key] = reader.string(value, key);
        break;
      case 'boolean':
        values[key] = reader.boolean(value, key);
        break;
      case 'strings':
      case 'maybeStrings': {
        if (field.type === 'maybeStrings' && isSeq(value) && value.items.length === 0) {
          values[key] = [];
          break;
        }
        const { values: list, nodes } = reader.strings(value, key);
        nodes.forEach((n, i) => {
          keyLocations[`${key}[${i}]`] = reader.at(n);
        });
        values[key] = list;
        break;
      }
      case 'reportKind': {
        const text = reader.string(value, key);
        if (!['solid', 'dotted', 'none'].includes(text))
          reader.fail(value, `kind must be solid, dotted or none, found "${text}"`);
        values[key] = text;
        break;
      }
      case 'succession': {
        const text = reader.string(value, key);
        if (!isSupersedeKind(text))
          reader.fail(value, `as must be merge, split, replace or rename, found "${text}"`);
        values[key] = text;
        break;
      }
      case 'units':
      case 'unitOrUnits':
        if (field.type === 'unitOrUnits' && isScalar(value)) values[key] = reader.string(value, key);
        else values[key] = readNewUnits(reader, value, key, keyLocations);
        break;
    }
  }
  const base = {
    index,
    location: reader.at(map),
    keyLocations,
    inferred: (values.inferred as boolean | undefined) ?? planInferred,
    ...(values.quote !== undefined ? { quote: values.quote as string } : {}),
  };
  const v = values as unknown as OperationValues;
  switch (kind) {
    case 'create':
      return {
        ...base,
        kind,
        unit: v.unit,
        type: v.type,
        parent: v.parent ?? null,
        aliases: v.aliases ?? [],
        ...(v.head ? { head: v.head } : {}),
        ...optional(v, 'id'),
      };
    case 'rename':
      if ((v.unit === undefined) === (v.person === undefined))
        reader.fail(body, 'rename needs exactly one of "unit:" or "person:"');
      return v.unit !== undefined
        ? { ...base, kind, unit: v.unit, to: v.to }
        : { ...base, kind, person: v.person, to: v.to };
    case 'move':
      return { ...base, kind, unit: v.unit, to: v.to };
    case 'update': {
      if (v.type === undefined && v.status === undefined && v.also_under === undefined)
        reader.fail(body, 'update needs at least one of "type:", "status:" or "also_under:"');
      const op: Operation = { ...base, kind, unit: v.unit };
      if (v.type !== undefined) op.type = v.type;
      // An empty status clears it.
      if (v.status !== undefined) op.status = v.status === '' ? null : (v.status as string);
      if (v.also_under !== undefined) op.alsoUnder = v.also_under as string[];
      return op;
    }
    case 'supersede':
      return { ...base, kind, unit: v.unit, by: v.by as string[], as: v.as as SupersedeKind };
    case 'merge':
      return { ...base, kind, units: v.units, into: v.into, ...optional(v, 'parent', 'rest') };
    case 'split':
      return { ...base, kind, unit: v.unit, into: v.into, ...optional(v, 'parent', 'rest') };
    case 'dissolve': {
      const as = v.as as SupersedeKind | undefined;
      if (as !== undefined && (v.successors === undefined || (v.successors as string[]).length === 0))
        reader.fail(entries.get('as')!.value, 'as says how successors took over: give "successors:" too');
      return {
        ...base,
        kind,
        unit: v.unit,
        ...optional(v, 'rest'),
        ...(v.successors !== undefined ? { successors: v.successors as string[] } : {}),
        ...(as !== undefined ? { as } : {}),
      };
    }
    case 'transfer':
      if ((v.business === undefined) === (v.person === undefined)) {
        reader.fail(body, 'transfer needs exactly one of "business:" or "person:"');
      }
      return { ...base, kind, to: v.to, ...optional(v, 'business', 'person') };
    case 'appoint':
      return {
        ...base,
        kind,
        person: v.person,
        unit: v.unit,
        post: v.post ?? 'head',
        concurrent: v.concurrent ?? false,
      };
    case 'vacate':
      return { ...base, kind, unit: v.unit, post: v.post ?? 'head' };
    case 'promote': {
      if (v.level === undefined && v.title === undefined)
        reader.fail(body, 'promote needs at least one of "level:" or "title:"');
      const op: Operation = { ...base, kind, person: v.person };
      // An empty level or title clears it.
      if (v.level !== undefined) op.level = v.level === '' ? null : (v.level as string);
      if (v.title !== undefined) op.title = v.title === '' ? null : (v.title as string);
      return op;
    }
    case 'hire':
      return {
        ...base,
        kind,
        person: v.person,
        unit: v.unit,
        aliases: v.aliases ?? [],
        unnamed: v.unnamed ?? false,
        ...optional(v, 'level', 'title', 'id'),
      };
    case 'leave':
      return { ...base, kind, person: v.person };
    case 'report':
      if (v.kind !== 'none' && v.to === undefined) reader.fail(body, `a ${v.kind} line needs "to:"`);
      return { ...base, kind, person: v.person, to: v.to ?? null, reportKind: v.kind };
    case 'launch':
      return { ...base, kind, business: v.business, unit: v.unit, aliases: v.aliases ?? [] };
    case 'retire':
      return { ...base, kind, business: v.business };
    case 'alias': {
      const targets = ['unit', 'person', 'business'].filter((k) => v[k] !== undefined);
      if (targets.length !== 1)
        reader.fail(body, 'alias needs exactly one of "unit:", "person:" or "business:"');
      return { ...base, kind, add: v.add, ...optional(v, 'unit', 'person', 'business') };
    }
  }
}

/** The values read for an operation; the required ones were checked to be present above. */
interface OperationValues {
  [key: string]: unknown;
  unit: string;
  units: string[];
  type: string;
  parent?: string;
  aliases?: string[];
  head?: string;
  to: string;
  into: string & NewUnitSpec[];
  person: string;
  post?: string;
  concurrent?: boolean;
  level: string;
  title?: string;
  unnamed?: boolean;
  kind: 'solid' | 'dotted' | 'none';
  business: string;
  add: string[];
}

function optional(values: object, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = (values as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value as string;
  }
  return out;
}

function readNewUnits(
  reader: Reader,
  node: Node,
  key: string,
  locations: Record<string, SourceLocation>,
): NewUnitSpec[] {
  if (!isSeq(node))
    reader.fail(node, `${key} must be a list of new units ({name, type, head?, takes?})${describe(node)}`);
  const items = node.items as Node[];
  if (items.length === 0) reader.fail(node, `${key} is an empty list`);
  return items.map((item, i) => {
    const where = `${key}[${i}]`;
    const entries = reader.entries(reader.map(item, where), where, NEW_UNIT_KEYS);
    for (const required of ['name', 'type']) {
      if (!entries.has(required)) reader.fail(item, `${where} needs "${required}:"`);
    }
    const spec: NewUnitSpec = {
      name: reader.string(entries.get('name')!.value, `${where}.name`),
      type: reader.string(entries.get('type')!.value, `${where}.type`),
    };
    locations[`${where}.name`] = reader.at(entries.get('name')!.value);
    locations[`${where}.type`] = reader.at(entries.get('type')!.value);
    const head = entries.get('head');
    if (head) {
      spec.head = reader.string(head.value, `${where}.head`);
      locations[`${where}.head`] = reader.at(head.value);
    }
    const aliases = entries.get('aliases');
    if (aliases) spec.aliases = reader.strings(aliases.value, `${where}.aliases`).values;
    const takes = entries.get('takes');
    if (takes) {
      const { values, nodes } = reader.strings(takes.value, `${where}.takes`);
      spec.takes = values;
      nodes.forEach((n, j) => {
        locations[`${where}.takes[${j}]`] = reader.at(n);
      });
    }
    return spec;
  });
}
