import { describe, expect, it } from 'vitest';
import { restrictToSubtree } from '../../src/core/access.ts';
import { checkInvariants } from '../../src/core/invariants.ts';
import { emptyHistory, type History, type UnitRecord } from '../../src/core/model.ts';

/** A company with `count` teams right under it, all from 2020-01-01. */
function wideOrganization(count: number): History {
  const prov = { plan: 'import', inferred: false };
  const unit = (id: string, parent: string | null): [string, UnitRecord] => [
    id,
    {
      id,
      aliases: [],
      versions: [{ from: '2020-01-01', to: null, prov, name: id, type: parent ? 'team' : 'company', parent }],
    },
  ];
  return {
    ...emptyHistory(),
    units: new Map([unit('co', null), ...Array.from({ length: count }, (_, i) => unit(`t${i}`, 'co'))]),
  };
}

describe('a unit with more children than a call takes arguments', () => {
  const history = wideOrganization(200_000);

  it('is checked, every child reached from the root', () => {
    expect(checkInvariants(history, '2020-01-01')).toEqual([]);
  });

  it('is a subtree a grant may be scoped to, every child in it', () => {
    expect(restrictToSubtree(history, 'co').units.size).toBe(200_001);
  });
});
