import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSkip, newPage, useBrowser } from '../support/browser.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('API reference at /docs [browser]', (server) => {
  const browser = useBrowser();

  it('renders the reference under the portal’s policy, with the project’s name and a way back to the portal', {
    skip: browserSkip,
  }, async () => {
    const { context, page } = await newPage(browser(), server().url);
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text());
    });
    await page.goto('/docs');
    // Swagger UI parses 1.7 MB of script and the whole document first: on two busy cores, more than the default wait.
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 45_000 });
    assert.match((await page.locator('.swagger-ui .info .title').textContent()) ?? '', /^Licentia API/);
    await page.locator('.opblock-tag', { hasText: 'Entitlements' }).first().waitFor();
    assert.equal(await page.title(), 'Licentia API reference');
    // Swagger UI sets one style attribute that the portal's policy refuses; nothing it needs to render.
    assert.deepEqual(
      refused.filter((text) => !/^Applying inline style violates/.test(text)),
      [],
      'no script refused by the Content-Security-Policy, no script errors',
    );
    await page.getByRole('link', { name: 'Back to the portal' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in' || url.pathname.startsWith('/portal'));
    await context.close();
  });
});
