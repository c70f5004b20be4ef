import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { OrgStore } from '../../src/store/store.ts';

export interface DialectUnderTest {
  name: string;
  /** A new, empty, migrated store. */
  open(): Promise<OrgStore>;
  cleanup(): void;
}

/**
 * The engines the store contract suite runs on. PostgreSQL joins this list with its dialect
 * (the PostgreSQL issue); every test in the suite then runs on it too.
 */
export function dialects(): DialectUnderTest[] {
  const dirs: string[] = [];
  return [
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'orgshift-store-'));
        dirs.push(dir);
        const store = openSqliteStore(join(dir, 'org.db'));
        await store.migrate();
        return store;
      },
      cleanup() {
        for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
      },
    },
  ];
}
