import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PASSWORD, browserSkip, newPage, portalUser, signIn, useBrowser } from '../support/browser.ts';
import { created } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('portal sign-in [browser]', (server) => {
  const browser = useBrowser();

  it('signs in with a password, shows the role, and signs out', { skip: browserSkip }, async () => {
    const user = await portalUser(server().api, 'admin');
    const { context, page } = await newPage(browser(), server().url);
    await page.goto('/');
    await page
      .getByRole('link', { name: /Sign in/ })
      .first()
      .click();
    await page.getByLabel('Email').fill(user.email.toUpperCase());
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The email or the password is not right.').waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), user.email, 'the email stays typed in');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/portal');
    assert.match(await page.locator('.whoami').innerText(), /Producer admin/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.goto('/portal/profile');
    assert.match(new URL(page.url()).pathname, /^\/sign-in/, 'a signed-out visitor is sent to sign in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/portal/profile');
    await context.close();
  });

  it('signs in once with a link, then sets a password', { skip: browserSkip }, async () => {
    const { api } = server();
    const user = await created(
      api.post('/users', { email: `linked-${process.pid}@example.com`, name: 'Linked Person', role: 'operator' }),
    );
    const link = await created(api.post(`/users/${user.id}/sign-in-links`));
    const { context, page } = await newPage(browser(), server().url);
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Continue and sign in' }).click();
    await page.waitForURL('**/portal/profile');
    await page.getByText('Set a password so that you can sign in without a link').waitFor();
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.locator('.field-error').first().waitFor();
    await page.getByLabel('New password').fill('a long and new passphrase');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByText('Your password is saved.').waitFor();
    await page.goto(link.url);
    await page.getByText('The link has been used already').waitFor();
    await context.close();

    const second = await newPage(browser(), server().url);
    await signIn(second.page, user.email, 'a long and new passphrase');
    assert.equal(new URL(second.page.url()).pathname, '/portal');
    await second.context.close();
  });

  it('refuses a form posted without the token of a page it rendered', { skip: browserSkip }, async () => {
    const user = await portalUser(server().api, 'admin');
    const { context, page } = await newPage(browser(), server().url);
    await signIn(page, user.email);
    // The cookies of a signed-in browser, sent with a forged form: what a CSRF attack does.
    const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${server().url}/portal/profile/password`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'newPassword=attacker+chosen+password',
      redirect: 'manual',
    });
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /did not come from a page of this site/);
    const wrongToken = await fetch(`${server().url}/portal/profile/password`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=forged-token&newPassword=attacker+chosen+password',
      redirect: 'manual',
    });
    assert.equal(wrongToken.status, 403);
    await page.goto('/sign-in');
    await context.close();
    const again = await newPage(browser(), server().url);
    await signIn(again.page, user.email, PASSWORD);
    assert.equal(new URL(again.page.url()).pathname, '/portal', 'the password did not change');
    await again.context.close();
  });

  it('works at phone width', { skip: browserSkip }, async () => {
    const user = await portalUser(server().api, 'operator');
    const { context, page } = await newPage(browser(), server().url, { width: 390, height: 844 });
    await signIn(page, user.email);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling of the page (${overflow}px)`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).waitFor();
    await context.close();
  });
});
