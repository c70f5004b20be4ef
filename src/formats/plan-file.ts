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
  const written = source.startsWith('plan: "') ? readWrittenPlan(source, file) : null;
  return written ?? parseYamlPlan(source, file);
}

/** `parsePlan` through the YAML parser, whatever the text's form. */
export function parseYamlPlan(source: string, file: string): Plan {
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

/** Thrown by `readWrittenPlan` at anything beyond the form it reads. */
class NotWritten extends Error {}

function notWritten(): never {
  throw new NotWritten();
}

/**
 * A plan text in the form an import writes it (`planSource` in hris-import.ts: the head's values in
 * JSON, then one change a line, `  - {"kind":{...}}`, in JSON without spaces) read without the YAML
 * parser, which took 14 s to read a 100k-change import plan back for a replay. Gives the plan the
 * YAML parser gives, locations included (property-tested); null at anything else — another form, a
 * value out of place, a problem to report — and the YAML parser then reads the text.
 */
export function readWrittenPlan(source: string, file: string): Plan | null {
  try {
    let start = 0;
    let lineNo = 0;
    const nextLine = (): string | null => {
      if (start >= source.length) return null;
      const end = source.indexOf('\n', start);
      if (end < 0) notWritten();
      const line = source.slice(start, end);
      start = end + 1;
      lineNo += 1;
      return line;
    };
    const text = (line: string | null, prefix: string): string => {
      if (line === null || !line.startsWith(prefix)) return notWritten();
      const { value, end } = scanValue(line, prefix.length);
      if (end !== line.length || typeof value !== 'string') return notWritten();
      return nonEmpty(value);
    };
    const id = text(nextLine(), 'plan: ');
    const title = text(nextLine(), 'title: ');
    const effectiveLine = nextLine() ?? notWritten();
    const effective = /^effective: (\d{4}-\d{2}-\d{2})$/.test(effectiveLine)
      ? parseDay(effectiveLine.slice('effective: '.length))
      : null;
    if (effective === null || nextLine() !== 'snapshot: true') return null;
    const changesLine = nextLine();
    if (changesLine !== 'changes:' && changesLine !== 'changes: []') return null;
    const changes: Operation[] = [];
    for (let line = nextLine(); line !== null; line = nextLine()) {
      if (changesLine === 'changes: []' || !line.startsWith('  - {"')) return null;
      const at = (offset: number): SourceLocation => ({ file, line: lineNo, col: offset + 1 });
      changes.push(readWrittenOperation(line, changes.length, at));
    }
    // `changes:` with nothing after it is no list.
    if (changesLine === 'changes:' && changes.length === 0) return null;
    return {
      id,
      title,
      effective,
      announcedBy: null,
      sources: [],
      file,
      location: { file, line: 1, col: 1 },
      changes,
      snapshot: true,
    };
  } catch (error) {
    if (error instanceof NotWritten) return null;
    throw error;
  }
}

/** `  - {"kind":{"key":value,...}}`, each value a JSON string, true, false, null or a list of strings. */
function readWrittenOperation(
  line: string,
  index: number,
  at: (offset: number) => SourceLocation,
): Operation {
  const MAP = 4;
  const kindValue = scanValue(line, MAP + 1);
  const kind = kindValue.value as OperationKind;
  if (typeof kind !== 'string' || !Object.hasOwn(OPERATION_KEYS, kind) || line[kindValue.end] !== ':')
    return notWritten();
  const spec = { ...OPERATION_KEYS[kind], ...COMMON };
  let i = kindValue.end + 1;
  if (line[i] !== '{') return notWritten();
  const values: Record<string, unknown> = {};
  const keyLocations: Record<string, SourceLocation> = {};
  i += 1;
  if (line[i] === '}') return notWritten();
  for (;;) {
    const key = scanValue(line, i);
    if (typeof key.value !== 'string' || line[key.end] !== ':') return notWritten();
    const name = key.value;
    const field = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (field === undefined || Object.hasOwn(values, name)) return notWritten();
    const valueAt = key.end + 1;
    const found = scanValue(line, valueAt);
    keyLocations[name] = at(valueAt);
    values[name] = writtenValue(field.type, found.value, name, keyLocations, found.items, at);
    i = found.end;
    if (line[i] === ',') {
      i += 1;
      continue;
    }
    if (line[i] === '}' && line[i + 1] === '}' && i + 2 === line.length) break;
    return notWritten();
  }
  for (const [key, field] of Object.entries(spec)) {
    if (field.required && !Object.hasOwn(values, key)) return notWritten();
  }
  return operationOf(kind, values, {
    index,
    location: at(MAP),
    keyLocations,
    planInferred: false,
    fail: notWritten,
  });
}

/** A value scanned in a written plan's line, checked as `readOperation` checks its field's type. */
function writtenValue(
  type: FieldType,
  value: unknown,
  key: string,
  keyLocations: Record<string, SourceLocation>,
  items: number[] | undefined,
  at: (offset: number) => SourceLocation,
): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? nonEmpty(value) : notWritten();
    case 'maybeString':
      if (value === null || value === '') return '';
      return typeof value === 'string' ? nonEmpty(value) : notWritten();
    case 'boolean':
      return typeof value === 'boolean' ? value : notWritten();
    case 'strings':
    case 'maybeStrings': {
      if (typeof value === 'string') {
        keyLocations[`${key}[0]`] = keyLocations[key]!;
        return [nonEmpty(value)];
      }
      if (!Array.isArray(value) || items === undefined) return notWritten();
      if (value.length === 0) return type === 'maybeStrings' ? [] : notWritten();
      return value.map((item: unknown, i) => {
        if (typeof item !== 'string') return notWritten();
        keyLocations[`${key}[${i}]`] = at(items[i]!);
        return nonEmpty(item);
      });
    }
    case 'reportKind':
      return value === 'solid' || value === 'dotted' || value === 'none' ? value : notWritten();
    case 'succession':
      return typeof value === 'string' && isSupersedeKind(value) ? value : notWritten();
    case 'unitOrUnits':
      return typeof value === 'string' ? nonEmpty(value) : notWritten();
    case 'units':
      return notWritten();
  }
}

/** A text value as `Reader.string` takes it: trimmed, not empty. */
function nonEmpty(value: string): string {
  const text = value.trim();
  return text === '' ? notWritten() : text;
}

/**
 * The JSON value at `offset` of a line — a string, true, false, null or a list of strings — with
 * where it ends and, for a list, where each item begins.
 */
function scanValue(line: string, offset: number): { value: unknown; end: number; items?: number[] } {
  const c = line[offset];
  if (c === '"') {
    let j = offset + 1;
    for (;;) {
      const d = line.charCodeAt(j);
      if (Number.isNaN(d)) notWritten();
      if (d === 34) break;
      j += d === 92 ? 2 : 1;
    }
    try {
      return { value: JSON.parse(line.slice(offset, j + 1)), end: j + 1 };
    } catch {
      notWritten();
    }
  }
  for (const [word, value] of [
    ['true', true],
    ['false', false],
    ['null', null],
  ] as const) {
    if (line.startsWith(word, offset)) return { value, end: offset + word.length };
  }
  if (c !== '[') notWritten();
  const list: unknown[] = [];
  const items: number[] = [];
  let i = offset + 1;
  if (line[i] === ']') return { value: list, end: i + 1, items };
  for (;;) {
    if (line[i] !== '"') notWritten();
    const item = scanValue(line, i);
    items.push(i);
    list.push(item.value);
    i = item.end;
    if (line[i] === ']') return { value: list, end: i + 1, items };
    if (line[i] !== ',') notWritten();
    i += 1;
  }
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
  return operationOf(kind, values, {
    index,
    location: reader.at(map),
    keyLocations,
    planInferred,
    fail: (key, message) => reader.fail(key === null ? body : entries.get(key)!.value, message),
  });
}

/**
 * An operation of its kind from the values read for it (`values`: by key, each checked against its
 * field's type); `fail` refuses, at the operation's body (`null`) or at a key's value.
 */
function operationOf(
  kind: OperationKind,
  values: Record<string, unknown>,
  at: {
    index: number;
    location: SourceLocation;
    keyLocations: Record<string, SourceLocation>;
    planInferred: boolean;
    fail: (key: string | null, message: string) => never;
  },
): Operation {
  const base = {
    index: at.index,
    location: at.location,
    keyLocations: at.keyLocations,
    inferred: (values.inferred as boolean | undefined) ?? at.planInferred,
    ...(values.quote !== undefined ? { quote: values.quote as string } : {}),
  };
  const fail = (message: string) => at.fail(null, message);
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
        fail('rename needs exactly one of "unit:" or "person:"');
      return v.unit !== undefined
        ? { ...base, kind, unit: v.unit, to: v.to }
        : { ...base, kind, person: v.person, to: v.to };
    case 'move':
      return { ...base, kind, unit: v.unit, to: v.to };
    case 'update': {
      if (v.type === undefined && v.status === undefined && v.also_under === undefined)
        fail('update needs at least one of "type:", "status:" or "also_under:"');
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
        at.fail('as', 'as says how successors took over: give "successors:" too');
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
        fail('transfer needs exactly one of "business:" or "person:"');
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
        fail('promote needs at least one of "level:" or "title:"');
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
      if (v.kind !== 'none' && v.to === undefined) fail(`a ${v.kind} line needs "to:"`);
      return { ...base, kind, person: v.person, to: v.to ?? null, reportKind: v.kind };
    case 'launch':
      return { ...base, kind, business: v.business, unit: v.unit, aliases: v.aliases ?? [] };
    case 'retire':
      return { ...base, kind, business: v.business };
    case 'alias': {
      const targets = ['unit', 'person', 'business'].filter((k) => v[k] !== undefined);
      if (targets.length !== 1) fail('alias needs exactly one of "unit:", "person:" or "business:"');
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
