import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History } from '../../src/core/model.ts';
import {
  FACT_COLUMNS,
  HistoryReader,
  historyToRows,
  keyCells,
  keyRows,
  RowKeyer,
  rowsToHistory,
  tableCells,
  tableRowCount,
  tableRows,
} from '../../src/store/facts.ts';
import { FACT_TABLES } from '../../src/store/schema.ts';
import { printHistory as print } from '../helpers.ts';
import { acceptedHistory, organization, planOver } from '../property/generators.ts';

const histories = organization.chain((org) =>
  fc.tuple(
    fc.constant(org),
    fc.array(
      fc.nat().chain((i) => planOver(org, i)),
      { minLength: 2, maxLength: 6 },
    ),
    // A permutation key for the rows of each table.
    fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
  ),
);

describe('reading a history back from its rows', () => {
  it('gives the same history whatever order the rows come in, equal to the one stored', () => {
    let outOfOrder = 0;
    fc.assert(
      fc.property(histories, ([org, plans, shuffle]) => {
        const { history } = acceptedHistory([org.source, ...plans]);
        const rows = historyToRows(history);
        const inOrder = rowsToHistory(rows, history.plans);
        const reader = new HistoryReader();
        for (const table of FACT_TABLES) {
          const columns = FACT_COLUMNS[table] as readonly string[];
          const raw = (rows[table] as unknown as Array<Record<string, unknown>>).map((row) =>
            columns.map((c) => row[c] ?? null),
          );
          // Rows of every table in another order (and records' ids no longer ascending).
          const shuffled = raw
            .map((row, i) => ({ row, key: shuffle[i % shuffle.length]! * 1000 + i }))
            .sort((a, b) => a.key - b.key)
            .map((r) => r.row);
          if (shuffled.some((row, i) => row !== raw[i])) outOfOrder++;
          for (const row of shuffled) reader.add(table, row);
        }
        const shuffledBack = reader.finish(history.plans);
        expect(print(shuffledBack)).toBe(print(inOrder));
        // What was stored comes back: records by id, and each record's versions in order.
        expect(historyToRows(shuffledBack)).toEqual(historyToRows(inOrder));
        for (const record of [...inOrder.units.values(), ...inOrder.people.values()]) {
          const starts = record.versions.map((v) => v.from);
          expect(starts).toEqual([...starts].sort());
          expect(history.units.get(record.id) ?? history.people.get(record.id)).toBeDefined();
        }
        const ids = [...inOrder.people.keys()];
        expect(ids).toEqual([...ids].sort());
        expect(new Set(ids)).toEqual(new Set(history.people.keys()));
      }),
      { numRuns: 150 },
    );
    expect(outOfOrder).toBeGreaterThan(100);
  });
});

describe('counting the rows of a history', () => {
  it('counts as many rows in each table as the history gives', () => {
    fc.assert(
      fc.property(histories, ([org, plans]) => {
        const { history } = acceptedHistory([org.source, ...plans]);
        const rows = historyToRows(history);
        for (const table of FACT_TABLES) expect(tableRowCount(history, table)).toBe(rows[table].length);
      }),
      { numRuns: 60 },
    );
  });
});

/** Every table's rows keyed both ways: as objects (`tableRows`, `keyRows`) and as cells (`tableCells`, `keyCells`). */
function bothWays(history: History) {
  for (const table of FACT_TABLES) {
    const columns = FACT_COLUMNS[table] as readonly string[];
    const fromObjects = [...keyRows(tableRows(history, table))].map(([key, row]) => [
      key,
      columns.map((c) => (row as Record<string, unknown>)[c] ?? null),
    ]);
    expect([...keyCells(table, tableCells(history, table))]).toEqual(fromObjects);
  }
}

describe('rows made straight from the records', () => {
  it('are the rows, and have the keys, that the row objects have', () => {
    fc.assert(
      fc.property(histories, ([org, plans]) => {
        bothWays(acceptedHistory([org.source, ...plans]).history);
      }),
      { numRuns: 80 },
    );
  });

  it('write texts as JSON does: quotes, backslashes, control characters, other scripts, lone surrogates', () => {
    const names = [
      'Plain',
      'A "quoted" unit',
      'back\\slash',
      'tab\there',
      'nul\u0000',
      'Café 市场',
      'emoji 🙂',
      'lone \ud800',
    ];
    const prov = { plan: 'p "1"', inferred: true, quote: 'said "so"\n' };
    const history = {
      units: new Map(
        names.map((name, i) => [
          `u${i}`,
          {
            id: `u${i}`,
            aliases: i % 2 === 0 ? [] : [name],
            versions: [
              {
                from: '2020-01-01',
                to: null,
                name,
                type: 't',
                parent: null,
                prov,
                ...(i % 3 === 0 ? { status: name } : {}),
                ...(i % 4 === 1 ? { alsoUnder: ['u0', name] } : {}),
              },
            ],
          },
        ]),
      ),
      people: new Map(
        names.map((name, i) => [
          `p${i}`,
          {
            id: `p${i}`,
            aliases: [],
            unnamed: i === 1,
            versions: [
              { from: '2020-01-01', to: '2021-01-01', name, level: null, title: name, unit: 'u0', prov },
            ],
          },
        ]),
      ),
      businesses: new Map(),
      posts: names.map((post, i) => ({
        unit: 'u0',
        post,
        holder: i % 2 === 0 ? null : `p${i}`,
        concurrent: i % 2 === 1,
        from: '2020-01-01',
        to: null,
        prov,
      })),
      lines: [{ person: 'p1', manager: 'p0', kind: 'solid' as const, from: '2020-01-01', to: null, prov }],
      events: names.map((name) => ({
        date: '2020-01-01',
        kind: 'rename' as const,
        unit: 'u0',
        from: ['u0'],
        to: ['u0'],
        fromNames: [name],
        toNames: ['x'],
        prov,
      })),
      plans: [],
    } as History;
    bothWays(history);
  });
});

describe('keying rows', () => {
  it('keys a row by the hash of its text, and the n-th row of the same text with #n', () => {
    const keyer = new RowKeyer();
    const seen = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const text = `row ${i % 3000}`;
      const n = (seen.get(text) ?? 0) + 1;
      seen.set(text, n);
      const base = hash('sha1', text, 'hex');
      expect(keyer.keyOfText(text)).toBe(n === 1 ? base : `${base}#${n}`);
    }
    const rows = [{ a: 1 }, { a: 2 }, { a: 1 }, { a: 1 }];
    expect([...keyRows(rows).keys()].map((k) => k.slice(40))).toEqual(['', '', '#2', '#3']);
  });
});
