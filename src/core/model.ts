import type { SourceLocation } from './errors.ts';
import type { Day } from './time.ts';

/** Where a fact came from: the plan that made it, and whether it rests on knowledge outside the plan's sources. */
/** How far a long piece of work has got: `done` of `total` (operations, rows), in its current stage. */
export type Progress = (stage: string, done: number, total: number) => void;

export interface Provenance {
  plan: string;
  inferred: boolean;
  quote?: string;
}

/** A fact true over the half-open interval [from, to); `to` null means still true. */
export interface Versioned {
  from: Day;
  to: Day | null;
  prov: Provenance;
}

export interface UnitVersion extends Versioned {
  name: string;
  type: string;
  parent: string | null;
  /** A free-text status such as "live", "closed" or "joining"; absent when none was given. */
  status?: string;
  /** Units this one is also under, besides `parent` (a unit with several parents); absent when none. */
  alsoUnder?: string[];
}

export interface UnitRecord {
  id: string;
  aliases: string[];
  versions: UnitVersion[];
}

export interface PersonVersion extends Versioned {
  name: string;
  level: string | null;
  title: string | null;
  /** The person's primary unit. */
  unit: string;
}

export interface PersonRecord {
  id: string;
  aliases: string[];
  /** The reports name the post but not its holder: the record's name describes the seat, not a person. */
  unnamed: boolean;
  versions: PersonVersion[];
}

export const HEAD_POST = 'head';

/** A post in a unit over time. `holder` null is a vacancy that was declared (a named post nobody holds). */
export interface PostVersion extends Versioned {
  unit: string;
  post: string;
  holder: string | null;
  concurrent: boolean;
}

export type ReportKind = 'solid' | 'dotted';

export interface ReportLineVersion extends Versioned {
  person: string;
  manager: string;
  kind: ReportKind;
}

export interface BusinessVersion extends Versioned {
  name: string;
  unit: string;
}

export interface BusinessRecord {
  id: string;
  aliases: string[];
  versions: BusinessVersion[];
}

export type LineageKind =
  | 'create'
  | 'rename'
  | 'move'
  | 'merge'
  | 'split'
  | 'dissolve'
  | 'replace'
  /** A unit's type, status or further parents changed (`update`). */
  | 'update';

/** Whether an event links units to their successors: a merge, split or replacement, or a rename into another unit. */
export function isSuccession(e: LineageEvent): boolean {
  return (
    e.kind === 'merge' ||
    e.kind === 'split' ||
    e.kind === 'replace' ||
    (e.kind === 'rename' && e.to[0] !== e.unit)
  );
}

/** How a unit was succeeded by others (`supersede`, a dissolve's `as`, an import's lineage `kind`). */
const SUPERSEDE_KINDS = ['merge', 'split', 'replace', 'rename'] as const;
export type SupersedeKind = (typeof SUPERSEDE_KINDS)[number];

export function isSupersedeKind(text: string): text is SupersedeKind {
  return (SUPERSEDE_KINDS as readonly string[]).includes(text);
}

/**
 * What a structural operation did to units (a W3C ORG ChangeEvent). For merge, split and
 * dissolve `from` went in and `to` came out; for rename both are the unit itself; for move
 * `from`/`to` are the old and new parents and `unit` is the unit moved. A `supersede` records
 * its kind (merge, split, replace, rename) with `unit` the unit succeeded, `from` = [unit] and
 * `to` its successors; the unit itself stays. For update both are the unit itself.
 */
export interface LineageEvent {
  date: Day;
  kind: LineageKind;
  unit: string | null;
  from: string[];
  to: string[];
  /** Names at the event, so the event reads correctly after later renames. */
  fromNames: string[];
  toNames: string[];
  prov: Provenance;
}

export interface PlanSource {
  url?: string;
  title?: string;
  quote?: string;
  note?: string;
  inferred?: boolean;
}

export interface PlanSummary {
  id: string;
  title: string;
  effective: Day;
  announcedBy: string | null;
  sources: PlanSource[];
  file: string;
  /** Order in which plans were applied; ties on `effective` replay in this order. */
  seq: number;
}

/** Everything known about one organization, over valid time. */
export interface History {
  units: Map<string, UnitRecord>;
  people: Map<string, PersonRecord>;
  businesses: Map<string, BusinessRecord>;
  posts: PostVersion[];
  lines: ReportLineVersion[];
  events: LineageEvent[];
  plans: PlanSummary[];
}

export function emptyHistory(): History {
  return {
    units: new Map(),
    people: new Map(),
    businesses: new Map(),
    posts: [],
    lines: [],
    events: [],
    plans: [],
  };
}

/**
 * An organization's facts made anew each time they are walked, for its first commit: an import made
 * straight from its files (`formats/hris-direct.ts`) never holds its millions of records at once. Its
 * records have no aliases, are named and have at least one version (none needs a row of its own).
 */
export interface FactStream {
  units(): Iterable<UnitRecord>;
  people(): Iterable<PersonRecord>;
  posts(): Iterable<PostVersion>;
  lines(): Iterable<ReportLineVersion>;
  events(): Iterable<LineageEvent>;
  /**
   * How many versions of units and of people, posts, lines and events a walk gives; until what it is
   * made from has been read through (during the first walk), at most how many (never 0 when there are any).
   */
  size: { unitVersions: number; personVersions: number; posts: number; lines: number; events: number };
}

/** The facts a commit writes: a history, or (an organization's first) a stream of them. */
export type Facts = History | FactStream;

export function isFactStream(facts: Facts): facts is FactStream {
  return 'size' in facts;
}

/** Compares texts as the facts' order does: by code unit, with "none" after every text. */
function compareText(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? '\uffff';
  const y = b ?? '\uffff';
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareProv(a: Provenance, b: Provenance): number {
  return (
    compareText(a.plan, b.plan) ||
    compareText(a.inferred ? '1' : '0', b.inferred ? '1' : '0') ||
    compareText(a.quote, b.quote)
  );
}

/**
 * The order of posts in a history read from the store (and kept so): by start, unit and post, then
 * every other field, so that the order never depends on how the facts came about.
 */
export function postOrder(a: PostVersion, b: PostVersion): number {
  return (
    compareText(a.from, b.from) ||
    compareText(a.unit, b.unit) ||
    compareText(a.post, b.post) ||
    compareText(a.holder, b.holder) ||
    compareText(a.concurrent ? '1' : '0', b.concurrent ? '1' : '0') ||
    compareText(a.to, b.to) ||
    compareProv(a.prov, b.prov)
  );
}

/** The order of reporting lines, as `postOrder`: by start and person, then every other field. */
export function lineOrder(a: ReportLineVersion, b: ReportLineVersion): number {
  return (
    compareText(a.from, b.from) ||
    compareText(a.person, b.person) ||
    compareText(a.manager, b.manager) ||
    compareText(a.kind, b.kind) ||
    compareText(a.to, b.to) ||
    compareProv(a.prov, b.prov)
  );
}

/** Every day on which some fact of the history begins or ends, in order. */
export function changeDays(history: History): Day[] {
  const days = new Set<Day>();
  const add = (versions: Array<{ from: Day; to: Day | null }>) => {
    for (const v of versions) {
      days.add(v.from);
      if (v.to !== null) days.add(v.to);
    }
  };
  for (const r of history.units.values()) add(r.versions);
  for (const r of history.people.values()) add(r.versions);
  for (const r of history.businesses.values()) add(r.versions);
  add(history.posts);
  add(history.lines);
  for (const e of history.events) days.add(e.date);
  return [...days].sort();
}

export interface NewUnitSpec {
  name: string;
  type: string;
  head?: string;
  aliases?: string[];
  /** Child units, people and businesses of the source units that this new unit takes. */
  takes?: string[];
}

interface OperationBase {
  /** Position of the operation in the plan's `changes` list, from 0. */
  index: number;
  location: SourceLocation;
  /** Locations of the operation's keys (`unit`, `units[1]`, `into[0].head` ...), for precise errors. */
  keyLocations: Record<string, SourceLocation>;
  quote?: string;
  inferred: boolean;
}

export type Operation = OperationBase &
  (
    | {
        kind: 'create';
        unit: string;
        type: string;
        parent: string | null;
        aliases: string[];
        head?: string;
        /** An id chosen by the source (an HR system's unit id); default: made from the name. */
        id?: string;
      }
    /** Exactly one of `unit` and `person`. */
    | { kind: 'rename'; unit?: string; person?: string; to: string }
    | {
        kind: 'update';
        unit: string;
        type?: string;
        /** null clears the status. */
        status?: string | null;
        /** The units it is also under, replacing the list (empty: only its parent). */
        alsoUnder?: string[];
      }
    | { kind: 'supersede'; unit: string; by: string[]; as: SupersedeKind }
    | { kind: 'move'; unit: string; to: string }
    | { kind: 'merge'; units: string[]; into: string | NewUnitSpec[]; parent?: string; rest?: string }
    | { kind: 'split'; unit: string; into: NewUnitSpec[]; parent?: string; rest?: string }
    | {
        kind: 'dissolve';
        unit: string;
        rest?: string;
        /** Existing units that succeed this one: recorded as a merge (one) or a split (several); `rest` defaults to the first. */
        successors?: string[];
        /** How the successors took over, when not the merge or split their number says (an import's lineage `kind`). */
        as?: SupersedeKind;
      }
    | { kind: 'transfer'; business?: string; person?: string; to: string }
    | { kind: 'appoint'; person: string; unit: string; post: string; concurrent: boolean }
    | { kind: 'vacate'; unit: string; post: string }
    /** At least one of `level` and `title`; null clears it. */
    | { kind: 'promote'; person: string; level?: string | null; title?: string | null }
    | {
        kind: 'hire';
        person: string;
        unit: string;
        level?: string;
        title?: string;
        aliases: string[];
        unnamed: boolean;
        id?: string;
      }
    | { kind: 'leave'; person: string }
    | { kind: 'report'; person: string; to: string | null; reportKind: ReportKind | 'none' }
    | { kind: 'launch'; business: string; unit: string; aliases: string[] }
    | { kind: 'retire'; business: string }
    | { kind: 'alias'; unit?: string; person?: string; business?: string; add: string[] }
  );

export type OperationKind = Operation['kind'];

export interface Plan {
  id: string;
  title: string;
  effective: Day;
  announcedBy: string | null;
  sources: PlanSource[];
  /** The file name the plan was read from, used in every error location. */
  file: string;
  location: SourceLocation;
  changes: Operation[];
  /**
   * The changes together describe the end of one day (an import): their order carries no meaning,
   * so sibling names need only differ once all of them are applied (a unit ended that day may pass
   * its name to one created that day).
   */
  snapshot?: boolean;
}
