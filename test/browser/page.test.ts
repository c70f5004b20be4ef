import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExamples } from '../../src/engine/examples.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { type RunningServer, serve } from '../../src/server/serve.ts';
import { ROOT } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'a long enough reading passphrase';
const SHOTS = join(ROOT, 'test-results');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-browser-'));
let engine: OrgEngine;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`,
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  engine = await OrgEngine.open(join(dir, 'org.db'));
  await seedExamples(engine, 'default');
  server = await serve(engine, { host: '127.0.0.1', port: 0, org: 'default' });
  await server.access.addUser('reader', PASSWORD, 'viewer', null, false, 'test');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(asOf: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${server.port}/?asOf=${asOf}`);
  await page.getByLabel('Username').fill('reader');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.card').first().waitFor();
  return page;
}

const unitNames = (page: Page) => page.locator('.card .name').allTextContents();

describe('the page in Chromium', () => {
  it('asks for a login first and refuses a wrong password', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.getByLabel('Username').fill('reader');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('wrong user name or password').waitFor();
    expect(await page.locator('.card').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'page-login-refused.png') });
    await page.close();
  });

  it('shows the Taobao and Tmall business groups before 2022-01-06 and the three centers after', async () => {
    const page = await open('2022-01-05');
    expect(await unitNames(page)).toEqual(
      expect.arrayContaining(['Taobao Business Group', 'Tmall Business Group']),
    );
    await page.screenshot({ path: join(SHOTS, 'page-2022-01-05.png'), fullPage: true });

    await page.locator('#date').fill('2022-01-07');
    await page.locator('#date').dispatchEvent('change');
    await page.getByText('User Operation Development Center').waitFor();
    const after = await unitNames(page);
    expect(after).toEqual(
      expect.arrayContaining([
        'User Operation Development Center',
        'Industrial Operation Development Center',
        'Platform Strategy and Operation Center',
      ]),
    );
    expect(after).not.toContain('Tmall Business Group');
    expect(page.url()).toContain('asOf=2022-01-07');
    await page.screenshot({ path: join(SHOTS, 'page-2022-01-07.png'), fullPage: true });
    await page.close();
  });

  it('opens a person with their manager and chain to the top', async () => {
    const page = await open('2022-01-07');
    await page.getByRole('button', { name: 'Xuande' }).click();
    await page.locator('#side h2', { hasText: 'Xuande' }).waitFor();
    const side = await page.locator('#side').textContent();
    expect(side).toContain('Manager: Dai Shan');
    expect(side).toContain('Chain to the top: Dai Shan → Zhang Yong');
    await page.screenshot({ path: join(SHOTS, 'page-person.png') });
    await page.close();
  });

  it('marks inferred facts', async () => {
    const page = await open('2020-03-05');
    const inferred = await page.locator('.inferred').allTextContents();
    expect(inferred).toEqual(expect.arrayContaining(['Ele.me']));
    await page.close();
  });
});
