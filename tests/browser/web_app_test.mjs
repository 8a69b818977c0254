// The web app in real headless Chromium (Debian's, driven by
// playwright-core), against the real plan-service and sync-agent binaries
// started as processes: signing in, filtering, editing in place, the
// stale-etag path, a progress update, resolving a conflict two agents
// made, importing with a dry run, and Sync now on an agent. axe-core checks
// every page; each page is also checked at 320 CSS px (no sideways
// scrolling), for print, and saved as a screenshot, wide and narrow.
//
//   node web_app_test.mjs --plan_service=BIN --sync_agent=BIN --planctl=BIN
//     --source=REPO --out=DIR
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2)
  .map((a) => /^--([^=]+)=(.*)$/.exec(a)).filter(Boolean).map((m) => [m[1], m[2]]));
for (const flag of ['plan_service', 'sync_agent', 'planctl', 'source', 'out']) {
  if (!args[flag]) throw new Error(`--${flag} is required`);
}
const modules = path.join(here, 'node_modules');
if (!fs.existsSync(path.join(modules, 'playwright-core'))) {
  throw new Error(`npm packages missing: run npm ci in ${here} (deploy/dev.sh test does)`);
}
const { chromium } = await import(path.join(modules, 'playwright-core', 'index.mjs'));
const axeSource = fs.readFileSync(path.join(modules, 'axe-core', 'axe.min.js'), 'utf8');

const COUNTY = 'organisations/staffordshire-county-council';
const COUNCIL = 'organisations/south-staffordshire-council';
const POLICE = 'organisations/staffordshire-police';
const PLAN = 'plans/south-staffordshire';
const PASSWORD = 'correct horse battery';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'web-app-test-'));
const shots = args.out;
fs.mkdirSync(shots, { recursive: true });
const children = [];
let browser;
let service;
const agents = {};
const axeResults = [];

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Starts a server binary on loopback ports it picks, and waits for them.
async function startServer(name, binary, extra) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const log = fs.openSync(path.join(dir, 'log'), 'a');
  const portFile = path.join(dir, 'port');
  const httpPortFile = path.join(dir, 'http-port');
  const child = spawn(binary, [
    '--listen=127.0.0.1:0', `--port_file=${portFile}`, `--data_dir=${path.join(dir, 'data')}`,
    '--http_listen=127.0.0.1:0', `--http_port_file=${httpPortFile}`, ...extra,
  ], { stdio: ['ignore', log, log] });
  children.push(child);
  for (let i = 0; i < 600; ++i) {
    if (child.exitCode !== null) break;
    if (fs.existsSync(portFile) && fs.existsSync(httpPortFile) &&
        fs.readFileSync(httpPortFile, 'utf8').trim()) {
      return {
        address: `127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`,
        url: `http://127.0.0.1:${fs.readFileSync(httpPortFile, 'utf8').trim()}`,
        log: path.join(dir, 'log'),
      };
    }
    await sleep(100);
  }
  throw new Error(`${name} did not start:\n${fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-3000)}`);
}

function planctl(server, argv, input = '') {
  const run = spawnSync(args.planctl, [`--server=${server}`, ...argv], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, `planctl ${argv.join(' ')}: ${run.stdout}${run.stderr}`);
  return run.stdout;
}

// A REST call as the development mode lets a script on loopback make one.
async function rest(base, method, url, { body, organisation, user } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (organisation) headers['X-Prevent-Organisation'] = organisation;
  if (user) headers['X-Prevent-User'] = user;
  const response = await fetch(`${base}${url}`, {
    method, headers, body: body === undefined ? (method === 'GET' ? undefined : '') : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

// axe-core on the page as it is: no violations.
async function checkAxe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  axeResults.push({ page: name, violations: result.violations.length, passes: result.passes.length });
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`), [],
    `axe found violations on ${name}`);
}

// The checks every page gets: axe, wide and narrow screenshots, reflow at
// 320 CSS px, and print without the page's controls.
async function checkPage(page, name) {
  await checkAxe(page, name);
  await page.screenshot({ path: path.join(shots, `${name}-wide.png`), fullPage: true });
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 720 });
  await sleep(100);
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(widths.scroll <= widths.client, `${name} scrolls sideways at 320 px: ${widths.scroll} > ${widths.client}`);
  await checkAxe(page, `${name} (320 px)`);
  await page.screenshot({ path: path.join(shots, `${name}-narrow.png`), fullPage: true });
  await page.setViewportSize(wide);
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const shown = (selector) => [...document.querySelectorAll(selector)]
      .some((e) => e.getClientRects().length > 0);
    return { nav: shown('#nav'), forms: shown('main form'), marking: shown('#marking-top') };
  });
  assert.deepEqual(printed, { nav: false, forms: false, marking: true }, `${name} in print`);
  await page.emulateMedia({ media: 'screen' });
}

// Presses Tab until `selector` has focus (at most 40 times), and checks
// that the focus can be seen.
async function tabTo(page, selector) {
  for (let i = 0; i < 40; ++i) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector);
    if (found) {
      const visible = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      });
      assert.ok(visible, `focus on ${selector} cannot be seen`);
      return;
    }
  }
  assert.fail(`Tab never reached ${selector}`);
}

async function heading(page) {
  await page.waitForSelector('main h1#page-heading');
  return (await page.textContent('main h1#page-heading')).trim();
}

// Opens the app at `hash` ("#/plans") and waits until it is drawn.
async function go(page, base, hash) {
  const url = `${base}/${hash}`;
  if (page.url() === url) {
    await page.reload();
  } else {
    await page.goto(url);
  }
  await page.waitForFunction((h) => document.documentElement.dataset.route === h, hash.slice(1));
}

before(async () => {
  service = await startServer('service', args.plan_service, [
    `--seed=${path.join(args.source, 'deploy/demo/seed.textproto')}`,
    `--admin_organisations=${COUNTY}`,
  ]);
  planctl(service.address, ['admin', 'users', 'add', 'coordinator@staffordshire.example', COUNTY], `${PASSWORD}\n`);
  for (const [name, organisation] of [['council', COUNCIL], ['police', POLICE]]) {
    agents[name] = await startServer(name, args.sync_agent, [
      `--server=${service.address}`, `--organisation=${organisation}`, `--plans=${PLAN}`, '--schedule=manual',
    ]);
    await rest(agents[name].url, 'POST', '/v1/agent:syncNow');
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const child of children) child.kill('SIGTERM');
  fs.writeFileSync(path.join(shots, 'axe.json'), `${JSON.stringify(axeResults, null, 1)}\n`);
});

let page;

test('signs in with the keyboard alone, after a wrong password', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  page.on('pageerror', (error) => assert.fail(`script error: ${error.message}`));
  await page.goto(`${service.url}/`);
  assert.equal(await heading(page), 'Sign in');
  await checkPage(page, 'sign-in');
  await tabTo(page, '#user');
  await page.keyboard.type('coordinator@staffordshire.example');
  await tabTo(page, '#password');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /user name or password is wrong/);
  assert.equal(await page.evaluate(() => document.activeElement.className), 'govuk-error-summary');
  await checkAxe(page, 'sign-in with an error');
  await page.screenshot({ path: path.join(shots, 'sign-in-error-wide.png'), fullPage: true });
  await page.focus('#password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('h1:has-text("My actions")');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'prevent-session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
});

test('shows my actions, overdue first, with RAG in words', async () => {
  await go(page, service.url, '#/');
  assert.equal(await heading(page), 'My actions');
  const statuses = await page.$$eval('main tbody tr td:last-child', (cells) => cells.map((c) => c.textContent));
  assert.ok(statuses.length > 0);
  const firstNotOverdue = statuses.findIndex((s) => !s.includes('Overdue'));
  assert.ok(statuses.slice(firstNotOverdue === -1 ? statuses.length : firstNotOverdue).every((s) => !s.includes('Overdue')),
    `overdue actions come first: ${statuses}`);
  assert.ok(statuses.every((s) => /Red|Amber|Green|Complete|Not set/.test(s)));
  await checkPage(page, 'my-actions');
  await go(page, service.url, '#/plans');
  await checkPage(page, 'plans');
});

test('lays a plan out by strand and filters it, by keyboard', async () => {
  await go(page, service.url, `#/${PLAN}`);
  const all = await page.textContent('main [role=status]');
  const [, total] = /of (\d+) actions/.exec(all);
  assert.ok(Number(total) > 20, all);
  assert.ok(await page.$$eval('main h2', (h) => h.length) >= 3, 'strands are headed');
  await checkPage(page, 'plan');
  await tabTo(page, '#lead');
  await page.selectOption('#lead', POLICE);
  await tabTo(page, '#overdue');
  await page.keyboard.press('Space');
  await tabTo(page, 'form.app-filters button');
  await page.keyboard.press('Enter');
  // Drawn anew for the filtered address (the old page's text is no answer).
  await page.waitForFunction(() => /lead=/.test(document.documentElement.dataset.route));
  const filtered = await page.textContent('main [role=status]');
  const [, shown] = /Showing (\d+) of/.exec(filtered);
  assert.ok(Number(shown) > 0 && Number(shown) < Number(total), filtered);
  const leads = await page.$$eval('main td[data-label="Lead"]', (cells) => cells.map((c) => c.textContent));
  assert.ok(leads.every((l) => l.includes('Staffordshire Police')), leads.join('|'));
  assert.ok(await page.$$eval('main td[data-label="RAG"]', (cells) => cells.every((c) => c.textContent.includes('Overdue'))));
  await checkPage(page, 'plan-filtered');
});

// The first action of the plan's police-led activity: both agents may edit it.
async function policeAction() {
  const activities = await rest(service.url, 'GET', `/v1/${PLAN}/activities?pageSize=1000`, { organisation: COUNTY });
  const activity = activities.activities.find((a) => (a.leadOrganisations || []).includes(POLICE));
  const actions = await rest(service.url, 'GET', `/v1/${activity.name}/actions`, { organisation: COUNTY });
  return actions.actions[0];
}

test('edits an action in place, and refuses a stale edit showing the current value', async () => {
  const action = await policeAction();
  await go(page, service.url, `#/${action.name}`);
  await checkPage(page, 'action');
  // By keyboard: the status, then Save.
  await tabTo(page, '#edit-rag');
  const order = await page.$$eval('#edit-rag option', (options) => options.map((o) => o.value));
  const key = order.indexOf('AMBER') < order.indexOf(await page.inputValue('#edit-rag')) ? 'ArrowUp' : 'ArrowDown';
  for (let i = 0; i < order.length && (await page.inputValue('#edit-rag')) !== 'AMBER'; ++i) {
    await page.keyboard.press(key);
  }
  assert.equal(await page.inputValue('#edit-rag'), 'AMBER');
  await tabTo(page, '#save-changes');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await page.textContent('main .govuk-summary-list'), /Amber/);
  const saved = await rest(service.url, 'GET', `/v1/${action.name}`, { organisation: COUNTY });
  assert.equal(saved.rag, 'AMBER');

  // Someone else changes it while the page is open.
  await rest(service.url, 'PATCH', `/v1/${action.name}?updateMask=description`, {
    organisation: COUNTY, body: { description: 'Changed elsewhere meanwhile', etag: saved.etag },
  });
  await page.selectOption('#edit-rag', 'GREEN');
  await page.click('button:has-text("Save changes")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /changed by someone else/);
  assert.match(await page.textContent('main'), /Changed elsewhere meanwhile/);
  assert.equal(await page.inputValue('#edit-rag'), 'GREEN', 'the person’s edit stays in the form');
  const untouched = await rest(service.url, 'GET', `/v1/${action.name}`, { organisation: COUNTY });
  assert.equal(untouched.rag, 'AMBER', 'nothing was overwritten');
  await checkAxe(page, 'action with a stale edit');
  await page.screenshot({ path: path.join(shots, 'action-stale-wide.png'), fullPage: true });
  // Saving again, knowingly, applies it.
  await page.click('button:has-text("Save changes")');
  await page.waitForSelector('.govuk-notification-banner--success');
  const now = await rest(service.url, 'GET', `/v1/${action.name}`, { organisation: COUNTY });
  assert.equal(now.rag, 'GREEN');
  assert.equal(now.description, 'Changed elsewhere meanwhile');
});

test('adds a progress update and shows the history', async () => {
  const action = await policeAction();
  await go(page, service.url, `#/${action.name}`);
  await page.click('button:has-text("Add update")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /Choose a status/);
  await page.selectOption('#update-rag', 'AMBER');
  await page.fill('#update-note', 'Quarter 3: two sessions delivered, one postponed.');
  await page.click('button:has-text("Add update")');
  await page.waitForSelector('.govuk-notification-banner--success');
  const history = await page.textContent('section[aria-labelledby=progress-heading] table');
  assert.match(history, /two sessions delivered/);
  assert.match(history, /Staffordshire County Council/);
  assert.match(history, /\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}/, 'dates are written the UK way');
});

test('resolves a conflict two agents made, in one click', async () => {
  const action = await policeAction();
  // Both agents start from the service's current value; then each changes
  // it offline, differently.
  await rest(agents.council.url, 'POST', '/v1/agent:syncNow');
  await rest(agents.police.url, 'POST', '/v1/agent:syncNow');
  await rest(agents.council.url, 'PATCH', `/v1/${action.name}?updateMask=rag`, { body: { rag: 'RED' }, user: 'Sam Patel' });
  await rest(agents.police.url, 'PATCH', `/v1/${action.name}?updateMask=rag`, { body: { rag: 'BLUE' }, user: 'Alex Jones' });
  await rest(agents.council.url, 'POST', '/v1/agent:syncNow');
  await rest(agents.police.url, 'POST', '/v1/agent:syncNow');
  await go(page, service.url, '#/conflicts');
  assert.match(await page.textContent('main'), /The RAG status of an action/);
  const candidates = await page.$$eval('.app-candidate', (c) => c.map((e) => e.textContent));
  assert.ok(candidates.some((c) => /Red/.test(c) && /South Staffordshire Council/.test(c)), candidates.join('|'));
  assert.ok(candidates.some((c) => /Complete/.test(c) && /Staffordshire Police/.test(c)), candidates.join('|'));
  assert.equal(candidates.length, 2, candidates.join('|'));
  await checkPage(page, 'conflicts');
  const index = candidates.findIndex((c) => /Red/.test(c));
  await page.click(`.app-candidate:nth-child(${index + 1}) button`);
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await page.textContent('main'), /no open conflicts/);
  const resolved = await rest(service.url, 'GET', `/v1/${action.name}`, { organisation: COUNTY });
  assert.equal(resolved.rag, 'RED');
});

test('shows the county dashboard, live', async () => {
  await go(page, service.url, '#/dashboard');
  assert.match(await page.textContent('main'), /By district/);
  // The partners' agents all synced during this test.
  assert.match(await page.textContent('main'),
    /Partners not synced in 7 days\s*All \d+ partner agents? ha(s|ve) synced in the last 7 days/);
  assert.match(await page.textContent('main'), /Last updated \d{1,2} [A-Z][a-z]+ \d{4} at/);
  await checkPage(page, 'dashboard');
  // An update asked for is announced.
  await page.click('button:has-text("Update now")');
  await page.waitForFunction(() => /Last updated/.test(document.querySelector('main [role=status]').textContent));
});

test('imports a CSV after a dry run that shows warnings by line', async () => {
  const csv = path.join(work, 'lichfield.csv');
  fs.writeFileSync(csv, 'strand,activity,lead organisations,lead officer,action,timescale,rag,owner\n' +
    'Ideology,Community tension monitoring,Lichfield District Council,Officer,Monthly tension report,sometime soon,,\n' +
    'Ideology,Community tension monitoring,Lichfield District Council,Officer,Quarterly review,Ongoing,GREEN,\n');
  await go(page, service.url, '#/import');
  await checkPage(page, 'import');
  await page.setInputFiles('#import-file', csv);
  await page.fill('#import-plan', 'lichfield');
  await page.fill('#import-title', 'Lichfield Prevent Action Plan');
  await page.click('button:has-text("Check the file")');
  await page.waitForSelector('h2:has-text("What the import would do")');
  const preview = await page.textContent('main');
  assert.match(preview, /Nothing has been written yet/);
  assert.match(preview, /2 actions/);
  assert.match(await page.textContent('main table'), /2.*not a month/s);
  const before = await fetch(`${service.url}/v1/plans/lichfield`, { headers: { 'X-Prevent-Organisation': COUNTY } });
  assert.equal(before.status, 404, 'the dry run wrote nothing');
  await checkAxe(page, 'import preview');
  await page.screenshot({ path: path.join(shots, 'import-preview-wide.png'), fullPage: true });
  await page.click('button:has-text("Import")');
  await page.waitForSelector('.govuk-notification-banner--success');
  const plan = await rest(service.url, 'GET', '/v1/plans/lichfield', { organisation: COUNTY });
  assert.equal(plan.title, 'Lichfield Prevent Action Plan');
});

test('exports a plan as CSV', async () => {
  await go(page, service.url, `#/export?plan=${encodeURIComponent(PLAN)}`);
  await checkPage(page, 'export');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('button:has-text("Download")'),
  ]);
  const file = path.join(work, 'export.csv');
  await download.saveAs(file);
  const action = await policeAction();
  assert.ok(fs.readFileSync(file, 'utf8').includes(action.description.split(',')[0]));
  // UTF-8 after a byte order mark, so that Excel reads it as UTF-8.
  assert.match(fs.readFileSync(file, 'utf8'), /^\uFEFFstrand,activity,lead organisations/);
});

test('on an agent, asks for a name, shows sync status and syncs now', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const agentPage = await context.newPage();
  agentPage.on('pageerror', (error) => assert.fail(`script error: ${error.message}`));
  await agentPage.goto(`${agents.council.url}/`);
  assert.equal(await heading(agentPage), 'Who is using this computer?');
  await checkPage(agentPage, 'agent-name');
  await agentPage.fill('#person-name', 'Siân Evans');
  await agentPage.click('button:has-text("Continue")');
  await agentPage.waitForSelector('.govuk-error-summary');
  await agentPage.fill('#person-name', 'Sian Evans');
  await agentPage.click('button:has-text("Continue")');
  await agentPage.waitForSelector('h1:has-text("My actions")');
  assert.match(await agentPage.textContent('#who'), /Sian Evans, for South Staffordshire Council/);
  // An edit made here is the person's, and waits to be sent.
  const action = await policeAction();
  await go(agentPage, agents.council.url, `#/${action.name}`);
  await agentPage.fill('#edit-description', 'Edited on the agent, offline');
  await agentPage.click('button:has-text("Save changes")');
  await agentPage.waitForSelector('.govuk-notification-banner--success');
  await go(agentPage, agents.council.url, '#/sync');
  assert.match(await agentPage.textContent('main .govuk-summary-list'), /Changes waiting to be sent\s*1/);
  await checkPage(agentPage, 'agent-sync');
  await agentPage.click('button:has-text("Sync now")');
  await agentPage.waitForSelector('.govuk-notification-banner--success');
  assert.match(await agentPage.textContent('.govuk-notification-banner'), /Synced: 1 change sent/);
  assert.match(await agentPage.textContent('main .govuk-summary-list'), /Changes waiting to be sent\s*0/);
  const since = new Date(Date.now() - 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const changes = await rest(service.url, 'GET', `/v1/${PLAN}/changes?since=${since}&pageSize=1000`, { organisation: COUNTY });
  assert.ok((changes.changes || []).some((c) => c.newValue === 'Edited on the agent, offline' && c.user === 'Sian Evans'),
    'the change carries the name given');
  await context.close();
});

test('signs out', async () => {
  await go(page, service.url, '#/');
  await page.click('button:has-text("Sign out")');
  await page.waitForSelector('h1:has-text("Sign in")');
  const session = await page.evaluate(async () => (await fetch('/auth/session')).json());
  assert.equal(session.signedIn, false);
  assert.equal((await page.context().cookies()).find((c) => c.name === 'prevent-session'), undefined);
});
