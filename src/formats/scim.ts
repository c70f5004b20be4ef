import { OrgshiftError } from '../core/errors.ts';
import type { Snapshot } from '../core/snapshot.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export type ScimResource = Record<string, unknown> & { id: string; schemas: string[] };

export function scimUser(snap: Snapshot, id: string): ScimResource {
  const person = snap.people.get(id)!;
  const manager = snap.managerOf(id);
  return {
    schemas: [USER, ENTERPRISE],
    id,
    userName: id,
    displayName: person.name,
    name: { formatted: person.name },
    ...(person.title ? { title: person.title } : {}),
    active: true,
    [ENTERPRISE]: {
      department: snap.unitName(person.unit),
      ...(manager !== null ? { manager: { value: manager, displayName: snap.personName(manager) } } : {}),
    },
    meta: { resourceType: 'User' },
  };
}

export function scimGroup(snap: Snapshot, id: string): ScimResource {
  const unit = snap.units.get(id)!;
  return {
    schemas: [GROUP],
    id,
    displayName: unit.name,
    members: unit.members.map((m) => ({ value: m, display: snap.personName(m), type: 'User' })),
    meta: { resourceType: 'Group' },
  };
}

/** `attribute eq "value"`, the one filter form supported (RFC 7644 §3.4.2.2). */
export function parseScimFilter(filter: string): { attribute: string; value: string } {
  const match = /^\s*([A-Za-z][\w.:]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match)
    throw new OrgshiftError(
      'invalid_input',
      `filter: only 'attribute eq "value"' is supported, found ${JSON.stringify(filter)}`,
    );
  return { attribute: match[1]!, value: match[2]!.replace(/\\(.)/g, '$1') };
}

/** An attribute's value on the resource of this id, read without making the resource. */
type ScimAttribute = (snap: Snapshot, id: string) => string | undefined;

/** A SCIM resource type read from a snapshot. */
export interface ScimKind {
  /** Every resource's id, sorted: kept per snapshot, as a client pages through the same list. */
  ids(snap: Snapshot): readonly string[];
  has(snap: Snapshot, id: string): boolean;
  make(snap: Snapshot, id: string): ScimResource;
  /** The core schema's URN: an attribute may be named with it in front (`URN:userName`, RFC 7644 §3.10). */
  schema: string;
  /**
   * Every attribute of the resource whose value is a string, by its path in lower case (the enterprise
   * extension's under its URN, `URN.department`): a filter reads this one value of each resource
   * instead of making every resource. A filter on another attribute matches nothing.
   */
  attributes: Readonly<Record<string, ScimAttribute>>;
}

function sortedIds(keys: (snap: Snapshot) => Iterable<string>): (snap: Snapshot) => readonly string[] {
  const kept = new WeakMap<Snapshot, readonly string[]>();
  return (snap) => {
    let ids = kept.get(snap);
    if (!ids) {
      ids = [...keys(snap)].sort();
      kept.set(snap, ids);
    }
    return ids;
  };
}

const ENTERPRISE_KEY = ENTERPRISE.toLowerCase();

export const SCIM_USERS: ScimKind = {
  ids: sortedIds((snap) => snap.people.keys()),
  has: (snap, id) => snap.people.has(id),
  make: scimUser,
  schema: USER,
  attributes: {
    id: (_, id) => id,
    username: (_, id) => id,
    displayname: (snap, id) => snap.people.get(id)?.name,
    'name.formatted': (snap, id) => snap.people.get(id)?.name,
    title: (snap, id) => snap.people.get(id)?.title || undefined,
    'meta.resourcetype': () => 'User',
    [`${ENTERPRISE_KEY}.department`]: (snap, id) => snap.unitName(snap.people.get(id)!.unit),
    [`${ENTERPRISE_KEY}.manager.value`]: (snap, id) => snap.managerOf(id) ?? undefined,
    [`${ENTERPRISE_KEY}.manager.displayname`]: (snap, id) => {
      const manager = snap.managerOf(id);
      return manager === null ? undefined : snap.personName(manager);
    },
  },
};

export const SCIM_GROUPS: ScimKind = {
  ids: sortedIds((snap) => snap.units.keys()),
  has: (snap, id) => snap.units.has(id),
  make: scimGroup,
  schema: GROUP,
  attributes: {
    id: (_, id) => id,
    displayname: (snap, id) => snap.units.get(id)?.name,
    'meta.resourcetype': () => 'Group',
  },
};

/**
 * The attribute's path as `attributes` keys it: lower case, with the core schema's URN taken off and
 * an extension's URN joined to its attribute by a dot (`URN:manager.value` and `URN.manager.value` alike).
 */
function attributeKey(kind: ScimKind, attribute: string): string {
  const lower = attribute.toLowerCase();
  const core = `${kind.schema.toLowerCase()}:`;
  if (lower.startsWith(core)) return lower.slice(core.length);
  if (lower.startsWith(`${ENTERPRISE_KEY}:`))
    return `${ENTERPRISE_KEY}.${lower.slice(ENTERPRISE_KEY.length + 1)}`;
  return lower;
}

/**
 * A SCIM ListResponse of `kind` on the snapshot: filtered, then paged with 1-based `startIndex` and
 * `count`. Only the page's resources are made; a filter reads one attribute of each resource.
 */
export function scimList(
  snap: Snapshot,
  kind: ScimKind,
  options: { filter?: string; startIndex?: number; count?: number },
) {
  let selected = kind.ids(snap);
  if (options.filter !== undefined && options.filter !== '') {
    const { attribute, value } = parseScimFilter(options.filter);
    const key = attributeKey(kind, attribute);
    const read = kind.attributes[key];
    // `id` is compared exactly (RFC 7643 §3.1: caseExact); every other string ignoring case.
    if (key === 'id') selected = kind.has(snap, value) ? [value] : [];
    else if (read === undefined) selected = [];
    else {
      const wanted = value.toLowerCase();
      selected = selected.filter((id) => read(snap, id)?.toLowerCase() === wanted);
    }
  }
  const startIndex = Math.max(1, options.startIndex ?? 1);
  const count = Math.max(0, options.count ?? 100);
  const page = selected.slice(startIndex - 1, startIndex - 1 + count).map((id) => kind.make(snap, id));
  return {
    schemas: [LIST],
    totalResults: selected.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page,
  };
}
