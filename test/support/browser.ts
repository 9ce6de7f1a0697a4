import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import type { Api } from './http.ts';
import { created } from './fixtures.ts';

/**
 * Browser tests drive Debian's Chromium with playwright-core (no downloaded browser). In CI a
 * missing Chromium fails the run; on a developer's machine the browser tests are skipped with a
 * notice (`apt-get install -y chromium` to run them).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true')
  throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}; .ci/run installs it.`);
export const browserSkip: string | false = available
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
if (browserSkip) process.stderr.write(`\n*** Browser tests skipped: ${browserSkip} ***\n\n`);

/** One browser per test file, launched in `before` and closed in `after`. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    if (browserSkip) return;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browser not launched');
    return browser;
  };
}

/** A fresh browser profile (no cookies) with a phone or desk-sized window. */
export async function newPage(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 860 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

let users = 0;
export const PASSWORD = 'correct horse battery staple';

/** A portal user made through the API, with the shared test password. */
export async function portalUser(api: Api, role: string, accountId?: string): Promise<{ id: string; email: string }> {
  const email = `${role}-${process.pid}-${++users}@example.com`;
  return created(
    api.post('/users', {
      email,
      name: `${role[0]?.toUpperCase()}${role.slice(1)} ${users}`,
      role,
      password: PASSWORD,
      ...(accountId && { accountId }),
    }),
  );
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}
