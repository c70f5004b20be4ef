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

function attributeValue(resource: ScimResource, attribute: string): unknown {
  let value: unknown = resource;
  for (const part of attribute.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    const entry = Object.entries(value as Record<string, unknown>).find(
      ([k]) => k.toLowerCase() === part.toLowerCase(),
    );
    value = entry?.[1];
  }
  return value;
}

/** A SCIM resource type read from a snapshot. */
export interface ScimKind {
  /** Every resource's id, sorted: kept per snapshot, as a client pages through the same list. */
  ids(snap: Snapshot): readonly string[];
  has(snap: Snapshot, id: string): boolean;
  make(snap: Snapshot, id: string): ScimResource;
  /**
   * The attributes (lower case) whose value is the resource's id, and whether they are compared
   * ignoring case: a filter on one of them is answered from the ids, without making every resource.
   */
  idAttributes: Readonly<Record<string, boolean>>;
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

export const SCIM_USERS: ScimKind = {
  ids: sortedIds((snap) => snap.people.keys()),
  has: (snap, id) => snap.people.has(id),
  make: scimUser,
  idAttributes: { id: false, username: true },
};

export const SCIM_GROUPS: ScimKind = {
  ids: sortedIds((snap) => snap.units.keys()),
  has: (snap, id) => snap.units.has(id),
  make: scimGroup,
  idAttributes: { id: false },
};

/**
 * A SCIM ListResponse of `kind` on the snapshot: filtered, then paged with 1-based `startIndex` and
 * `count`. Only the page's resources are made, unless the filter needs every resource's attribute.
 */
export function scimList(
  snap: Snapshot,
  kind: ScimKind,
  options: { filter?: string; startIndex?: number; count?: number },
) {
  let selected = kind.ids(snap);
  if (options.filter !== undefined && options.filter !== '') {
    const { attribute, value } = parseScimFilter(options.filter);
    const key = attribute.toLowerCase();
    const ignoringCase = kind.idAttributes[key];
    const wanted = value.toLowerCase();
    if (ignoringCase === false) selected = selected.filter((id) => id === value);
    else if (ignoringCase === true) selected = selected.filter((id) => id.toLowerCase() === wanted);
    else
      selected = selected.filter((id) => {
        const found = attributeValue(kind.make(snap, id), attribute);
        return typeof found === 'string' && found.toLowerCase() === wanted;
      });
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
