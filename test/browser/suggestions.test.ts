import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { account } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal pickers with suggestions [browser]', (server) => {
  const browser = useBrowser();

  it('fills a long account picker’s suggestions from the server as one types, with no console errors', {
    skip: browserSkip,
  }, async () => {
    const { api, url } = server();
    for (let i = 0; i < 500; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => account(api, { name: `Filler ${i + j}` })));
    const wanted = await account(api, { name: 'Okapi Software AG' });
    const user = await portalUser(api, 'admin');
    const { context, page } = await newPage(browser(), url);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    try {
      await signIn(page, user.email);
      await page.goto('/portal/entitlements/new');
      const soldTo = page.getByLabel('Sold to');
      await soldTo.pressSequentially('okapi', { delay: 20 });
      await page.waitForFunction(() => document.querySelectorAll('#f-soldTo-choices option').length > 0);
      const offered = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#f-soldTo-choices option')).map((o) => [
          (o as HTMLOptionElement).value,
          o.textContent,
        ]),
      );
      assert.deepEqual(offered, [[wanted.id, 'Okapi Software AG']]);
      assert.equal(await soldTo.inputValue(), 'okapi', 'the typed text stays until a suggestion is picked');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
