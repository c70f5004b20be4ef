import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPage } from '../../src/server/page.ts';
import { type Fixture, fixture } from './fixture.ts';

let f: Fixture;
const dir = mkdtempSync(join(tmpdir(), 'orgshift-page-'));
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serving the page', () => {
  it('serves the built page without a login, and its hashed assets as immutable', async () => {
    const index = await f.app.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('Content-Type')).toContain('text/html');
    expect(index.headers.get('Cache-Control')).toBe('no-store');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await f.app.request(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('Content-Type')).toContain('text/javascript');
    expect(asset.headers.get('Cache-Control')).toContain('immutable');
    expect((await f.app.request('/assets/nothing-here.js')).status).toBe(404);
    expect((await f.app.request('/assets/../package.json')).status).toBe(404);
  });

  it('reads a built folder, and says how to build when there is none', () => {
    mkdirSync(join(dir, 'built', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'built', 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'built', 'assets', 'a-123.css'), 'body{}');
    const built = loadPage(join(dir, 'built'));
    expect([...built.keys()].sort()).toEqual(['/assets/a-123.css', '/index.html']);
    expect(built.get('/assets/a-123.css')!.type).toContain('text/css');
    const missing = loadPage(join(dir, 'nothing'));
    expect(new TextDecoder().decode(missing.get('/index.html')!.body)).toContain('npm run build');
  });
});
