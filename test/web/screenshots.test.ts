/**
 * Screenshots of every tab, light and dark, at desktop size, against a real daemon with
 * traffic: test-artifacts/screenshots/<tab>-<theme>.png (plus the log inspector and the rule
 * editor). Phone-sized ones come from layout.test.ts. Each page is also checked to have
 * rendered its data, not a loading or error panel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { ensureWebBuilt, launchBrowser, newContext, screenshot, watchPage } from './harness.js';

const TABS = ['aliases', 'downstreams', 'rules', 'logs', 'dashboard', 'playground', 'settings'] as const;

describe('web UI screenshots (desktop, light and dark)', () => {
  let mock: MockProvider;
  let d: TestDaemon;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    browser = await launchBrowser();
    await ensureWebBuilt();
    mock = await startMockProvider((r) => ({
      model: String(r.body.model ?? 'x'),
      text: 'The capital of France is Paris.',
      reasoning: 'Simple geography.',
      usage: { input: 24, output: 9, cacheRead: 8 },
    }));
    d = await startTestDaemon({
      capture_payloads: true,
      downstreams: [
        {
          id: 'openai',
          name: 'OpenAI',
          api_formats: ['openai', 'openai_responses'],
          base_url: mock.url,
          api_key: 'sk-shot-openai-0001',
          output_model_ids: ['gpt-4o', 'gpt-4o-mini'],
        },
        {
          id: 'anthropic',
          name: 'Anthropic',
          api_formats: ['anthropic'],
          base_url: mock.url,
          api_key: 'sk-ant-shot-0002',
          output_model_ids: ['claude-sonnet-4-20250514'],
        },
        { id: 'gemini', name: 'Google', api_formats: ['gemini'], base_url: mock.url, api_key: 'shot-gemini-0003', output_model_ids: ['gemini-2.5-pro'] },
      ],
      aliases: [
        {
          input_model_id: 'gpt-4o',
          fallback: true,
          options: [
            { id: 'gpt4o-openai', downstream_id: 'openai', output_model_id: 'gpt-4o' },
            { id: 'gpt4o-claude', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: true },
            { id: 'gpt4o-gemini', downstream_id: 'gemini', output_model_id: 'gemini-2.5-pro' },
          ],
        },
        {
          input_model_id: 'claude-.*',
          is_regex: true,
          options: [{ id: 'claude-any', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: true }],
        },
      ],
      rules: [
        {
          id: 'chat-anthropic',
          name: 'Chat Completions -> Anthropic',
          pattern_path: '/v1/chat/completions',
          pattern_models: ['gpt-4o'],
          match_downstream_format: ['anthropic'],
          pipeline_config: [
            { plugin_id: 'openai2anthropic' },
            { plugin_id: 'custom_header', config: { headers: { 'x-team': 'web' } } },
            { plugin_id: 'remove_thinking', is_enabled: false },
          ],
        },
      ],
    });
    const send = (body: unknown) =>
      fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) =>
        r.text(),
      );
    await send({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    await send({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'And stream it, please.' }] });
    await send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await send({ model: 'unknown-model', messages: [{ role: 'user', content: 'hi' }] });
  });

  after(async () => {
    await browser?.close();
    await d?.close();
    await mock?.close();
  });

  it('saves every tab, the log inspector and the rule editor, in both themes', async () => {
    const saved = await Promise.all(
      (['light', 'dark'] as const).map(async (theme) => {
        const c = await newContext(browser, { colorScheme: theme, width: 1280, height: 800 });
        const p = await c.newPage();
        watchPage(p, problems);
        const out: string[] = [];
        for (const t of TABS) {
          await p.goto(`${d.url}/${t}`);
          await p.locator('h1').first().waitFor();
          await p.locator('.loading').waitFor({ state: 'detached' });
          if (t === 'aliases') await p.locator('li.group').first().waitFor();
          if (t === 'logs') await p.locator('tr.log-row').nth(3).waitFor();
          if (t === 'dashboard') await p.locator('.chart canvas').nth(1).waitFor();
          assert.equal(await p.locator('[role=alert]').count(), 0, `${t}: no error panel`);
          assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), theme);
          out.push(await screenshot(p, `${t}-${theme}`));
          if (t === 'logs') {
            await p
              .locator('tr.log-row', { hasText: 'stream' })
              .getByRole('button', { name: /Inspect request/ })
              .click();
            await p.getByRole('region', { name: 'Returned to client' }).locator('.stream-view').waitFor();
            out.push(await screenshot(p, `inspector-${theme}`));
            await p.keyboard.press('Escape');
          }
          if (t === 'rules') {
            await p.getByRole('button', { name: 'Edit rule chat-anthropic' }).click();
            await p.getByRole('dialog').locator('li[data-step="custom_header"]').waitFor();
            out.push(await screenshot(p, `rule-editor-${theme}`));
            await p.keyboard.press('Escape');
          }
        }
        await c.close();
        return out;
      }),
    );
    assert.equal(saved.flat().length, 2 * (TABS.length + 2));
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
