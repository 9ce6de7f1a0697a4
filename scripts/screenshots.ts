/**
 * The README's pictures of the portals: a fresh server on a temporary SQLite file is filled with a
 * small, believable business through the API (a catalogue, two distributors, their anonymous end
 * customers, a year of activations), then Debian's Chromium signs in as each kind of user and
 * photographs the main pages into docs/screenshots/. Run with `npm run screenshots`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { defaultConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import type { RouteBody } from '../test/support/api-routes.ts';

const ADMIN_KEY = 'screenshots-admin-key-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';
const out = join(import.meta.dirname, '..', 'docs', 'screenshots');
const dir = mkdtempSync(join(tmpdir(), 'licentia-screenshots-'));

const server = await startServer(
  { ...defaultConfig, port: 0, databaseUrl: `sqlite:${join(dir, 'demo.db')}`, adminKey: ADMIN_KEY, logLevel: 'silent' },
  false,
);
const clock = server.ctx as { now: () => Date };

/** The answer is typed from the route's schema, as the tests' client types it (test/support/api-routes.ts). */
async function call<M extends string, P extends string>(
  method: M,
  path: P,
  body?: unknown,
  key: string | null = ADMIN_KEY,
): Promise<RouteBody<M, P>> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      ...(key && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as RouteBody<M, P>;
}

try {
  // The catalogue.
  const annual = await call('POST', '/license-models', {
    name: 'Annual node-locked',
    kind: 'node-locked',
    durationDays: 365,
    maxRehosts: 3,
  });
  const perpetual = await call('POST', '/license-models', {
    name: 'Perpetual node-locked',
    kind: 'node-locked',
    overdraft: 1,
  });
  await call('POST', '/license-models', { name: 'Floating, 10-minute leases', kind: 'floating', leaseSeconds: 600 });
  for (const [name, version] of [
    ['export', '1.0'],
    ['render', '2.1'],
    ['cloud-sync', '1.0'],
  ])
    await call('POST', '/features', { name, version });
  const cad = await call('POST', '/products', {
    name: 'CAD Studio',
    version: '5.0',
    description: 'Parametric 3D design.',
    licenseModelId: annual.id,
    features: [
      { name: 'export', version: '1.0', count: 1 },
      { name: 'render', version: '2.1', count: 4 },
    ],
  });
  await call('POST', '/products', {
    name: 'CAD Studio',
    version: '6.0',
    licenseModelId: annual.id,
    features: [{ name: 'export', version: '1.0', count: 1 }],
  });
  const viewer = await call('POST', '/products', {
    name: 'Model Viewer',
    version: '2.3',
    licenseModelId: perpetual.id,
    features: [{ name: 'cloud-sync', version: '1.0', count: 1 }],
  });

  // The channel: two distributors, a direct customer.
  const nordic = await call('POST', '/accounts', { name: 'Nordic Distribution AB', type: 'partner' });
  const atlas = await call('POST', '/accounts', { name: 'Atlas Software Trading', type: 'partner' });
  const acme = await call('POST', '/accounts', { name: 'Acme Engineering', type: 'customer' });
  await call('POST', `/accounts/${acme.id}/contacts`, { name: 'Jo Rivera', email: 'it@acme.example' });
  const reseller = await call('POST', '/accounts', {
    name: 'Berg Reseller Oy',
    type: 'partner',
    parentAccountId: nordic.id,
  });
  await call('POST', '/users', {
    email: 'ada@producer.example',
    name: 'Ada Producer',
    role: 'admin',
    password: PASSWORD,
  });
  await call('POST', '/users', {
    email: 'nils@nordic.example',
    name: 'Nils Nordic',
    role: 'partner',
    accountId: nordic.id,
    password: PASSWORD,
  });
  await call('POST', '/users', {
    email: 'jo@acme.example',
    name: 'Jo Rivera',
    role: 'customer',
    accountId: acme.id,
    password: PASSWORD,
  });
  const nordicKey = (await call('POST', '/api-keys', { role: 'partner', accountId: nordic.id, name: 'Nordic shop' }))
    .key as string;
  const atlasKey = (await call('POST', '/api-keys', { role: 'partner', accountId: atlas.id, name: 'Atlas shop' }))
    .key as string;

  // Stock for the distributors, and a direct sale.
  const stock = async (partnerId: string, productId: string, keys: number, prefix: string) => {
    const bulk = await call('POST', '/entitlements', {
      kind: 'bulk',
      productId,
      keyPrefix: prefix,
      description: `${prefix} retail boxes`,
      channelPartners: [{ accountId: partnerId, tier: 'tier1' }],
    });
    await call('POST', `/entitlements/${bulk.id}/web-register-keys`, { generate: keys });
    await call('POST', `/entitlements/${bulk.id}/state`, { state: 'deployed' });
    return bulk;
  };
  const nordicStock = await stock(nordic.id, cad.id, 400, 'NORDIC');
  const atlasStock = await stock(atlas.id, viewer.id, 250, 'ATLAS');
  await call('POST', `/entitlements/${nordicStock.id}/split`, { partnerAccountId: reseller.id, count: 50 });
  const direct = await call('POST', '/entitlements', {
    kind: 'simple',
    soldTo: acme.id,
    description: 'Engineering department, 2027',
    shipToEmail: 'it@acme.example',
    lineItems: [
      { productId: cad.id, quantity: 25, expirationDate: '2027-12-31' },
      { productId: viewer.id, quantity: 10 },
    ],
  });
  await call('POST', `/entitlements/${direct.id}/state`, { state: 'deployed' });

  // A year of business: keys redeemed for anonymous end customers and activated, month by month.
  const keysOf = async (bulkId: string) =>
    (await call('GET', `/entitlements/${bulkId}/web-register-keys?status=unredeemed&limit=1000`)).items.map(
      (k) => k.key,
    );
  const nordicKeys = await keysOf(nordicStock.id);
  const atlasKeys = await keysOf(atlasStock.id);
  const shops = ['Workshop 12', 'Studio Berg', 'Harbour Design', 'Fjord Architects', 'Linden & Co', 'North Yard'];
  const realNow = clock.now;
  let n = 0;
  for (let month = 11; month >= 0; month--) {
    const when = new Date(Date.UTC(2026, 11 - month, 1, 0, 5));
    clock.now = () => new Date(when.getTime() + n * 60_000);
    const sales: [string[], string, number][] = [
      [nordicKeys, nordicKey, 6 + ((11 - month) % 5) * 2],
      [atlasKeys, atlasKey, 3 + ((11 - month) % 4)],
    ];
    for (const [keys, key, count] of sales) {
      for (let i = 0; i < count; i++) {
        const code = keys.shift();
        if (!code) break;
        n += 1;
        await call(
          'POST',
          `/web-register-keys/${code}/redeem`,
          { accountName: `${shops[n % shops.length]} ${n}` },
          key,
        );
        const activated = await call(
          'POST',
          '/activations',
          { code, fingerprint: `pc-${n}`, deviceName: `Design PC ${n}` },
          null,
        );
        if (n % 9 === 0) await call('POST', `/activations/${activated.activation.id}/return`, {}, ADMIN_KEY);
      }
    }
    for (let i = 0; i < 2; i++)
      await call(
        'POST',
        '/activations',
        {
          code: direct.lineItems[0]!.activationId,
          fingerprint: `acme-${month}-${i}`,
          deviceName: `ACME-WS-${month}${i}`,
        },
        null,
      );
  }
  clock.now = realNow;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
  mkdirSync(out, { recursive: true });
  const session = async (email: string | null, width = 1280) => {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width, height: 900 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    if (email) {
      await page.goto('/sign-in');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/portal');
    }
    return { context, page };
  };
  const shoot = async (page: Page, path: string, name: string, fullPage = false) => {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, `${name}.png`), fullPage });
    process.stdout.write(`docs/screenshots/${name}.png  ${path}\n`);
  };

  const producer = await session('ada@producer.example');
  await shoot(producer.page, '/portal', 'producer-home');
  await shoot(producer.page, `/portal/entitlements/${nordicStock.id}/keys`, 'producer-keys');
  await shoot(producer.page, `/portal/entitlements/${direct.id}`, 'producer-entitlement');
  await shoot(
    producer.page,
    '/portal/reports?groupBy=partner&period=month&from=2026-01-01&to=2026-12-31',
    'producer-billing',
  );
  await shoot(producer.page, '/portal/accounts', 'producer-accounts');
  await producer.context.close();

  const partner = await session('nils@nordic.example');
  await shoot(partner.page, '/portal', 'partner-home');
  await partner.page.goto('/portal/register');
  await partner.page.getByLabel('Web register key').fill(nordicKeys[0] ?? '');
  await partner.page
    .getByRole('button', { name: /Find|Continue|Next/ })
    .first()
    .click();
  await partner.page.waitForLoadState('networkidle');
  await partner.page.screenshot({ path: join(out, 'partner-register.png') });
  process.stdout.write('docs/screenshots/partner-register.png  /portal/register\n');
  await partner.context.close();

  const visitor = await session(null, 390);
  await visitor.page.goto('/activate');
  await visitor.page.getByLabel('Activation code').fill(direct.lineItems[1]!.activationId);
  await visitor.page.getByLabel('Device fingerprint').fill('field-laptop-7');
  await visitor.page.getByLabel('Device name').fill('Field laptop 7');
  await visitor.page.getByRole('button', { name: 'Activate', exact: true }).click();
  await visitor.page.waitForLoadState('networkidle');
  await visitor.page.screenshot({ path: join(out, 'end-customer-licence-phone.png'), fullPage: true });
  process.stdout.write('docs/screenshots/end-customer-licence-phone.png  /activate (phone)\n');
  await visitor.context.close();
  await browser.close();
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
