import { readFileSync } from 'node:fs';

/** The interim page: a plain HTML file until the Vite + React page lands (see the web page issue). */
export const PAGE_HTML = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
