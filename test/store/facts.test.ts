import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FACT_COLUMNS,
  HistoryReader,
  historyToRows,
  rowsToHistory,
  tableRowCount,
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
