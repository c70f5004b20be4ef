import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/** Which layers each layer may import (ARCHITECTURE.md's dependency rule, as built). */
const ALLOWED: Record<string, string[]> = {
  core: ['core'],
  formats: ['formats', 'core'],
  store: ['store', 'core'],
  engine: ['engine', 'core', 'formats', 'store'],
  server: ['server', 'engine', 'core', 'formats'],
  cli: ['cli', 'engine', 'core', 'formats', 'server'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const src = join(ROOT, 'src');

describe('layers', () => {
  for (const file of files(src)) {
    const layer = relative(src, file).split('/')[0]!;
    it(`${relative(ROOT, file)} imports only what its layer may`, () => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports) {
        if (spec.startsWith('.')) {
          const target = relative(src, join(file, '..', spec)).split('/')[0]!;
          expect(ALLOWED[layer], `${spec} from ${layer}`).toContain(target);
        } else if (layer === 'core') {
          // The core does no I/O: no runtime modules and no drivers.
          expect(spec, `core imports ${spec}`).not.toMatch(/^(node:|fs|path|better-sqlite3|pg|kysely|hono)/);
        }
      }
    });
  }
});

const web = join(ROOT, 'web', 'src');

function webFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? webFiles(join(dir, entry.name))
      : /\.tsx?$/.test(entry.name)
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('the page talks only to the HTTP API', () => {
  for (const file of webFiles(web)) {
    it(`${relative(ROOT, file)} imports nothing from the server at run time`, () => {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)) {
        const spec = m[2]!;
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, join(file, '..', spec));
        // The API's response types are shared with the server, as types only (erased from the bundle).
        if (!target.startsWith('web/')) expect(m[1], `${spec} must be an import type`).toBe('type ');
      }
    });
  }
});
