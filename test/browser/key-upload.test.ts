import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { describeEachBackend } from '../support/suite.ts';

/**
 * Records every value the upload's <progress> takes (portal.js sets its `value`, which the element
 * reflects as an attribute), into the test, across the navigation that follows a finished upload.
 */
async function watchProgress(page: Page): Promise<number[]> {
  const seen: number[] = [];
  await page.exposeFunction('reportProgress', (value: number) => {
    seen.push(value);
  });
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const bar = document.querySelector('progress');
      if (!bar) return;
      const report = (window as unknown as { reportProgress: (value: number) => void }).reportProgress;
      new MutationObserver(() => report(bar.hidden ? -1 : bar.value)).observe(bar, {
        attributes: true,
        attributeFilter: ['value', 'hidden'],
      });
    });
  });
  return seen;
}

const countOf = async (page: Page, state: string) =>
  (await page.locator(`[data-count="${state}"] .stat-value`).innerText()).replaceAll(',', '');

describeEachBackend('portal key upload [browser]', (server) => {
  const browser = useBrowser();

  it('uploads a key file with a progress bar, and the counts change', { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { keys: someKeys(1) });
    const user = await portalUser(api, 'operator');
    const { context, page } = await newPage(browser(), url);
    const progress = await watchProgress(page);
    await signIn(page, user.email);
    await page.goto(`/portal/entitlements/${bulk.id}/keys`);
    assert.equal(await countOf(page, 'total'), '1');
    const keys = someKeys(20_000, 'BROWSER');
    await page.getByLabel('Key file').setInputFiles({
      name: 'spring.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(`# spring\n${keys.join('\n')}\n`),
    });
    await page.getByRole('button', { name: 'Upload key file' }).click();
    await page.getByText('Loaded 20,000 keys.').waitFor();
    assert.equal(progress.at(-1), 1, `the bar went to the end (${progress.join(', ')})`);
    assert.equal(progress[0], 0, 'shown, from the start');
    assert.equal(await countOf(page, 'total'), '20001');
    assert.equal(await countOf(page, 'unredeemed'), '20001');
    await context.close();
  });

  it('shows the refused keys of a file, then loads the good ones when asked', { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { bulk, keys: existing } = await bulkWithKeys(api, { keys: someKeys(1) });
    const user = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), url);
    await signIn(page, user.email);
    await page.goto(`/portal/entitlements/${bulk.id}/keys`);
    const good = someKeys(3, 'GOOD');
    await page.getByLabel('Key file').setInputFiles({
      name: 'mixed.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from([...good, existing[0], 'x'].join('\n')),
    });
    await page.getByRole('button', { name: 'Upload key file' }).click();
    await page.getByText('2 keys of the file were refused, so none was loaded.').waitFor();
    await page.locator('#upload-result').getByText('exists already').waitFor();
    assert.equal(await countOf(page, 'total'), '1', 'nothing loaded');
    await page.getByRole('button', { name: 'Load the good keys, skip these' }).click();
    await page.getByText('Loaded 3 keys. 2 rejected keys were skipped.').waitFor();
    // The counters and the list follow at once, without a reload; the skipped keys stay in view.
    await page.waitForFunction(
      () => document.querySelector('[data-count="total"] .stat-value')?.textContent === '4',
      undefined,
      { timeout: 5000 },
    );
    assert.equal(await countOf(page, 'unredeemed'), '4');
    await page
      .locator('#keys')
      .getByText(good[0] ?? '', { exact: true })
      .waitFor();
    await page.locator('#upload-result').getByText('exists already').waitFor();
    await page.getByRole('link', { name: 'See the keys' }).click();
    await page.waitForURL(`**/portal/entitlements/${bulk.id}/keys`);
    assert.equal(await countOf(page, 'total'), '4');
    await context.close();
  });

  it('fits a phone', { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { bulk } = await bulkWithKeys(api, { generate: 30 });
    const user = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), url, { width: 390, height: 844 });
    await signIn(page, user.email);
    for (const path of [`/portal/entitlements/${bulk.id}/keys`, '/portal/stock', '/portal/register']) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scrolling of ${path} (${overflow}px)`);
    }
    await context.close();
  });
});
