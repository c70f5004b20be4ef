import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../src/core/snapshot.ts';
import {
  SCIM_GROUPS,
  SCIM_MAX_RESULTS,
  SCIM_USERS,
  type ScimKind,
  type ScimResource,
  scimList,
  scimResourceTypes,
  scimSchemas,
} from '../../src/formats/scim.ts';
import { build, examplePlans } from '../helpers.ts';

const snap = new Snapshot(build(...examplePlans().map((p) => p.source)), '2022-01-07');
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Every string in the resource, by its path of keys (a schema URN is one key, dots and all). */
function stringLeaves(resource: unknown, path: string[] = []): Array<{ path: string[]; value: string }> {
  if (typeof resource === 'string') return [{ path, value: resource }];
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) return [];
  return Object.entries(resource).flatMap(([key, value]) => stringLeaves(value, [...path, key]));
}

/** The list made the slow, obvious way: every resource made, matched on its leaf, then paged. */
function everyResource(
  kind: ScimKind,
  filter: { path: string[]; value: string } | undefined,
  startIndex: number,
  count: number,
) {
  let resources: ScimResource[] = [...kind.ids(snap)].map((id) => kind.make(snap, id));
  if (filter !== undefined) {
    const wanted = filter.path.join('\u0000').toLowerCase();
    const exact = wanted === 'id';
    resources = resources.filter((r) =>
      stringLeaves(r).some(
        (leaf) =>
          leaf.path.join('\u0000').toLowerCase() === wanted &&
          (exact ? leaf.value === filter.value : leaf.value.toLowerCase() === filter.value.toLowerCase()),
      ),
    );
  }
  const page = resources.slice(startIndex - 1, startIndex - 1 + count);
  return { totalResults: resources.length, itemsPerPage: page.length, Resources: page };
}

/** The kind, counting the resources it makes. */
function counted(kind: ScimKind): { kind: ScimKind; made: () => number } {
  let made = 0;
  return {
    kind: {
      ...kind,
      make: (s, id) => {
        made += 1;
        return kind.make(s, id);
      },
    },
    made: () => made,
  };
}

/** Upper-cases some letters, as a client may write a name or a value. */
const recased = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flips) => [...text].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

/**
 * A filter on a string attribute of one of the kind's resources, as `eq` names it: the attribute in any
 * case, a core attribute maybe after its schema's URN and a colon, the enterprise extension's after
 * its URN and a colon or a dot; the value in any case (the id's exactly), or a value no resource has.
 */
function filters(kind: ScimKind) {
  const leaves = [...kind.ids(snap)].flatMap((id) =>
    stringLeaves(kind.make(snap, id)).filter((leaf) => leaf.path[0] !== 'schemas'),
  );
  return fc.constantFrom(...leaves).chain((leaf) => {
    const inside = leaf.path[0] === ENTERPRISE;
    const rest = (inside ? leaf.path.slice(1) : leaf.path).join('.');
    const named = fc
      .tuple(recased(rest), fc.constantFrom('', ':', '.'))
      .map(([name, prefix]) =>
        inside
          ? `${ENTERPRISE}${prefix === '' ? '.' : prefix}${name}`
          : prefix === ':'
            ? `${kind.schema}:${name}`
            : name,
      );
    const value =
      leaf.path.join('.') === 'id'
        ? fc.constantFrom(leaf.value, `${leaf.value}-no-such`)
        : fc.oneof(recased(leaf.value), fc.constant(`${leaf.value} (no such)`));
    return fc.tuple(named, value).map(([attribute, v]) => ({
      text: `${attribute} eq "${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`,
      leaf: { path: leaf.path, value: v },
    }));
  });
}

describe('SCIM lists', () => {
  for (const kind of [SCIM_USERS, SCIM_GROUPS]) {
    it(`of ${kind === SCIM_USERS ? 'users' : 'groups'} give what matching every made resource gave, for a filter on any of their string attributes`, () => {
      let matched = 0;
      fc.assert(
        fc.property(
          fc.option(filters(kind), { nil: undefined }),
          fc.integer({ min: 1, max: 60 }),
          fc.integer({ min: 0, max: 30 }),
          (filter, start, count) => {
            const list = scimList(snap, kind, {
              ...(filter !== undefined ? { filter: filter.text } : {}),
              startIndex: start,
              count,
            });
            expect(list).toMatchObject(everyResource(kind, filter?.leaf, start, count));
            if (filter !== undefined) matched += list.totalResults;
          },
        ),
        { numRuns: 300 },
      );
      expect(matched).toBeGreaterThan(100);
    });
  }

  it('match on the enterprise extension named as RFC 7644 names it, and nothing on an attribute no resource has', () => {
    const alibaba = [...SCIM_USERS.ids(snap)].find((id) => snap.unitName(snap.people.get(id)!.unit) !== '')!;
    const department = snap.unitName(snap.people.get(alibaba)!.unit);
    const byColon = scimList(snap, SCIM_USERS, { filter: `${ENTERPRISE}:department eq "${department}"` });
    expect(byColon.totalResults).toBeGreaterThan(0);
    expect(byColon.Resources.map((r) => r.id)).toContain(alibaba);
    const manager = [...SCIM_USERS.ids(snap)].map((id) => snap.managerOf(id)).find((m) => m !== null)!;
    const reports = scimList(snap, SCIM_USERS, {
      filter: `${ENTERPRISE}:manager.value eq "${manager}"`,
      count: 1000,
    });
    expect(reports.Resources.map((r) => r.id).sort()).toEqual(
      [...SCIM_USERS.ids(snap)].filter((id) => snap.managerOf(id) === manager).sort(),
    );
    expect(scimList(snap, SCIM_USERS, { filter: 'nickName eq "x"' }).totalResults).toBe(0);
    expect(scimList(snap, SCIM_USERS, { filter: 'active eq "true"' }).totalResults).toBe(0);
  });

  it('make only the page, whatever the filter', () => {
    const users = counted(SCIM_USERS);
    const userIds = SCIM_USERS.ids(snap);
    const page = scimList(snap, users.kind, { startIndex: 5, count: 3 });
    expect(page.totalResults).toBe(userIds.length);
    expect(users.made()).toBe(3);
    scimList(snap, users.kind, { filter: 'userName eq "DAI-SHAN"' });
    expect(users.made()).toBe(4);
    const named = scimList(snap, users.kind, { filter: 'displayName eq "dai shan"' });
    expect(named.Resources.map((r) => r.id)).toEqual(['dai-shan']);
    expect(users.made()).toBe(5);
    const groups = counted(SCIM_GROUPS);
    const alimama = scimList(snap, groups.kind, { filter: `displayName eq "${snap.unitName('alimama')}"` });
    expect(alimama.Resources.map((r) => r.id)).toEqual(['alimama']);
    expect(groups.made()).toBe(1);
  });
});

describe('SCIM filters', () => {
  it("read each resource's attribute once per snapshot, then find any value at once", () => {
    let reads = 0;
    const displayName = SCIM_USERS.attributes.displayname!;
    const kind: ScimKind = {
      ...SCIM_USERS,
      attributes: {
        ...SCIM_USERS.attributes,
        displayname: (s, id) => {
          reads += 1;
          return displayName(s, id);
        },
      },
    };
    const users = kind.ids(snap).length;
    expect(scimList(snap, kind, { filter: 'displayName eq "Dai Shan"' }).Resources.map((r) => r.id)).toEqual([
      'dai-shan',
    ]);
    expect(reads).toBe(users);
    expect(scimList(snap, kind, { filter: 'displayName eq "XUANDE"' }).Resources.map((r) => r.id)).toEqual([
      'xuande',
    ]);
    expect(scimList(snap, kind, { filter: 'displayName eq "nobody"' }).totalResults).toBe(0);
    expect(reads).toBe(users);
    // Another day is another snapshot: read again.
    const other = new Snapshot(snap.history, '2021-06-01');
    scimList(other, kind, { filter: 'displayName eq "Dai Shan"' });
    expect(reads).toBe(users + kind.ids(other).length);
  });
});

describe('SCIM discovery', () => {
  interface Attribute {
    name: string;
    type: string;
    multiValued: boolean;
    subAttributes?: Attribute[];
  }
  const schemas = new Map(scimSchemas().map((s) => [s.id, s.attributes as Attribute[]]));

  /** The names of `value`'s attributes that `attributes` does not describe (or describes as another type). */
  function undescribed(value: Record<string, unknown>, attributes: Attribute[], path: string): string[] {
    return Object.entries(value).flatMap(([name, v]) => {
      const described = attributes.find((a) => a.name.toLowerCase() === name.toLowerCase());
      if (!described) return [`${path}${name}`];
      const items = described.multiValued ? (v as unknown[]) : [v];
      if (described.multiValued !== Array.isArray(v)) return [`${path}${name} (multiValued)`];
      return items.flatMap((item) => {
        if (described.type === 'complex')
          return undescribed(
            item as Record<string, unknown>,
            described.subAttributes ?? [],
            `${path}${name}.`,
          );
        return typeof item === (described.type === 'boolean' ? 'boolean' : 'string')
          ? []
          : [`${path}${name} (type)`];
      });
    });
  }

  it('describes every attribute of every resource served, in the schemas its resource type names', () => {
    const types = new Map(scimResourceTypes().map((t) => [t.endpoint as string, t]));
    for (const [kind, endpoint] of [
      [SCIM_USERS, '/Users'],
      [SCIM_GROUPS, '/Groups'],
    ] as const) {
      const type = types.get(endpoint)!;
      const extensions = ((type.schemaExtensions ?? []) as Array<{ schema: string }>).map((e) => e.schema);
      expect(schemas.has(type.schema as string)).toBe(true);
      const resources = kind.ids(snap).map((id) => kind.make(snap, id));
      expect(resources.length).toBeGreaterThan(5);
      for (const resource of resources) {
        const { schemas: named, id, meta, ...rest } = resource;
        expect(named).toEqual([type.schema, ...extensions]);
        const core = Object.fromEntries(Object.entries(rest).filter(([k]) => !extensions.includes(k)));
        const problems = undescribed(core, schemas.get(type.schema as string)!, '');
        for (const extension of extensions)
          problems.push(
            ...undescribed(
              (rest[extension] ?? {}) as Record<string, unknown>,
              schemas.get(extension)!,
              `${extension}:`,
            ),
          );
        expect(problems, `${endpoint} ${id}`).toEqual([]);
        expect(meta).toEqual({ resourceType: type.name });
      }
    }
  });

  it(`gives at most ${SCIM_MAX_RESULTS} resources a page, however many are asked for`, () => {
    const ids = Array.from({ length: SCIM_MAX_RESULTS + 500 }, (_, i) => `p${String(i).padStart(5, '0')}`);
    const many: ScimKind = {
      ...SCIM_USERS,
      ids: () => ids,
      has: (_, id) => ids.includes(id),
      make: (_, id) => ({ id, schemas: [] }),
    };
    const page = scimList(snap, many, { count: 5000 });
    expect(page.itemsPerPage).toBe(SCIM_MAX_RESULTS);
    expect(page.totalResults).toBe(ids.length);
    const rest = scimList(snap, many, { startIndex: SCIM_MAX_RESULTS + 1, count: 5000 });
    expect(rest.Resources.map((r) => r.id)).toEqual(ids.slice(SCIM_MAX_RESULTS));
  });
});
