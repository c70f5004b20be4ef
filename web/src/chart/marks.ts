import type { Preview } from '../api.ts';
import type { Mark } from './layout.ts';

/** Which unit names a plan's changes mark, in the chart before and in the chart after. */
export function marksOf(changes: Preview['impact']['unitChanges']): {
  before: Map<string, Mark>;
  after: Map<string, Mark>;
} {
  const before = new Map<string, Mark>();
  const after = new Map<string, Mark>();
  const names = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  for (const c of changes) {
    switch (c.kind) {
      case 'unit-created':
        for (const n of names(c.unit)) after.set(n, 'created');
        break;
      case 'unit-renamed':
        for (const n of names(c.from)) before.set(n, 'renamed');
        for (const n of names(c.to)) after.set(n, 'renamed');
        break;
      case 'unit-moved':
        for (const n of names(c.unit)) {
          before.set(n, 'moved');
          after.set(n, 'moved');
        }
        break;
      case 'unit-merged':
        for (const n of names(c.units)) before.set(n, 'merged');
        for (const n of names(c.into)) after.set(n, 'merged');
        break;
      case 'unit-split':
        for (const n of names(c.unit)) before.set(n, 'split');
        for (const n of names(c.into)) after.set(n, 'split');
        break;
      case 'unit-dissolved':
        for (const n of names(c.unit)) before.set(n, 'dissolved');
        break;
    }
  }
  return { before, after };
}
