/**
 * The web UI end to end: a real daemon (in this process) with two strict mock providers, a
 * real headless Chromium driving the built UI, the official `openai` SDK as the app. Each
 * `it` is one step of the operator's story; they run in order on the same daemon.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import YAML from 'yaml';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { closeAll, closeDialogs, ensureWebBuilt, eventually, launchBrowser, watchedPage } from './harness.js';

const PASSWORD = 'e2e-admin-pw';
const BETA_KEY = 'sk-beta-secret-98765';

interface FileConfig {
  downstreams?: { id: string; api_formats: string[]; base_url: string; api_key?: string; output_model_ids?: string[] }[];
  aliases?: { input_model_id: string; options: { id: string; downstream_id: string; output_model_id: string; is_active?: boolean }[] }[];
  rules?: {
    id: string;
    is_enabled?: boolean;
    pattern_path?: string;
    match_downstreams?: string[];
    pipeline_config: { plugin_id: string; config?: Record<string, unknown> }[];
  }[];
}

describe('web UI end to end (real daemon, mock providers, headless Chromium)', () => {
  let alpha: MockProvider;
  let beta: MockProvider;
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  let client: OpenAI;
  const problems: string[] = [];
  /** An option button, found the way a screen reader user would: by its name (model … id). */
  const option = (id: string, model: string) => page.getByRole('button', { name: new RegExp(`^${model} .*${id}`) });
  const yaml = () => YAML.parse(readFileSync(d.configPath, 'utf8')) as FileConfig;

  before(async () => {
    // The browser first: without one, fail at once with how to install it.
    browser = await launchBrowser();
    await ensureWebBuilt();
    alpha = await startMockProvider((r) => ({ model: String(r.body.model), text: 'Hello from alpha.', usage: { input: 11, output: 4 } }));
    beta = await startMockProvider((r) => ({ model: String(r.body.model), text: 'Hello from beta.', usage: { input: 13, output: 5 } }));
    d = await startTestDaemon({
      admin_password: PASSWORD,
      capture_payloads: true,
      downstreams: [
        { id: 'alpha', name: 'Alpha', api_formats: ['openai'], base_url: alpha.url, api_key: 'sk-alpha-key-1111', output_model_ids: ['alpha-large'] },
      ],
      aliases: [{ input_model_id: 'claude-3', options: [{ id: 'claude3-alpha', downstream_id: 'alpha', output_model_id: 'alpha-large', is_active: true }] }],
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${d.url}/v1`, maxRetries: 0 });
    page = await watchedPage(browser, problems);
  });

  beforeEach(async () => {
    if (page) await closeDialogs(page);
  });

  after(() => closeAll(browser, d, alpha, beta));

  it('logs in (a wrong password shows the server message)', async () => {
    await page.goto(d.url + '/');
    await page.getByLabel('Admin password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Aliases', level: 1 }).waitFor();
    await option('claude3-alpha', 'alpha-large').waitFor();
  });

  it('creates a downstream through the form; the key is stored, and shown only masked', async () => {
    await page.getByRole('link', { name: 'Downstreams' }).click();
    await page.getByRole('button', { name: 'New downstream' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Id', { exact: true }).fill('beta');
    await dialog.getByLabel('Display name').fill('Beta');
    await dialog.getByLabel('OpenAI Chat', { exact: true }).uncheck();
    await dialog.getByLabel('Anthropic', { exact: true }).check();
    await dialog.getByLabel('Base URL', { exact: true }).fill(beta.url);
    await dialog.getByLabel('API key', { exact: true }).fill(BETA_KEY);
    await dialog.getByRole('button', { name: 'Reveal' }).click();
    assert.equal(await dialog.getByLabel('API key', { exact: true }).inputValue(), BETA_KEY);
    assert.equal(await dialog.getByLabel('API key', { exact: true }).getAttribute('type'), 'text');
    await dialog.getByLabel('Model ids', { exact: true }).fill('beta-chat');
    await dialog.getByLabel('Model ids', { exact: true }).press('Enter');
    await dialog.getByRole('button', { name: 'Create downstream' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-downstream="beta"]');
    await row.waitFor();
    assert.match(await row.innerText(), /anthropic/);
    assert.match(await row.innerText(), /1 model/);
    assert.doesNotMatch(await page.content(), new RegExp(BETA_KEY), 'the secret never reaches the page');
    const ds = yaml().downstreams?.find((x) => x.id === 'beta');
    assert.ok(ds, 'beta is in the YAML file');
    assert.deepEqual(ds.api_formats, ['anthropic']);
    assert.equal(ds.base_url, beta.url);
    assert.equal(ds.api_key, BETA_KEY);
    assert.deepEqual(ds.output_model_ids, ['beta-chat']);
  });

  it('creates an alias group with two options', async () => {
    await page.getByRole('link', { name: 'Aliases' }).click();
    await page.getByRole('button', { name: 'New alias group' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('Model name apps ask for').fill('gpt-4o');
    await dialog.getByLabel('Downstream', { exact: true }).selectOption('alpha');
    await dialog.getByLabel('Model sent to the downstream').fill('alpha-large');
    await dialog.getByLabel('Option id').fill('gpt4o-alpha');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Add option to gpt-4o' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Downstream', { exact: true }).selectOption('beta');
    await dialog.getByLabel('Model sent to the downstream').fill('beta-chat');
    await dialog.getByLabel('Option id').fill('gpt4o-beta');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const a = option('gpt4o-alpha', 'alpha-large');
    const b = option('gpt4o-beta', 'beta-chat');
    assert.equal(await a.getAttribute('aria-pressed'), 'true');
    assert.equal(await b.getAttribute('aria-pressed'), 'false');
    const g = yaml().aliases?.find((x) => x.input_model_id === 'gpt-4o');
    assert.ok(g, 'the group is in the YAML file');
    assert.deepEqual(
      g.options.map((o) => [o.id, o.downstream_id, o.output_model_id, o.is_active]),
      [
        ['gpt4o-alpha', 'alpha', 'alpha-large', true],
        ['gpt4o-beta', 'beta', 'beta-chat', undefined],
      ],
    );
  });

  it('creates a rule with a schema-generated plugin form; a bad value is shown on its field', async () => {
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Id', { exact: true }).fill('tag-beta');
    await dialog.getByLabel('Name', { exact: true }).fill('Tag requests to beta');
    await dialog.getByLabel('Path').fill('/v1/chat/completions');
    await dialog.getByRole('group', { name: 'Downstreams' }).getByLabel('beta').check();
    await dialog.getByLabel('Plugin to add').selectOption('custom_header');
    await dialog.getByRole('button', { name: 'Add step' }).click();
    await dialog.getByRole('button', { name: '+ Add entry' }).click();
    await dialog.getByLabel('headers name 1').fill('bad header');
    await dialog.getByLabel('headers value 1').fill('yes');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    // The API's {error, field} lands on the plugin's headers field, inside step 1.
    const stepError = dialog.locator('li[data-step="custom_header"] .field-error');
    await stepError.waitFor();
    assert.match(await stepError.innerText(), /headers.bad header/);
    assert.equal(yaml().rules?.length ?? 0, 0, 'nothing written on a refused create');
    await dialog.getByLabel('headers name 1').fill('x-tresor-e2e');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-rule="tag-beta"]');
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /path \/v1\/chat\/completions/);
    assert.match(text, /downstream beta/);
    assert.match(text, /custom_header/);
    const r = yaml().rules?.find((x) => x.id === 'tag-beta');
    assert.ok(r, 'the rule is in the YAML file');
    assert.equal(r.pattern_path, '/v1/chat/completions');
    assert.deepEqual(r.match_downstreams, ['beta']);
    assert.deepEqual(r.pipeline_config, [{ plugin_id: 'custom_header', config: { headers: { 'x-tresor-e2e': 'yes' } } }]);
    // enable/disable toggle, written through
    const toggle = row.getByRole('switch', { name: 'Rule tag-beta enabled' });
    await toggle.click();
    await eventually(() => yaml().rules?.[0]?.is_enabled === false, 'is_enabled: false in the file');
    await toggle.click();
    await eventually(() => yaml().rules?.[0]?.is_enabled === true, 'is_enabled: true in the file');
  });

  it('shows requests sent with the openai SDK in the live log', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByText('live', { exact: true }).waitFor();
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0].message.content, 'Hello from alpha.');
    assert.equal(alpha.requests.length, 1);
    assert.equal(alpha.requests[0].body.model, 'alpha-large');
    const row = page.locator('tr.log-row').first();
    await eventually(async () => /alpha/.test(await row.innerText()), 'the request in the live log');
    const text = await row.innerText();
    assert.match(text, /200/);
    assert.match(text, /gpt-4o/);
    assert.match(text, /alpha-large/);
    assert.match(text, /11 \/ 4/, 'token counts');
    assert.match((await row.getAttribute('class')) ?? '', /tone-ok/, 'status colour');
  });

  it('one click on the other option sends the next request to the other provider', async () => {
    await page.getByRole('link', { name: 'Aliases' }).click();
    const b = option('gpt4o-beta', 'beta-chat');
    await b.click();
    await eventually(async () => (await b.getAttribute('aria-pressed')) === 'true', 'beta pressed');
    assert.equal(await option('gpt4o-alpha', 'alpha-large').getAttribute('aria-pressed'), 'false');
    // the button turns at the click (the UI is optimistic); the file once the daemon answered
    const activeInFile = () =>
      yaml()
        .aliases?.find((x) => x.input_model_id === 'gpt-4o')
        ?.options.find((o) => o.is_active)?.id;
    await eventually(() => activeInFile() === 'gpt4o-beta', 'beta active in the config file');
    const g = yaml().aliases?.find((x) => x.input_model_id === 'gpt-4o');
    assert.deepEqual(
      g?.options.map((o) => [o.id, o.is_active]),
      [
        ['gpt4o-alpha', undefined],
        ['gpt4o-beta', true],
      ],
    );
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] });
    assert.equal(res.choices[0].message.content, 'Hello from beta.');
    assert.equal(alpha.requests.length, 1, 'alpha got nothing more');
    assert.equal(beta.requests.length, 1);
    assert.equal(beta.requests[0].format, 'anthropic', 'converted for the anthropic downstream');
    assert.equal(beta.requests[0].body.model, 'beta-chat');
    assert.equal(beta.requests[0].headers['x-tresor-e2e'], 'yes', 'the rule created in the UI ran');
    assert.deepEqual(beta.requests[0].problems, []);
  });

  it('the log inspector shows the four bodies and what was sent downstream', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    const row = page.locator('tr.log-row').first();
    await eventually(async () => /beta/.test(await row.innerText()), 'the beta request in the log');
    await row.getByRole('button', { name: /Inspect request/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('region', { name: 'Sent downstream' }).waitFor();
    assert.match(await dialog.getByRole('region', { name: 'Client request' }).innerText(), /"model": "gpt-4o"/);
    assert.match(await dialog.getByRole('region', { name: 'Sent downstream' }).innerText(), /"model": "beta-chat"/);
    assert.match(await dialog.getByRole('region', { name: 'Downstream response' }).innerText(), /Hello from beta/);
    assert.match(await dialog.getByRole('region', { name: 'Returned to client' }).innerText(), /Hello from beta/);
    assert.match(await dialog.locator('[data-routed-to]').innerText(), /beta \/ beta-chat/);
    await dialog.getByText('curl command').click();
    const curl = await dialog.locator('.curl pre').innerText();
    assert.match(curl, /curl -X POST '.*\/v1\/chat\/completions'/);
    assert.match(curl, /--data-raw '\{.*"gpt-4o"/s);
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
  });

  it('a streamed request is reassembled into text in the inspector; copy as curl fills the clipboard', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream it' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'Hello from beta.');
    assert.equal(beta.requests[beta.requests.length - 1].stream, true);
    const row = page.locator('tr.log-row').first();
    await eventually(async () => /stream/.test(await row.innerText()), 'the streamed request in the log');
    await row.getByRole('button', { name: /Inspect request/ }).click();
    const dialog = page.getByRole('dialog');
    const fromBeta = dialog.getByRole('region', { name: 'Downstream response' });
    const toClient = dialog.getByRole('region', { name: 'Returned to client' });
    await toClient.waitFor();
    // Both streams (Anthropic events from beta, OpenAI chunks to the client) read as the same text.
    assert.match(await fromBeta.locator('.stream-view pre').first().innerText(), /^Hello from beta\.$/);
    assert.match(await toClient.locator('.stream-view pre').first().innerText(), /^Hello from beta\.$/);
    await toClient.getByRole('button', { name: 'Raw' }).click();
    assert.match(await toClient.innerText(), /data: \[DONE\]/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: d.url });
    await dialog.getByRole('button', { name: 'Copy as curl' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(clip, /^curl -X POST '.*\/v1\/chat\/completions'/);
    assert.match(clip, /"stream":true/);
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
  });

  it('reorders groups by drag and drop and by keyboard; the order survives a reload', async () => {
    await page.getByRole('link', { name: 'Aliases' }).click();
    const names = async () => page.locator('li.group').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')));
    await page.locator('li.group').first().waitFor();
    assert.deepEqual(await names(), ['claude-3', 'gpt-4o']);
    await page.locator('li[data-group="gpt-4o"]').dragTo(page.locator('li[data-group="claude-3"]'));
    await eventually(async () => JSON.stringify(await names()) === '["gpt-4o","claude-3"]', 'gpt-4o first after the drop');
    await eventually(() => yaml().aliases?.[0]?.input_model_id === 'gpt-4o', 'the new order in the file');
    await page.reload();
    await page.locator('li.group').first().waitFor();
    assert.deepEqual(await names(), ['gpt-4o', 'claude-3']);
    // keyboard alternative: focus the move button and press Enter
    await page.getByRole('button', { name: 'Move claude-3 up' }).focus();
    await page.keyboard.press('Enter');
    await eventually(async () => JSON.stringify(await names()) === '["claude-3","gpt-4o"]', 'claude-3 first after the key press');
    await eventually(() => yaml().aliases?.[0]?.input_model_id === 'claude-3', 'the keyboard order in the file');
    await page.reload();
    await page.locator('li.group').first().waitFor();
    assert.deepEqual(await names(), ['claude-3', 'gpt-4o']);
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
