/**
 * Editing the configuration from the web UI, in a real Chromium against a real daemon with
 * mock providers: no-password mode, rollback of a refused switch, keyboard use, groups and
 * options, per-format URLs, fetch-models, the delete confirmation, settings; and, with a
 * password, changing it and an expired session.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import YAML from 'yaml';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { closeAll, closeDialogs, ensureWebBuilt, eventually, launchBrowser, watchedPage } from './harness.js';

/** A provider that only lists models (GET /v1/models), for "fetch models from provider". */
async function startModelLister(ids: string[]): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model' })) }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not here' } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}

describe('web UI without an admin password', () => {
  let alpha: MockProvider;
  let lister: Awaited<ReturnType<typeof startModelLister>>;
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const yaml = () => YAML.parse(readFileSync(d.configPath, 'utf8'));
  const option = (id: string, model: string) => page.getByRole('button', { name: new RegExp(`^${model} .*${id}`) });

  before(async () => {
    // The browser first: without one, fail at once with how to install it.
    browser = await launchBrowser();
    await ensureWebBuilt();
    alpha = await startMockProvider((r) => ({ model: String(r.body.model ?? 'x'), text: 'Hello from alpha.', usage: { input: 7, output: 3 } }));
    lister = await startModelLister(['lm-small', 'lm-large']);
    d = await startTestDaemon({
      downstreams: [
        { id: 'alpha', api_formats: ['openai'], base_url: alpha.url, api_key: 'sk-alpha-0000', output_model_ids: ['alpha-large', 'alpha-small'] },
        { id: 'beta', api_formats: ['openai'], base_url: alpha.url, api_key: 'sk-beta-1111', output_model_ids: ['beta-chat'] },
        { id: 'gamma', api_formats: ['openai'], base_url: lister.url, api_key: 'sk-gamma-secret-2222', output_model_ids: [] },
      ],
      aliases: [
        {
          input_model_id: 'gpt-4o',
          options: [
            { id: 'o-alpha', downstream_id: 'alpha', output_model_id: 'alpha-large', is_active: true },
            { id: 'o-beta', downstream_id: 'beta', output_model_id: 'beta-chat' },
          ],
        },
        { input_model_id: 'fast-.*', is_regex: true, options: [{ id: 'o-fast', downstream_id: 'alpha', output_model_id: 'alpha-small', is_active: true }] },
        { input_model_id: 'spare', options: [{ id: 'o-spare', downstream_id: 'alpha', output_model_id: 'alpha-small', is_active: true }] },
      ],
      rules: [{ id: 'only-beta', match_downstreams: ['beta'], pipeline_config: [{ plugin_id: 'remove_thinking' }] }],
    });
    page = await watchedPage(browser, problems);
  });

  beforeEach(async () => {
    if (page) await closeDialogs(page);
  });

  after(() => closeAll(browser, d, alpha, lister));

  it('opens without a login, with no logout button, and marks regex groups', async () => {
    await page.goto(d.url + '/');
    await option('o-alpha', 'alpha-large').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
    assert.match(await page.locator('li[data-group="fast-.*"]').innerText(), /regex/);
  });

  it('a switch the daemon refuses rolls back and shows the server message', async () => {
    const good = readFileSync(d.configPath, 'utf8');
    writeFileSync(d.configPath, good + '\nlog_level: [broken\n');
    try {
      await option('o-beta', 'beta-chat').click();
      const alert = page.locator('li[data-group="gpt-4o"]').getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /currently invalid/);
      await eventually(async () => (await option('o-alpha', 'alpha-large').getAttribute('aria-pressed')) === 'true', 'alpha pressed again');
      assert.equal(await option('o-beta', 'beta-chat').getAttribute('aria-pressed'), 'false');
    } finally {
      writeFileSync(d.configPath, good);
    }
  });

  it('is usable from the keyboard: Tab to an option, Space activates it', async () => {
    await page.reload();
    await option('o-alpha', 'alpha-large').focus();
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await option('o-beta', 'beta-chat').evaluate((el) => el === document.activeElement);
    }
    assert.ok(reached, 'the other option is reachable with Tab');
    await page.keyboard.press('Space');
    await eventually(async () => (await option('o-beta', 'beta-chat').getAttribute('aria-pressed')) === 'true', 'beta pressed');
    await eventually(() => yaml().aliases[0].options[1].is_active === true, 'the switch in the file');
    // Escape closes a dialog and focus can leave it
    await page.getByRole('button', { name: 'Edit group gpt-4o' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('flags a group whose option points at a missing downstream', async () => {
    // A valid file cannot hold such an option; the API answer is altered to show the flag.
    await page.route('**/api/aliases', async (route) => {
      const res = await route.fetch();
      const groups = (await res.json()) as { options: { downstream_id: string }[] }[];
      groups[1].options[0].downstream_id = 'vanished';
      await route.fulfill({ response: res, json: groups });
    });
    await page.reload();
    const card = page.locator('li[data-group="fast-.*"]');
    await card.getByText('missing downstream').first().waitFor();
    assert.match(await card.innerText(), /points at downstream "vanished"/);
    assert.doesNotMatch(await page.locator('li[data-group="gpt-4o"]').innerText(), /missing/);
    await page.unroute('**/api/aliases');
  });

  it('edits a group (rename keeps its place), adds and deletes options, deletes a group', async () => {
    await page.goto(d.url + '/aliases');
    await page.getByRole('button', { name: 'Edit group fast-.*' }).click();
    let dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Regex group (the name is a pattern)').isChecked(), true);
    await dialog.getByLabel('Model name apps ask for').fill('quick-.*');
    await dialog.getByLabel('Fall back to the next options when the active one fails').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('li[data-group="quick-.*"]').waitFor();
    let cfg = yaml();
    assert.deepEqual(
      cfg.aliases.map((g: { input_model_id: string }) => g.input_model_id),
      ['gpt-4o', 'quick-.*', 'spare'],
    );
    assert.equal(cfg.aliases[1].is_regex, true);
    assert.equal(cfg.aliases[1].fallback, true);
    assert.match(await page.locator('li[data-group="quick-.*"]').innerText(), /regex[\s\S]*fallback/);

    await page.getByRole('button', { name: 'Add option to spare' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Downstream', { exact: true }).selectOption('beta');
    await dialog.getByLabel('Model sent to the downstream').fill('beta-chat');
    await dialog.getByLabel('Option id').fill('o-spare2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete option o-spare', exact: true }).click();
    dialog = page.getByRole('dialog');
    assert.match(await dialog.innerText(), /It is the active option: spare switches to another option/);
    await dialog.getByRole('button', { name: 'Delete option' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => (await option('o-spare2', 'beta-chat').getAttribute('aria-pressed')) === 'true', 'the remaining option active');
    cfg = yaml();
    assert.deepEqual(cfg.aliases[2].options, [{ id: 'o-spare2', downstream_id: 'beta', output_model_id: 'beta-chat', is_active: true }]);

    await page.getByRole('button', { name: 'Delete group spare' }).click();
    dialog = page.getByRole('dialog');
    assert.match(await dialog.innerText(), /o-spare2/);
    await dialog.getByRole('button', { name: 'Delete group' }).click();
    await page.locator('li[data-group="spare"]').waitFor({ state: 'detached' });
    assert.deepEqual(
      yaml().aliases.map((g: { input_model_id: string }) => g.input_model_id),
      ['gpt-4o', 'quick-.*'],
    );
  });

  it('per-format URL overrides are written, and removed when cleared', async () => {
    await page.goto(d.url + '/downstreams');
    await page.getByRole('button', { name: 'Edit downstream gamma' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('Gemini', { exact: true }).check();
    await dialog.getByLabel('Gemini URL').fill('http://127.0.0.1:9/gemini');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    let gamma = yaml().downstreams.find((x: { id: string }) => x.id === 'gamma');
    assert.deepEqual(gamma.api_formats, ['openai', 'gemini']);
    assert.deepEqual(gamma.format_urls, { gemini: 'http://127.0.0.1:9/gemini' });
    assert.match(await page.locator('tr[data-downstream="gamma"]').innerText(), /gemini: http:\/\/127\.0\.0\.1:9\/gemini/);
    await page.getByRole('button', { name: 'Edit downstream gamma' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Gemini URL').fill('');
    await dialog.getByLabel('Gemini', { exact: true }).uncheck();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    gamma = yaml().downstreams.find((x: { id: string }) => x.id === 'gamma');
    assert.deepEqual(gamma.api_formats, ['openai']);
    assert.equal(gamma.format_urls, undefined);
  });

  it('edits a downstream: fetches models from the provider to pick from; the stored key is kept', async () => {
    await page.goto(d.url + '/downstreams');
    await page.getByRole('button', { name: 'Edit downstream gamma' }).click();
    const dialog = page.getByRole('dialog');
    assert.match(await dialog.getByLabel('API key', { exact: true }).inputValue(), /^sk-…2222$/);
    await dialog.getByRole('button', { name: 'Fetch models from provider' }).click();
    await dialog.getByText('2 models offered by the provider').waitFor();
    await dialog.getByLabel('lm-large').check();
    await dialog.getByRole('button', { name: 'Add 1 selected' }).click();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    const gamma = yaml().downstreams.find((x: { id: string }) => x.id === 'gamma');
    assert.deepEqual(gamma.output_model_ids, ['lm-large']);
    assert.equal(gamma.api_key, 'sk-gamma-secret-2222', 'the key was not touched');
    assert.match(await page.locator('tr[data-downstream="gamma"]').innerText(), /1 model/);
  });

  it('a failed provider call shows the server error in the form', async () => {
    await page.getByRole('button', { name: 'Edit downstream alpha' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Fetch models from provider' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.ok((await alert.innerText()).length > 20, 'a real message, not an empty panel');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('delete confirmation says what else changes, and deleting does it', async () => {
    await page.getByRole('button', { name: 'Delete downstream beta' }).click();
    const dialog = page.getByRole('dialog');
    const text = await dialog.innerText();
    assert.match(text, /o-beta \(group gpt-4o\)/);
    assert.match(text, /rule only-beta — names no other downstream, so it is disabled/);
    assert.match(text, /group gpt-4o — its active option goes away; o-alpha becomes active/);
    await dialog.getByRole('button', { name: 'Delete downstream' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('tr[data-downstream="beta"]').waitFor({ state: 'detached' });
    const cfg = yaml();
    assert.equal(
      cfg.downstreams.some((x: { id: string }) => x.id === 'beta'),
      false,
    );
    assert.deepEqual(
      cfg.aliases[0].options.map((o: { id: string; is_active?: boolean }) => [o.id, o.is_active]),
      [['o-alpha', true]],
    );
    assert.equal(cfg.rules[0].is_enabled, false);
  });

  it('settings are written to the file; proxy keys come back masked', async () => {
    await page.goto(d.url + '/settings');
    await page.getByLabel('Log level').selectOption('warn');
    await page.getByLabel('Capture payloads').check();
    await page.getByLabel('Retry on empty').check();
    await page.getByLabel('Proxy API keys', { exact: true }).fill('sk-proxy-e2e-4321');
    await page.getByLabel('Proxy API keys', { exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    const cfg = yaml();
    assert.equal(cfg.log_level, 'warn', readFileSync(d.configPath, 'utf8'));
    assert.equal(cfg.capture_payloads, true);
    assert.equal(cfg.retry_on_empty, true);
    assert.deepEqual(cfg.proxy_api_keys, ['sk-proxy-e2e-4321']);
    await page.reload();
    await page.getByText('sk-…4321').waitFor();
    assert.doesNotMatch(await page.content(), /sk-proxy-e2e-4321/);
    // turning retry_on_empty back off is written too
    await page.getByLabel('Retry on empty').uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal(yaml().retry_on_empty, false);
    assert.deepEqual(yaml().proxy_api_keys, ['sk-proxy-e2e-4321'], 'the masked key sent back keeps the stored one');
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});

describe('web UI with an admin password: logout and an expired session', () => {
  let d: TestDaemon;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    // The browser first: without one, fail at once with how to install it.
    browser = await launchBrowser();
    await ensureWebBuilt();
    d = await startTestDaemon({ admin_password: 'zero-pw' });
    page = await watchedPage(browser, problems);
  });

  after(() => closeAll(browser, d));

  it('changing the password in Settings keeps this browser logged in', async () => {
    await page.goto(d.url + '/settings');
    await page.getByLabel('Admin password').fill('zero-pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByLabel('New password').fill('first-pw');
    await page.getByLabel('Repeat password').fill('first-pw');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password saved.').waitFor();
    assert.equal(YAML.parse(readFileSync(d.configPath, 'utf8')).admin_password, 'first-pw');
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Admin password').count(), 0, 'no login asked');
  });

  it('an expired session returns to the login; logging in again works; logout ends it', async () => {
    await page.goto(d.url + '/rules');
    await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
    // Another admin changes the password: every session ends.
    const res = await fetch(`${d.url}/api/config`, {
      method: 'PUT',
      headers: { authorization: 'Bearer first-pw', 'content-type': 'application/json' },
      body: JSON.stringify({ admin_password: 'second-pw' }),
    });
    assert.equal(res.status, 200);
    await page.getByRole('link', { name: 'Downstreams' }).click();
    await page.getByText('Your session has expired').waitFor();
    await page.getByLabel('Admin password').fill('second-pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Downstreams', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Admin password').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/auth/status')).json());
    assert.equal((status as { authenticated: boolean }).authenticated, false);
  });

  it('raised no page errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
