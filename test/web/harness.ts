import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh } from '../../scripts/freshness.mjs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Shared set-up of the web UI's browser tests: a built UI, a real Chromium, error capture. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
export const CHROMIUM = process.env.TRESOR_CHROMIUM ?? '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A real Chromium; a missing browser fails the test with the way to install it (never a skip). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the web UI tests drive a real browser. Install it with scripts/ensure-chromium.sh (Debian's chromium package), or point TRESOR_CHROMIUM at one.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Build web/dist when it is missing or older than its sources (the daemon serves it). */
export async function ensureWebBuilt(): Promise<void> {
  const index = join(WEB, 'dist', 'index.html');
  if (isFresh(index, [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts')])) return;
  const { build } = await import('vite');
  await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  if (!existsSync(index)) throw new Error('vite build produced no web/dist/index.html');
}

/** Uncaught page errors and Content-Security-Policy violations, collected for a final assert. */
export function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(t)) problems.push(`CSP: ${t}`);
  });
}

/** A browser context; a step that cannot find what it waits for fails in seconds, not 30 s. */
export async function newContext(browser: Browser, opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 }, colorScheme: opts.colorScheme ?? 'light' });
  ctx.setDefaultTimeout(8000);
  return ctx;
}

/** A page in a new context (see newContext) whose errors and CSP violations go to `problems`. */
export async function watchedPage(browser: Browser, problems: string[], opts?: Parameters<typeof newContext>[1]): Promise<Page> {
  const page = await (await newContext(browser, opts)).newPage();
  watchPage(page, problems);
  return page;
}

/** Close what a suite opened, in order; what a failed `before` never opened is skipped. */
export async function closeAll(...things: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  for (const t of things) await t?.close();
}

/** Close a dialog a failed earlier step left open, so the next step starts from the page. */
export async function closeDialogs(page: Page): Promise<void> {
  for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()) > 0; i++) await page.keyboard.press('Escape');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Wait until fn() holds (polling), or fail with what it last returned. */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
