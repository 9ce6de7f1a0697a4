import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { readLicenseToken } from '../../src/licensing/license-file.ts';
import { createActivationRequest, createDeviceKeyPair } from '../../src/licensing/offline-request.ts';
import { activatable } from '../support/activation-fixtures.ts';
import { browserSkip, newPage, useBrowser } from '../support/browser.ts';
import { runCliAsync } from '../support/cli.ts';
import { describeEachBackend } from '../support/suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'licentia-end-customer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describeEachBackend('end customer journey [browser]', (server, backend) => {
  const browser = useBrowser();

  it('activates with a code, downloads the licence file, and the file verifies with no server', {
    skip: browserSkip,
  }, async () => {
    const { api, url } = server();
    const { code, product } = await activatable(api, { quantity: 3 });
    const { context, page } = await newPage(browser(), url);
    await page.goto('/');
    await page.getByRole('link', { name: /Activate software/ }).click();
    await page.getByLabel('Activation code').fill(code.toLowerCase());
    await page.getByLabel('Device fingerprint').fill('workshop-12-pc');
    await page.getByLabel('Device name').fill('Workshop PC 12');
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByRole('heading', { name: 'Your software is activated' }).waitFor();
    assert.match(await page.locator('.facts').innerText(), new RegExp(product.name));
    // The last value stands clear of the next label instead of running into it.
    const activationValue = await page.locator('.fact', { hasText: 'Activation' }).locator('dd').boundingBox();
    const nextLabel = await page.locator('label[for="licence-file"]').boundingBox();
    assert.ok(activationValue && nextLabel, 'both are shown');
    assert.ok(
      nextLabel.y - (activationValue.y + activationValue.height) >= 12,
      `the licence file's label starts ${nextLabel.y - (activationValue.y + activationValue.height)}px below the Activation value`,
    );
    assert.match(
      await page.locator('#licence-file').inputValue(),
      new RegExp(`--jwks ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/\\.well-known/jwks\\.json`),
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the licence file' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.lic$/);
    const licenceFile = join(dir, `${backend.name}-${download.suggestedFilename()}`);
    await download.saveAs(licenceFile);
    assert.match(readFileSync(licenceFile, 'utf8'), /-----BEGIN LICENTIA LICENSE-----/);
    const jwks = join(dir, `${backend.name}-jwks.json`);
    writeFileSync(jwks, await (await fetch(`${url}/.well-known/jwks.json`)).text());
    const verified = await runCliAsync(['verify', licenceFile, '--jwks', jwks, '--fingerprint', 'workshop-12-pc']);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /VALID/);
    const elsewhere = await runCliAsync(['verify', licenceFile, '--jwks', jwks, '--fingerprint', 'another-pc']);
    assert.notEqual(elsewhere.status, 0, 'the licence is bound to its device');

    // Moving to another machine: return the licence by its file, then it no longer validates.
    await page.getByRole('link', { name: 'Activate another device' }).click();
    await page.getByRole('link', { name: 'Return a licence' }).click();
    await page.locator('#return-file').setInputFiles(licenceFile);
    await page.waitForFunction(() =>
      (document.querySelector('#f-license') as HTMLTextAreaElement | null)?.value.includes('BEGIN LICENTIA LICENSE'),
    );
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Return this licence' }).click();
    await page.getByText('The licence is returned').waitFor();
    const token = readLicenseToken(readFileSync(licenceFile, 'utf8'));
    assert.equal((await api.as(null).post('/licenses/validate', { token })).body.code, 'RETURNED');
    await context.close();
  });

  it('activates an offline machine from a request file chosen on the page', { skip: browserSkip }, async () => {
    const { api, url } = server();
    const { code } = await activatable(api);
    const request = createActivationRequest({
      code,
      fingerprint: 'air-gapped-1',
      deviceName: 'Lab',
      devicePublicKey: createDeviceKeyPair().publicJwk,
    });
    const requestFile = join(dir, `${backend.name}-request.req`);
    writeFileSync(requestFile, request);
    const { context, page } = await newPage(browser(), url);
    await page.goto('/activate');
    await page.locator('#offline-file').setInputFiles(requestFile);
    await page.waitForFunction(() =>
      (document.querySelector('#f-request') as HTMLTextAreaElement | null)?.value.includes('ACTIVATION REQUEST'),
    );
    await page.getByRole('button', { name: 'Activate from the request file' }).click();
    await page.getByRole('heading', { name: 'Your software is activated' }).waitFor();
    assert.match(await page.locator('#licence-file').inputValue(), /BEGIN LICENTIA LICENSE/);
    await context.close();
  });

  it('tells a mistyped code apart without saying which codes exist', { skip: browserSkip }, async () => {
    const { context, page } = await newPage(browser(), server().url, { width: 390, height: 844 });
    await page.goto('/activate');
    await page.getByLabel('Activation code').fill('ABCDE-FGHJK-MNPQR-STVWX');
    await page.getByLabel('Device fingerprint').fill('phone-test');
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByText('is not a code that can be activated').waitFor();
    assert.equal(await page.getByLabel('Activation code').getAttribute('aria-invalid'), 'true');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow}px)`);
    await context.close();
  });
});
