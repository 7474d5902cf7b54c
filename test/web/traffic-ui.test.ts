/**
 * Traffic in the web UI, in a real Chromium against a real daemon with a mock provider: the
 * playground in all four client formats (buffered and streamed) with the request sent
 * downstream, the live log's filters and colours, the dashboard, and error display.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { makeEntry } from '../observe/harness.js';
import type { Observability } from '../../src/observe/index.js';
import { closeAll, closeDialogs, ensureWebBuilt, eventually, launchBrowser, watchedPage } from './harness.js';

describe('web UI traffic: playground, live log, dashboard', () => {
  let alpha: MockProvider;
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    // The browser first: without one, fail at once with how to install it.
    browser = await launchBrowser();
    await ensureWebBuilt();
    alpha = await startMockProvider((r) => ({ model: String(r.body.model ?? 'x'), text: 'Hello from alpha.', usage: { input: 7, output: 3 } }));
    d = await startTestDaemon({
      capture_payloads: true,
      proxy_api_keys: ['sk-proxy-e2e-4321'],
      downstreams: [{ id: 'alpha', api_formats: ['openai'], base_url: alpha.url, api_key: 'sk-alpha-0000', output_model_ids: ['alpha-large'] }],
      aliases: [{ input_model_id: 'gpt-4o', options: [{ id: 'o-alpha', downstream_id: 'alpha', output_model_id: 'alpha-large', is_active: true }] }],
    });
    page = await watchedPage(browser, problems);
  });

  beforeEach(async () => {
    if (page) await closeDialogs(page);
  });

  after(() => closeAll(browser, d, alpha));

  for (const format of ['openai', 'openai_responses', 'anthropic', 'gemini'] as const) {
    it(`playground (${format} client): answer, and the request actually sent downstream`, async () => {
      await page.goto(d.url + '/playground');
      await page.getByLabel('Gateway API key').fill('sk-proxy-e2e-4321');
      await page.getByLabel('Gateway API key').blur(); // the model list is asked for with the key
      // the key field appears late (once settings say keys are needed): it must still be the one its label names
      assert.equal(await page.getByLabel('Gateway API key').getAttribute('type'), 'password');
      assert.equal(
        await page.evaluate(() => new Set([...document.querySelectorAll('[id]')].map((e) => e.id)).size === document.querySelectorAll('[id]').length),
        true,
        'unique ids',
      );
      await page.getByLabel('Client format').selectOption(format);
      // The tab fills in the first model of GET /v1/models when the list arrives; landing in
      // the middle of fill() it made "gpt-4ogpt-4o".
      const modelField = page.getByLabel('Model', { exact: true });
      await eventually(async () => (await modelField.inputValue()) !== '', 'the model list to fill in a model');
      await modelField.fill('gpt-4o');
      assert.equal(await modelField.inputValue(), 'gpt-4o');
      await page.getByLabel('Prompt').fill(`hello via ${format}`);
      await page.getByRole('button', { name: 'Send' }).click();
      // on a timeout, say what the page shows instead (the answer, error banners, invalid fields)
      let shown = '';
      await eventually(
        async () => {
          const now = await page.evaluate(() => ({
            answer: document.querySelector('[data-answer]')?.textContent ?? null,
            alerts: [...document.querySelectorAll('[role="alert"]')].map((a) => a.textContent),
            invalid: [...document.querySelectorAll(':invalid')].map((e) => e.id || e.tagName),
          }));
          shown = JSON.stringify(now);
          return /Hello from alpha/.test(now.answer ?? '');
        },
        'the answer',
        20_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; the page shows ${shown}`);
      });
      const sent = page.getByRole('region', { name: 'What the gateway sent downstream' });
      await sent.getByRole('region', { name: 'Sent downstream' }).waitFor();
      const body = await sent.getByRole('region', { name: 'Sent downstream' }).innerText();
      assert.match(body, /"model": "alpha-large"/);
      assert.match(body, new RegExp(`hello via ${format}`));
      const last = alpha.requests[alpha.requests.length - 1];
      assert.equal(last.body.model, 'alpha-large');
      assert.deepEqual(last.problems, []);
    });
  }

  it('playground streams (anthropic client): the events are reassembled into the answer', async () => {
    await page.getByLabel('Client format').selectOption('anthropic');
    await page.getByLabel('Model', { exact: true }).fill('gpt-4o');
    await page.getByLabel('Stream', { exact: true }).check();
    await page.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => (await page.locator('[data-answer]').innerText()) === 'Hello from alpha.', 'the streamed answer');
    const last = alpha.requests[alpha.requests.length - 1];
    assert.equal(last.stream, true, 'streamed upstream too');
    await page.getByLabel('Stream', { exact: true }).uncheck();
  });

  it('playground: a gateway error is shown with its message', async () => {
    await page.getByLabel('Client format').selectOption('openai');
    await page.getByLabel('Model', { exact: true }).fill('no-such-model');
    await page.getByRole('button', { name: 'Send' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The gateway answered with an error' }).filter({ hasText: 'no-such-model' });
    await alert.waitFor();
  });

  it('the live log filters by status and colours errors', async () => {
    await page.goto(d.url + '/logs');
    await page.locator('tr.log-row').first().waitFor();
    const rows = page.locator('tr.log-row');
    assert.ok((await rows.count()) >= 5);
    await page.getByLabel('Status').selectOption('4xx');
    await eventually(
      async () => (await rows.count()) >= 1 && (await rows.evaluateAll((els) => els.every((e) => /^4/.test(e.getAttribute('data-status') ?? '')))),
      'only 4xx rows',
    );
    assert.match((await rows.first().getAttribute('class')) ?? '', /tone-warn/);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search').fill('zzz-nothing-matches');
    await page.getByText('No request matches these filters.').waitFor();
  });

  it('the live log counts what a busy moment left out of the live stream', async () => {
    await page.goto(d.url + '/logs');
    await page.locator('.live-dot.live').waitFor();
    // far more entries at once than one send carries (500 events for all viewers together)
    const obs = d.daemon.ctx.services.observability as Observability;
    for (let i = 0; i < 700; i++) obs.observer.finished(makeEntry({ id: `burst-${i}`, model: 'burst-model' }));
    const note = page.getByText(/not shown live$/);
    await note.waitFor();
    assert.match(await note.innerText(), /^\d+ not shown live$/);
    assert.ok(Number((await note.innerText()).split(' ')[0]) >= 200, await note.innerText());
    await page.locator('tr.log-row[data-log-id="burst-699"]').waitFor(); // the newest one is in the table
  });

  it('the dashboard charts requests, tokens and errors with uPlot, and breaks them down', async () => {
    await page.goto(d.url + '/dashboard');
    await page.locator('.chart canvas').nth(1).waitFor();
    assert.equal(await page.locator('.chart canvas').count(), 2);
    const kpi = await page.locator('.kpi').first().innerText();
    assert.match(kpi, /Requests\s+\d+/i);
    assert.ok(Number(/(\d+)/.exec(kpi)![1]) >= 5);
    assert.match(await page.getByRole('region', { name: 'By model' }).innerText(), /gpt-4o/);
    assert.match(await page.getByRole('region', { name: 'By downstream' }).innerText(), /alpha/);
  });

  it('every failed call shows the server message, never a blank panel', async () => {
    await page.route('**/api/rules', (route) => route.fulfill({ status: 500, json: { error: 'the rules store is on fire' } }));
    await page.goto(d.url + '/rules');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /the rules store is on fire/);
    await page.unroute('**/api/rules');
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
