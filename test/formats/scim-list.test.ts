import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../src/core/snapshot.ts';
import {
  parseScimFilter,
  SCIM_GROUPS,
  SCIM_USERS,
  type ScimKind,
  type ScimResource,
  scimList,
} from '../../src/formats/scim.ts';
import { build, examplePlans } from '../helpers.ts';

const snap = new Snapshot(build(...examplePlans().map((p) => p.source)), '2022-01-07');

/** The list as it was made before: every resource made, filtered on its attribute, then paged. */
function everyResource(kind: ScimKind, filter: string | undefined, startIndex: number, count: number) {
  let resources: ScimResource[] = [...kind.ids(snap)].map((id) => kind.make(snap, id));
  if (filter !== undefined) {
    const { attribute, value } = parseScimFilter(filter);
    resources = resources.filter((r) => {
      let found: unknown = r;
      for (const part of attribute.split('.')) {
        const entry = Object.entries((found ?? {}) as Record<string, unknown>).find(
          ([k]) => k.toLowerCase() === part.toLowerCase(),
        );
        found = entry?.[1];
      }
      return (
        typeof found === 'string' &&
        (attribute.toLowerCase() === 'id' ? found === value : found.toLowerCase() === value.toLowerCase())
      );
    });
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

describe('SCIM lists', () => {
  const userIds = [...SCIM_USERS.ids(snap)];
  const filters = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(...userIds).map((id) => `userName eq "${id.toUpperCase()}"`),
    fc.constantFrom(...userIds).map((id) => `id eq "${id}"`),
    fc.constantFrom(...userIds).map((id) => `ID eq "${id.toUpperCase()}"`),
    fc.constantFrom(...userIds).map((id) => `displayName eq "${snap.people.get(id)!.name.toLowerCase()}"`),
    fc
      .constantFrom(...[...snap.units.values()].map((u) => u.name))
      .map((name) => `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department eq "${name}"`),
  );

  it('give what filtering and paging every resource gave', () => {
    let found = 0;
    fc.assert(
      fc.property(
        filters,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 30 }),
        (filter, start, count) => {
          const list = scimList(snap, SCIM_USERS, {
            ...(filter !== undefined ? { filter } : {}),
            startIndex: start,
            count,
          });
          const expected = everyResource(SCIM_USERS, filter, start, count);
          expect(list).toMatchObject(expected);
          found += list.itemsPerPage;
        },
      ),
      { numRuns: 300 },
    );
    expect(found).toBeGreaterThan(50);
    const groups = scimList(snap, SCIM_GROUPS, { filter: 'id eq "alimama"' });
    expect(groups.Resources.map((r) => r.id)).toEqual(['alimama']);
  });

  it('make only the page, unless the filter reads an attribute other than the id', () => {
    const users = counted(SCIM_USERS);
    const page = scimList(snap, users.kind, { startIndex: 5, count: 3 });
    expect(page.totalResults).toBe(userIds.length);
    expect(users.made()).toBe(3);
    scimList(snap, users.kind, { filter: 'userName eq "DAI-SHAN"' });
    expect(users.made()).toBe(4);
    scimList(snap, users.kind, { filter: 'displayName eq "Dai Shan"' });
    expect(users.made()).toBe(5 + userIds.length);
  });
});
