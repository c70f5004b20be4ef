import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrganization } from '../../bench/generate.ts';
import { seedExamples } from '../../src/engine/examples.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { parsePlan } from '../../src/formats/plan-file.ts';
import { type RunningServer, serve } from '../../src/server/serve.ts';
import { EXAMPLES_DIR, examplePlans, ROOT } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'a long enough reading passphrase';
const SHOTS = join(ROOT, 'test-results');
const dir = mkdtempSync(join(tmpdir(), 'orgshift-browser-'));
const CENTERS = [
  'User Operation Development Center',
  'Industrial Operation Development Center',
  'Platform Strategy and Operation Center',
];
let browser: Browser;
/** The seeds' whole history. */
let seeded: { engine: OrgEngine; server: RunningServer };
/** The seeds up to, not including, the Big Taobao integration: for planning it in the page. */
let before: { engine: OrgEngine; server: RunningServer };

/** A generated organization of a few thousand units, to see that only what is on screen is drawn. */
let large: { engine: OrgEngine; server: RunningServer };
const LARGE_UNITS = 3000;
const largeOrganization = generateOrganization({ people: LARGE_UNITS, units: LARGE_UNITS, years: 0 });
const LARGE_DAY = '2015-01-02';
const DOTTED_LINE = `plan: dotted\ntitle: A dotted line\neffective: ${LARGE_DAY}\nchanges:\n  - report: { person: Person 1, to: Person 2, kind: dotted }\n`;

async function start(name: string, plans: 'all' | 'before-integration' | 'large') {
  const engine = await OrgEngine.open(join(dir, `${name}.db`));
  if (plans === 'all') await seedExamples(engine, 'default');
  else if (plans === 'large') {
    for (const p of largeOrganization.plans)
      await engine.apply('default', { plan: p.plan, source: p.source });
    await engine.apply('default', { plan: parsePlan(DOTTED_LINE, 'dotted.yaml'), source: DOTTED_LINE });
  } else
    for (const p of examplePlans().filter((e) => e.plan.effective < '2022-01-06'))
      await engine.apply('default', { plan: p.plan, source: p.source });
  const server = await serve(engine, { host: '127.0.0.1', port: 0, org: 'default' });
  await server.access.addUser('reader', PASSWORD, 'viewer', null, false, 'test');
  await server.access.addUser('boss', PASSWORD, 'admin', null, true, 'test');
  return { engine, server };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`,
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  seeded = await start('seeded', 'all');
  before = await start('before', 'before-integration');
  large = await start('large', 'large');
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
  for (const s of [seeded, before, large]) {
    await s?.server.close();
    await s?.engine.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

interface OpenOptions {
  user?: string;
  server?: RunningServer;
  viewport?: { width: number; height: number };
}

/** Opens the page at an address, logs in and waits for the view to show. */
async function open(search: string, options: OpenOptions = {}): Promise<Page> {
  const page = await browser.newPage({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(options.server ?? seeded.server).port}/${search}`);
  await page.getByLabel('Username').fill(options.user ?? 'reader');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
  return page;
}

const pageErrors = new Map<Page, string[]>();

/** Closes a page, failing the test if a script on it threw. */
async function done(page: Page): Promise<void> {
  const errors = pageErrors.get(page) ?? [];
  await page.close();
  expect(errors).toEqual([]);
}

const cardNames = (page: Page, scope = '') =>
  page.locator(`${scope} g.card`).evaluateAll((cards) => cards.map((c) => c.getAttribute('data-unit')));

/** What the API says, fetched inside the logged-in page. */
const fetchJson = <T>(page: Page, path: string): Promise<T> =>
  page.evaluate(async (p) => (await fetch(p)).json(), path) as Promise<T>;

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `page-${name}.png`) });

describe('the page in Chromium', () => {
  it('asks for a login first and refuses a wrong password', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${seeded.server.port}/`);
    await page.getByLabel('Username').fill('reader');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('wrong user name or password').waitFor();
    expect(await page.locator('g.card').count()).toBe(0);
    await shot(page, '01-login-refused');
    await done(page);
  });

  it('moves the date slider across 2022-01-06: the business groups give way to the three centers', async () => {
    const page = await open('?asOf=2022-01-05');
    await page.locator('g.card[data-unit="Tmall Business Group"]').waitFor();
    expect(await cardNames(page)).toEqual(
      expect.arrayContaining(['Taobao Business Group', 'Tmall Business Group']),
    );
    expect(await cardNames(page)).not.toContain(CENTERS[0]);
    await shot(page, '02-slider-2022-01-05');

    const mark = page.getByRole('button', {
      name: /Taobao and Tmall business groups integrated.*\(2022-01-06\)/,
    });
    await mark.hover();
    const tip = page.getByRole('tooltip');
    await expect.poll(() => tip.textContent()).toContain('2022-01-06');
    expect(await tip.textContent()).toContain('Taobao and Tmall business groups integrated');
    await shot(page, '03-slider-mark-hover');

    // On the restructuring's own date the units it made are coloured and its changes listed.
    await mark.click();
    await page.locator(`g.card[data-unit="${CENTERS[0]}"][data-mark="merged"]`).waitFor();
    const marked = await page
      .locator('g.card[data-mark]')
      .evaluateAll((cards) =>
        cards.map((c) => `${c.getAttribute('data-unit')}:${c.getAttribute('data-mark')}`),
      );
    expect(marked.sort()).toEqual(
      [...CENTERS.map((c) => `${c}:merged`), 'Taobao Live:moved', 'Guangguang:moved'].sort(),
    );
    const recent = page.getByRole('region', { name: 'Latest restructuring' });
    expect(await recent.textContent()).toContain('Changed on this date');
    expect(await recent.textContent()).toContain(
      `Taobao Business Group, Tmall Business Group merged into ${CENTERS.join(', ')}`,
    );
    expect(await recent.textContent()).toContain('Lu Su becomes CTO of Big Taobao (concurrently)');
    expect(page.url()).toContain('asOf=2022-01-06');
    await shot(page, '03b-changed-on-2022-01-06');

    const slider = page.getByRole('slider', { name: 'Date slider' });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.locator(`g.card[data-unit="${CENTERS[0]}"]`).waitFor();
    const after = await cardNames(page);
    expect(after).toEqual(expect.arrayContaining(CENTERS));
    expect(after).not.toContain('Tmall Business Group');
    expect(after).not.toContain('Taobao Business Group');
    expect(page.url()).toContain('asOf=2022-01-07');
    expect(await page.getByLabel('As of date').inputValue()).toBe('2022-01-07');
    await shot(page, '04-slider-2022-01-07');
    await done(page);
  });

  it('searches for a person, highlights the path to the top and opens the person', async () => {
    const page = await open('?asOf=2022-01-07');
    await page.getByLabel('Search units, people and businesses').fill('Xuande');
    await page.getByRole('button', { name: /person Xuande/ }).click();
    await page.locator('g.card.on-path').first().waitFor();
    const onPath = await page
      .locator('g.card.on-path')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-unit')));
    expect(onPath.sort()).toEqual(
      ['Alibaba Group', 'China Digital Commerce', 'Big Taobao', 'User Operation Development Center'].sort(),
    );
    // The match is centred: its card is inside the chart's visible box.
    const box = await page.locator(`g.card[data-unit="${CENTERS[0]}"] rect`).boundingBox();
    const chart = await page.locator('svg.chart-svg').boundingBox();
    expect(box && chart).toBeTruthy();
    expect(box!.x).toBeGreaterThanOrEqual(chart!.x);
    expect(box!.x + box!.width).toBeLessThanOrEqual(chart!.x + chart!.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(chart!.y + chart!.height);

    const side = page.getByRole('complementary', { name: 'Details' });
    await side.getByRole('heading', { name: 'Xuande' }).waitFor();
    expect(await side.textContent()).toContain('Manager: Dai Shan');
    expect(await side.locator('.chain').textContent()).toBe('Chain to the top: Dai Shan → Zhang Yong');
    expect(await side.textContent()).toContain('head of User Operation Development Center');
    expect(page.url()).toContain('person=Xuande');
    await shot(page, '05-search-person');

    await side.getByRole('button', { name: 'Dai Shan' }).first().click();
    await side.getByRole('heading', { name: 'Dai Shan' }).waitFor();
    expect(await side.textContent()).toContain('Direct reports');
    await done(page);
  });

  it('opens the view the address names: date and unit', async () => {
    const page = await open('?asOf=2022-01-07&unit=Big%20Taobao');
    await page.locator('g.card.selected[data-unit="Big Taobao"]').waitFor();
    const side = page.getByRole('complementary', { name: 'Details' });
    await side.getByRole('heading', { name: 'Big Taobao' }).waitFor();
    expect(await side.textContent()).toContain('CTO: Lu Su');
    expect(await side.textContent()).toContain('concurrent');
    // Concurrent posts show on the card too: the head's concurrent post, and a concurrent named post.
    const card = await page.locator('g.card[data-unit="Big Taobao"]').textContent();
    expect(card).toContain('Head: Dai Shan ⇄');
    expect(card).toMatch(/⇄ (CTO: Lu Su|CCO\/CRO: Group CCO\/CRO)/);
    await done(page);
  });

  it('collapses and expands one unit, all, and to a level, by mouse and keyboard', async () => {
    const page = await open('?asOf=2022-01-07');
    await page.locator('g.card[data-unit="Alimama"]').waitFor();
    const total = Number(await page.locator('svg.chart-svg').getAttribute('data-units'));
    await page.getByRole('button', { name: 'Collapse Big Taobao' }).click();
    await expect.poll(() => cardNames(page)).not.toContain('Alimama');
    const collapsedCount = Number(await page.locator('svg.chart-svg').getAttribute('data-units'));
    expect(collapsedCount).toBe(total - 6);
    await page.getByRole('button', { name: 'Expand Big Taobao' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => cardNames(page)).toContain('Alimama');

    await page.getByRole('button', { name: 'Collapse all' }).click();
    await expect.poll(() => cardNames(page)).toEqual(['Alibaba Group']);
    await page.getByLabel('Expand to level').selectOption('1');
    await expect
      .poll(async () => (await cardNames(page)).sort())
      .toEqual(
        [
          'Alibaba Group',
          'Ali Local Life Service Company',
          'China Digital Commerce',
          'Overseas Digital Commerce',
        ].sort(),
      );
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => page.locator('svg.chart-svg').getAttribute('data-units')).toBe(String(total));
    await page.getByRole('button', { name: 'Fit' }).click();
    await shot(page, '06-expanded-fit');
    await done(page);
  });

  it('exports the chart as SVG with every unit, and as PNG and PDF', async () => {
    const page = await open('?asOf=2022-01-07');
    await page.locator('g.card').first().waitFor();
    const tree = await fetchJson<{ root: { name: string; children: unknown[] } }>(
      page,
      '/api/tree?asOf=2022-01-07',
    );
    const names: string[] = [];
    const walk = (n: { name: string; children: unknown[] }) => {
      names.push(n.name);
      for (const c of n.children) walk(c as typeof n);
    };
    walk(tree.root);
    const save = async (label: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: label, exact: true }).click(),
      ]);
      const path = join(SHOTS, `export-${download.suggestedFilename()}`);
      await download.saveAs(path);
      return { name: download.suggestedFilename(), bytes: readFileSync(path) };
    };
    const svg = await save('SVG');
    expect(svg.name).toBe('orgshift-2022-01-07.svg');
    const text = svg.bytes.toString('utf8');
    expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const name of names) expect(text).toContain(`<title>${name.replace(/&/g, '&amp;')}</title>`);
    expect(text.match(/<g class="card"/g)).toHaveLength(names.length);
    const png = await save('PNG');
    expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const pdf = await save('PDF');
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    await done(page);
  });

  it('shows a plan’s error at its line, its impact before and after, and takes it through approval', async () => {
    const page = await open('?view=plans', { user: 'boss', server: before.server });
    const editor = page.getByLabel('Plan (YAML)');
    // The page puts the new plan's template in the editor after the click: fill only once it has, or
    // the template (on a slow machine) overwrites what was filled.
    const newPlan = async () => {
      await page.getByRole('button', { name: 'New plan' }).click();
      await expect.poll(() => editor.inputValue()).toContain('plan: my-plan');
    };
    await newPlan();
    await editor.fill(
      'plan: fold-big-taobao\ntitle: Fold Big Taobao\neffective: 2022-02-01\nchanges:\n  - dissolve:\n      unit: Big Taobao\n',
    );
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved fold-big-taobao.').waitFor();
    await page.getByRole('button', { name: 'Check' }).click();
    const marked = page.locator('.gutter .line-number.error');
    await marked.first().waitFor();
    expect(await marked.evaluateAll((lines) => lines.map((l) => l.getAttribute('data-line')))).toEqual(['6']);
    const problem = page.getByRole('list', { name: 'Problems' });
    expect(await problem.textContent()).toContain('Line 6, column 13');
    expect(await problem.textContent()).toContain('would orphan');
    await shot(page, '07-plan-error-at-line');

    await newPlan();
    await editor.fill(readFileSync(join(EXAMPLES_DIR, '04-big-taobao-integration.yaml'), 'utf8'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved big-taobao-integration.').waitFor();
    await page.getByRole('button', { name: 'Impact' }).click();
    const impact = page.getByRole('region', { name: 'Impact' });
    await impact.locator('g.card[data-mark]').first().waitFor();
    const marks = (chart: string) =>
      impact
        .getByRole('application', { name: chart })
        .locator('g.card[data-mark]')
        .evaluateAll((cards) =>
          cards.map((c) => `${c.getAttribute('data-unit')}:${c.getAttribute('data-mark')}`),
        );
    expect(await marks('Before the plan')).toEqual(
      expect.arrayContaining(['Taobao Business Group:merged', 'Tmall Business Group:merged']),
    );
    expect(await marks('After the plan')).toEqual(expect.arrayContaining(CENTERS.map((c) => `${c}:merged`)));
    expect(await marks('After the plan')).toEqual(
      expect.arrayContaining(['Taobao Live:moved', 'Guangguang:moved']),
    );
    const integration = examplePlans().find((e) => e.plan.id === 'big-taobao-integration')!;
    const expected = await before.engine.impact('default', integration.plan);
    expect(await impact.locator('.impact-summary').textContent()).toBe(
      `Layers: ${expected.layers.before} → ${expected.layers.after}. ` +
        `${expected.managerChanges.length} people get a new manager; ${expected.unitChanges.length} unit changes.`,
    );
    const rows = await impact.locator('.manager-changes tbody tr').allTextContents();
    expect(rows).toEqual(expected.managerChanges.map((m) => `${m.person}${m.from ?? '—'}${m.to ?? '—'}`));
    const posts = await impact.locator('.impact-lists').textContent();
    for (const p of expected.posts)
      expect(posts).toContain(`${p.post} of ${p.unit}: ${p.from ?? 'vacant'} → ${p.to ?? 'vacant'}`);
    expect(expected.posts.map((p) => p.to)).toEqual(expect.arrayContaining(['Xuande', 'Chuixue', 'Sixin']));
    await shot(page, '08-plan-impact');

    for (const action of ['Propose', 'Approve', 'Apply now']) {
      await page.getByRole('button', { name: action }).click();
      await page
        .getByRole('status')
        .getByText(/is now/)
        .waitFor();
    }
    expect(await page.getByRole('status').textContent()).toBe('big-taobao-integration is now applied.');
    await page.getByRole('button', { name: 'Chart', exact: true }).click();
    await page.getByLabel('As of date').fill('2022-01-07');
    await page.locator(`g.card[data-unit="${CENTERS[1]}"]`).waitFor();
    await done(page);
  });

  it('shows restructurings over time and a unit’s lineage as a graph', async () => {
    const page = await open('?view=timeline&unit=Tmall%20Business%20Group');
    const graph = page.getByRole('img', { name: 'Lineage of Tmall Business Group' });
    await graph.waitFor();
    const nodes = await graph.locator('.lineage-node .name').allTextContents();
    expect(nodes.sort()).toEqual(['Taobao Business Group', 'Tmall Business Group', ...CENTERS].sort());
    expect(await graph.locator('.lineage-edge.merge').count()).toBe(6);
    await page.getByRole('button', { name: /2022-01-06 — Taobao and Tmall/ }).click();
    const changes = page.getByRole('region', { name: 'What changed' });
    await changes.waitFor();
    expect(await changes.textContent()).toContain(
      `Taobao Business Group, Tmall Business Group merged into ${CENTERS.join(', ')}`,
    );
    expect(await changes.textContent()).toContain('Xuande heads User Operation Development Center');
    await shot(page, '09-timeline-lineage');
    await done(page);
  });

  it('plots headcount over time, spans of control and layers', async () => {
    const page = await open('?view=analytics&asOf=2022-01-07');
    await page.getByRole('img', { name: 'Managers by number of direct reports' }).waitFor();
    const stats = await fetchJson<{ spanDistribution: unknown[]; layerDistribution: unknown[] }>(
      page,
      '/api/stats?asOf=2022-01-07',
    );
    expect(await page.locator('svg[aria-label="Managers by number of direct reports"] .bar').count()).toBe(
      stats.spanDistribution.length,
    );
    expect(await page.locator('svg[aria-label="People by layer"] .bar').count()).toBe(
      stats.layerDistribution.length,
    );
    await page.getByRole('button', { name: 'Big Taobao', exact: true }).click();
    await page.getByRole('img', { name: 'Headcount over time of Big Taobao' }).waitFor();
    const series = await fetchJson<{ headcountOverTime: unknown[] }>(page, '/api/stats?unit=Big%20Taobao');
    expect(
      await page.locator('svg[aria-label="Headcount over time of Big Taobao"] circle.point').count(),
    ).toBe(series.headcountOverTime.length);
    await shot(page, '10-analytics');
    await done(page);
  });

  it('is usable on a phone-width screen and by keyboard alone', async () => {
    const page = await open('?asOf=2022-01-07', { viewport: { width: 390, height: 844 } });
    await page.locator('g.card').first().waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '11-phone');
    await done(page);

    const desk = await open('?asOf=2022-01-07');
    await desk.locator('g.card').first().waitFor();
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await desk.keyboard.press('Tab');
      reached.add(
        await desk.evaluate<string>(
          "(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? '')",
        ),
      );
    }
    for (const control of ['Date slider', 'Search units, people and businesses', 'Fit', 'Expand all', 'SVG'])
      expect(reached).toContain(control);
    expect([...reached].some((r) => r.startsWith('Unit '))).toBe(true);
    await done(desk);
  });

  it('draws only the cards on screen in a large organization, and an overview when zoomed out', async () => {
    const page = await open(`?asOf=${LARGE_DAY}`, { server: large.server });
    const svg = page.locator('svg.chart-svg');
    await page.locator('g.card').first().waitFor();
    // Larger than a few hundred units, the chart opens two levels deep.
    type Node = { children: Node[] };
    const whole = await fetchJson<{ root: Node }>(page, `/api/tree?asOf=${LARGE_DAY}`);
    const upTo = (n: Node, depth: number): number =>
      1 + (depth === 0 ? 0 : n.children.reduce((sum, c) => sum + upTo(c, depth - 1), 0));
    expect(await svg.getAttribute('data-units')).toBe(String(upTo(whole.root, 2)));
    // A dotted reporting line between two heads is drawn between their units, dashed.
    const dotted = page.locator('path.dotted');
    expect(await dotted.count()).toBe(1);
    expect(await dotted.locator('title').textContent()).toBe('Person 1 ⇢ Person 2 (dotted line)');
    expect(
      await page.evaluate<string>("getComputedStyle(document.querySelector('path.dotted')).strokeDasharray"),
    ).not.toBe('none');
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => svg.getAttribute('data-units')).toBe(String(LARGE_UNITS));
    const cards = await page.locator('g.card').count();
    expect(cards).toBeGreaterThan(0);
    expect(cards).toBeLessThan(100);
    expect(Number(await svg.getAttribute('data-drawn'))).toBe(cards);

    await page.getByRole('button', { name: 'Fit' }).click();
    await expect.poll(() => svg.getAttribute('data-dense')).toBe('true');
    expect(await page.locator('g.card').count()).toBe(0);
    const inked = await page.evaluate<number>(`(() => {
      const c = document.querySelector('canvas.chart-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })()`);
    expect(inked).toBeGreaterThan(1000);
    await shot(page, '12-large-overview');

    await page.getByLabel('Search units, people and businesses').fill('Unit 2999');
    await page.getByRole('button', { name: /unit Unit 2999/ }).click();
    await page.locator('g.card.selected[data-unit="Unit 2999"]').waitFor();
    expect(await svg.getAttribute('data-dense')).toBe('false');
    const onPath = await page
      .locator('g.card.on-path')
      .evaluateAll((c) => c.map((e) => e.getAttribute('data-unit')));
    expect(onPath).toContain('Unit 2999');
    expect(await page.locator('g.card').count()).toBeLessThan(100);
    await shot(page, '13-large-search');
    await done(page);
  });
});
