/**
 * Every tab of the web UI at phone width and in both themes, in a real Chromium against a real
 * daemon with some traffic: no sideways scrolling at 390 px, every control labelled, the
 * theme toggle, and screenshots (test-artifacts/screenshots/phone-*.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { ensureWebBuilt, launchBrowser, newContext, screenshot, watchPage } from './harness.js';

const TABS = ['aliases', 'downstreams', 'rules', 'logs', 'dashboard', 'playground', 'settings'] as const;

describe('web UI layout, labels and themes', () => {
  let mock: MockProvider;
  let d: TestDaemon;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    // The browser first: without one, fail at once with how to install it.
    browser = await launchBrowser();
    await ensureWebBuilt();
    mock = await startMockProvider((r) => ({ model: String(r.body.model ?? 'x'), text: 'Layout test answer.', usage: { input: 20, output: 8 } }));
    d = await startTestDaemon({
      capture_payloads: true,
      downstreams: [
        {
          id: 'openai-main',
          name: 'OpenAI (main account)',
          api_formats: ['openai', 'openai_responses'],
          base_url: mock.url,
          api_key: 'sk-layout-0001',
          output_model_ids: ['gpt-4o', 'gpt-4o-mini'],
        },
        {
          id: 'anthropic',
          name: 'Anthropic',
          api_formats: ['anthropic'],
          base_url: mock.url,
          api_key: 'sk-ant-layout-0002',
          output_model_ids: ['claude-sonnet-4-20250514'],
        },
      ],
      aliases: [
        {
          input_model_id: 'gpt-4o',
          fallback: true,
          options: [
            { id: 'gpt4o-openai', downstream_id: 'openai-main', output_model_id: 'gpt-4o' },
            { id: 'gpt4o-claude-with-a-long-option-id', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: true },
          ],
        },
        {
          input_model_id: 'claude-.*-latest',
          is_regex: true,
          options: [{ id: 'claude-latest', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: true }],
        },
      ],
      rules: [
        {
          id: 'tag',
          name: 'Tag chat requests',
          pattern_path: '/v1/chat/completions',
          pattern_models: ['gpt-4o'],
          match_format: ['openai'],
          pipeline_config: [
            { plugin_id: 'custom_header', config: { headers: { 'x-team': 'web' } } },
            { plugin_id: 'remove_thinking', is_enabled: false },
          ],
        },
      ],
    });
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'no-such-model']) {
      await fetch(`${d.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    }
  });

  after(async () => {
    await browser?.close();
    await d?.close();
    await mock?.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`at 390 px (${theme}): no tab scrolls sideways and every control has a name`, async () => {
      const c = await newContext(browser, { width: 390, height: 844, colorScheme: theme });
      const p = await c.newPage();
      watchPage(p, problems);
      for (const t of TABS) {
        await p.goto(`${d.url}/${t}`);
        await p.locator('h1').first().waitFor();
        await p.locator('.loading').waitFor({ state: 'detached' });
        if (t === 'logs') await p.locator('tr.log-row').first().waitFor();
        if (t === 'dashboard') await p.locator('.chart canvas').first().waitFor();
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${t} (${theme}) scrolls sideways by ${overflow}px`);
        const unnamed = await p.evaluate(() =>
          [...document.querySelectorAll('input, select, textarea, button, a[href]')]
            .filter((el) => (el as HTMLElement).offsetParent !== null || el.closest('.switch'))
            .filter((el) => {
              const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
              const labels = (el as HTMLInputElement).labels;
              const text = el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent?.trim() : '';
              return !aria && !(labels && labels.length) && !text;
            })
            .map((el) => el.outerHTML.slice(0, 120)),
        );
        assert.deepEqual(unnamed, [], `${t}: controls without an accessible name`);
        const dupIds = await p.evaluate(() => {
          const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
          return ids.filter((id, i) => ids.indexOf(id) !== i);
        });
        assert.deepEqual(dupIds, [], `${t}: duplicate element ids (a <label for> would name the wrong control)`);
        assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), theme);
        await screenshot(p, `phone-${t}-${theme}`);
      }
      await c.close();
    });
  }

  it('the theme toggle switches light/dark and remembers the choice', async () => {
    const c = await newContext(browser, { colorScheme: 'light' });
    const page = await c.newPage();
    watchPage(page, problems);
    await page.goto(d.url + '/aliases');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(15, 18, 22)');
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await c.close();
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
