/**
 * A real browser for the web UI's tests (test/ui/*.test.ts): Debian's `chromium` driven by
 * playwright-core, which downloads no browser of its own. `.ci/run` installs chromium when it is
 * missing; CHROMIUM_PATH points elsewhere. The flags keep a headless chromium from calling home
 * (background networking, component updates, sync), which on a closed network only floods it.
 *
 * Every page records its console errors and failed requests, so a test can assert there were none.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packagePath } from '../../src/paths.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the screenshots go (linked from docs/ui.md). */
export const SCREENSHOT_DIR = packagePath('test-output', 'ui');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

export interface UiPage {
  context: BrowserContext;
  page: Page;
  /** Console errors (with the URL they are about) and uncaught exceptions seen so far. */
  errors: string[];
  /** URLs of requests the page made to any host other than the mock's. */
  foreignRequests: string[];
}

/**
 * A fresh context (its own sessionStorage) and page. Every request to a host other than the mock's is
 * blocked and recorded: the UI must work offline.
 */
export async function openUi(browser: Browser, baseUrl: string, apiKey?: string): Promise<UiPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(baseUrl).origin;
  const foreignRequests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  // Runs in the page before its own scripts (a string: this file is type-checked without the DOM).
  if (apiKey) await context.addInitScript({ content: `sessionStorage.setItem('assistants-mock.api-key', ${JSON.stringify(apiKey)});` });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // With the URL: chromium logs every failed load as "Failed to load resource" without it.
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url ?? ''}`.trim());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, errors, foreignRequests };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
