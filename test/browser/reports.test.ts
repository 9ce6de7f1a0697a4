import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable, fingerprint } from '../support/activation-fixtures.ts';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal billing report [browser]', (server) => {
  const browser = useBrowser();

  it('draws the report chart with the bundled Chart.js, without console errors, also at phone width', {
    skip: browserSkip,
  }, async () => {
    const { api, url } = server();
    const p = await partner(api, { name: 'Charted Partner' });
    const sold = await activatable(api, {
      soldTo: p.id,
      fields: { channelPartners: [{ accountId: p.id, tier: 'tier1' }] },
    });
    await api.as(null).post('/activations', { code: sold.code, fingerprint: fingerprint() });
    const user = await portalUser(api, 'admin');
    for (const viewport of [
      { width: 1280, height: 860 },
      { width: 390, height: 844 },
    ]) {
      const { context, page } = await newPage(browser(), url, viewport);
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(String(error)));
      await signIn(page, user.email);
      await page.goto('/portal/reports');
      const canvas = page.locator('canvas[data-chart]');
      await canvas.waitFor();
      await page.waitForFunction(
        () => document.querySelector('canvas[data-chart]')?.getAttribute('data-drawn') === 'true',
      );
      const drawn = await page.evaluate(() => {
        const element = document.querySelector('canvas[data-chart]') as HTMLCanvasElement;
        const chart = (
          window as unknown as {
            Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string }[] } } | undefined };
          }
        ).Chart.getChart(element);
        return { labels: chart?.data.datasets.map((d) => d.label) ?? [], width: element.width, height: element.height };
      });
      assert.ok(drawn.labels.includes('Charted Partner'), JSON.stringify(drawn));
      assert.ok(drawn.width > 0 && drawn.height > 0, 'the canvas has a size');
      assert.match(
        await page.locator('table').first().innerText(),
        /Charted Partner/,
        'the figures are in the table too',
      );
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(sideways <= 0, `the page scrolls sideways by ${sideways}px at ${viewport.width}px`);
      await page.goto('/portal');
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll('canvas[data-chart]')).every(
          (c) => c.getAttribute('data-drawn') === 'true',
        ),
      );
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});
