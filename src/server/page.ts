import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageFile {
  body: Uint8Array;
  type: string;
}

/** Where `vite build` writes the page (see vite.config.ts). */
export const PAGE_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Orgshift</title>
<p>The page is not built. Run <code>npm run build</code> (<code>npm start</code> does it for you), then reload.</p>
<p>The API answers at <a href="/api/openapi.json">/api/openapi.json</a>.</p></html>`;

/** The built page's files by URL path, read once; an unbuilt checkout serves a note saying how to build. */
export function loadPage(dir: string = PAGE_DIR): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else
        files.set(`${prefix}${entry.name}`, {
          body: readFileSync(path),
          type: TYPES[extname(entry.name)] ?? 'application/octet-stream',
        });
    }
  };
  if (existsSync(join(dir, 'index.html'))) walk(dir, '/');
  else files.set('/index.html', { body: new TextEncoder().encode(NOT_BUILT), type: TYPES['.html']! });
  return files;
}
