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

const FILTER_REFUSED = 'filter: ';

/** Whether the error is `parseScimFilter`'s refusal of a filter (SCIM's `invalidFilter`). */
export function isInvalidFilter(error: OrgshiftError): boolean {
  return error.message.startsWith(FILTER_REFUSED);
}

/** `attribute eq "value"`, the one filter form supported (RFC 7644 §3.4.2.2). */
export function parseScimFilter(filter: string): { attribute: string; value: string } {
  const match = /^\s*([A-Za-z][\w.:]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match)
    throw new OrgshiftError(
      'invalid_input',
      `${FILTER_REFUSED}only 'attribute eq "value"' is supported, found ${JSON.stringify(filter)}`,
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

const valueIndexes = new WeakMap<Snapshot, Map<ScimKind, Map<string, Map<string, string[]>>>>();

/**
 * The ids of `kind` by the value of one attribute in lower case, in id order: made once per snapshot
 * and attribute when first filtered on (one read of every resource's value), so that a SCIM client
 * looking users up one by one (`userName eq "…"`) finds each at once.
 */
function valueIndex(snap: Snapshot, kind: ScimKind, key: string, read: ScimAttribute): Map<string, string[]> {
  let bySnapshot = valueIndexes.get(snap);
  if (!bySnapshot) {
    bySnapshot = new Map();
    valueIndexes.set(snap, bySnapshot);
  }
  let byKey = bySnapshot.get(kind);
  if (!byKey) {
    byKey = new Map();
    bySnapshot.set(kind, byKey);
  }
  let index = byKey.get(key);
  if (!index) {
    index = new Map();
    for (const id of kind.ids(snap)) {
      const value = read(snap, id)?.toLowerCase();
      if (value === undefined) continue;
      const ids = index.get(value);
      if (ids) ids.push(id);
      else index.set(value, [id]);
    }
    byKey.set(key, index);
  }
  return index;
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
    else selected = valueIndex(snap, kind, key, read).get(value.toLowerCase()) ?? [];
  }
  const startIndex = Math.max(1, options.startIndex ?? 1);
  // A larger count gets fewer (RFC 7644 §3.4.2.4), as ServiceProviderConfig's filter.maxResults says.
  const count = Math.min(SCIM_MAX_RESULTS, Math.max(0, options.count ?? 100));
  const page = selected.slice(startIndex - 1, startIndex - 1 + count).map((id) => kind.make(snap, id));
  return {
    schemas: [LIST],
    totalResults: selected.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page,
  };
}

/** The most resources one list response holds (`count` asks for fewer or as many). */
export const SCIM_MAX_RESULTS = 1000;

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * A SCIM error response (RFC 7644 §3.12). `scimType` `invalidFilter` for a filter Orgshift does not
 * take; the status as a string, as the RFC writes it.
 */
export function scimError(status: number, detail: string, scimType?: string) {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** What Orgshift's SCIM service does (RFC 7643 §5): reads, `eq` filters and paging, with a bearer token. */
export function scimServiceProviderConfig() {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: false },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'An Orgshift API token (bin/orgshift token create NAME), sent as Authorization: Bearer TOKEN',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: '/scim/v2/ServiceProviderConfig' },
  };
}

/** The resource types served (RFC 7643 §6): Users with the enterprise extension, and Groups. */
export function scimResourceTypes(): ScimResource[] {
  const type = (id: string, endpoint: string, schema: string, extensions: string[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id,
    name: id,
    endpoint,
    schema,
    ...(extensions.length > 0
      ? { schemaExtensions: extensions.map((s) => ({ schema: s, required: false })) }
      : {}),
    meta: { resourceType: 'ResourceType', location: `/scim/v2/ResourceTypes/${id}` },
  });
  return [type('User', '/Users', USER, [ENTERPRISE]), type('Group', '/Groups', GROUP, [])];
}

interface SchemaAttribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly';
  returned: 'default';
  uniqueness: 'none' | 'server';
  subAttributes?: SchemaAttribute[];
}

function attribute(name: string, description: string, more: Partial<SchemaAttribute> = {}): SchemaAttribute {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readOnly',
    returned: 'default',
    uniqueness: 'none',
    ...more,
  };
}

/** The attributes of the resources served, as RFC 7643 §7 describes a schema: each one Orgshift writes. */
export function scimSchemas(): ScimResource[] {
  const schema = (id: string, name: string, description: string, attributes: SchemaAttribute[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `/scim/v2/Schemas/${id}` },
  });
  return [
    schema(USER, 'User', 'A person in the organization on the day asked for', [
      attribute('userName', "The person's Orgshift id", { required: true, uniqueness: 'server' }),
      attribute('displayName', "The person's name"),
      attribute('name', "The person's name", {
        type: 'complex',
        subAttributes: [attribute('formatted', 'The full name')],
      }),
      attribute('title', "The person's title"),
      attribute('active', 'Always true: a person who has left is not listed', { type: 'boolean' }),
    ]),
    schema(ENTERPRISE, 'EnterpriseUser', "A person's place in the organization", [
      attribute('department', "The name of the person's unit"),
      attribute('manager', "The person's manager (derived from heads and reporting lines)", {
        type: 'complex',
        subAttributes: [
          attribute('value', "The manager's id", { caseExact: true }),
          attribute('displayName', "The manager's name"),
        ],
      }),
    ]),
    schema(GROUP, 'Group', 'A unit of the organization on the day asked for', [
      attribute('displayName', "The unit's name", { required: true }),
      attribute('members', "The unit's people", {
        type: 'complex',
        multiValued: true,
        subAttributes: [
          attribute('value', "The member's id", { caseExact: true }),
          attribute('display', "The member's name"),
          attribute('type', 'Always User'),
        ],
      }),
    ]),
  ];
}

/** A list of discovery resources as a ListResponse (RFC 7644 §4). */
export function scimListOf(resources: ScimResource[]) {
  return {
    schemas: [LIST],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
