import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { activatable } from '../support/activation-fixtures.ts';
import { bulkWithKeys, someKeys } from '../support/bulk-fixtures.ts';
import { account, apiKey, assertProblem, created, partner, product } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { AccountBody } from '../../src/http/schemas/entities.ts';

/**
 * Two partners, each with its stock, its anonymous end customers, their entitlements, devices and
 * activations, side by side. Every list, export, report and error a partner can reach is read, and
 * nothing of the other partner may appear in any of them.
 */
interface Side {
  partner: AccountBody;
  api: Api;
  customer: AccountBody;
  secrets: string[];
  bulkId: string;
  entitlementId: string;
  activationId: string;
  activationCode: string;
  key: string;
}

describeEachBackend('partners side by side', (server) => {
  const sides: Side[] = [];

  before(async () => {
    const admin = server().api;
    const prod = await product(admin);
    for (const name of ['Orchid Software Trading', 'Quartz Channel Partners']) {
      const p = await partner(admin, { name });
      const partnerApi = admin.as(await apiKey(admin, 'partner', p.id));
      const { bulk, keys } = await bulkWithKeys(admin, {
        partnerId: p.id,
        productId: prod.id,
        keys: someKeys(3, name.slice(0, 3).toUpperCase()),
      });
      const redeemed = await created(
        partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: `${name} end customer` }),
      );
      const act = await created(admin.as(null).post('/activations', { code: keys[0], fingerprint: `${name}-device` }));
      const customer = await account(admin, { parentAccountId: p.id, name: `${name} named customer` });
      const { code } = await activatable(admin, {
        soldTo: p.id,
        fields: { channelPartners: [{ accountId: p.id, tier: 'tier1' }] },
      });
      await created(admin.as(null).post('/activations', { code, fingerprint: `${name}-make-to-order` }));
      sides.push({
        partner: p,
        api: partnerApi,
        customer,
        bulkId: bulk.id,
        entitlementId: redeemed.id,
        activationId: act.activation.id,
        activationCode: code,
        key: keys[1]!,
        secrets: [
          p.id,
          name,
          bulk.id,
          redeemed.id,
          redeemed.soldTo!,
          `${name} end customer`,
          customer.id,
          `${name} named customer`,
          act.activation.id,
          act.activation.deviceId,
          `${name}-device`,
          `${name}-make-to-order`,
          code,
          ...keys,
        ],
      });
    }
  });

  it('a partner finds nothing of the other in any list, export, report or statement', async () => {
    for (const [me, other] of [
      [sides[0]!, sides[1]!],
      [sides[1]!, sides[0]!],
    ] as const) {
      const reads = [
        '/accounts?limit=1000',
        '/accounts?anonymous=true&limit=1000',
        '/entitlements?limit=1000',
        '/entitlements?kind=bulk&limit=1000',
        '/entitlements?kind=simple&state=deployed&limit=1000',
        '/activations?limit=1000',
        '/devices?limit=1000',
        `/entitlements/${me.bulkId}/web-register-keys?limit=1000`,
        '/reports/activations',
        '/reports/activations?groupBy=account',
        '/reports/activations?groupBy=product&period=quarter',
        `/reports/partners/${me.partner.id}/statement?period=${new Date().toISOString().slice(0, 7)}`,
        '/products',
      ];
      for (const path of reads) {
        const r = await me.api.get(path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        for (const secret of other.secrets) assert.ok(!r.text.includes(secret), `${path} shows ${secret}`);
      }
      for (const path of [
        `/entitlements/${me.bulkId}/web-register-keys`,
        '/reports/activations',
        `/reports/partners/${me.partner.id}/statement?period=${new Date().toISOString().slice(0, 7)}`,
      ]) {
        const csv = await me.api.get(path, { headers: { accept: 'text/csv' } });
        assert.equal(csv.status, 200);
        for (const secret of other.secrets) assert.ok(!csv.text.includes(secret), `${path} CSV shows ${secret}`);
      }
      const mine = (await me.api.get('/entitlements?limit=1000')).body.items.map((e) => e.id);
      assert.ok(mine.includes(me.entitlementId) && mine.includes(me.bulkId), 'it does see its own');
    }
  });

  it("the other partner's objects are 404 on read and on write, and the answer names nothing", async () => {
    const [me, other] = [sides[0]!, sides[1]!];
    const attempts = [
      me.api.get(`/accounts/${other.partner.id}`),
      me.api.get(`/accounts/${other.customer.id}/contacts`),
      me.api.patch(`/accounts/${other.customer.id}`, { name: 'mine now' }),
      me.api.post(`/accounts/${other.customer.id}/contacts`, { name: 'x', email: 'x@example.com' }),
      me.api.get(`/entitlements/${other.entitlementId}`),
      me.api.get(`/entitlements/${other.bulkId}`),
      me.api.get(`/entitlements/${other.bulkId}/web-register-keys`),
      me.api.get(`/line-items/${other.activationCode}`),
      me.api.get(`/web-register-keys/${other.key}`),
      me.api.post(`/web-register-keys/${other.key}/redeem`, { accountName: 'stolen' }),
      me.api.post(`/entitlements/${other.bulkId}/split`, { partnerAccountId: me.partner.id, count: 1 }),
      me.api.get(`/activations/${other.activationId}`),
      me.api.get(`/activations/${other.activationId}/license`),
      me.api.post(`/activations/${other.activationId}/return`),
      me.api.post(`/line-items/${other.activationCode}/transfer`, { accountId: me.customer.id, activations: 'move' }),
      me.api.post(`/line-items/${other.activationCode}/split`, { quantity: 1 }),
      me.api.get(`/reports/partners/${other.partner.id}/statement?period=2026-Q4`),
    ];
    for (const r of await Promise.all(attempts)) {
      assertProblem(r, 404, 'NOT_FOUND');
      for (const secret of other.secrets.filter(
        (s) => !s.startsWith('acc_') && !s.startsWith('act_') && !s.startsWith('ENT') && !/^[A-Z]{3}\d/.test(s),
      )) {
        assert.ok(!r.text.includes(secret), `${r.text} names ${secret}`);
      }
    }
    assert.equal(
      (await sides[1]!.api.get(`/web-register-keys/${other.key}`)).body.state,
      'unredeemed',
      'nothing changed',
    );
  });

  it('a customer sees its own; an anonymous end customer sees no entitlement, only its activations and licences', async () => {
    const admin = server().api;
    const me = sides[0]!;
    const anonymousId = (await admin.get(`/entitlements/${me.entitlementId}`)).body.soldTo!;
    const anonymous = admin.as(await apiKey(admin, 'customer', anonymousId));
    assert.deepEqual((await anonymous.get('/entitlements')).body.items, []);
    assertProblem(await anonymous.get(`/entitlements/${me.entitlementId}`), 404, 'NOT_FOUND');
    const activations = (await anonymous.get('/activations')).body.items;
    assert.deepEqual(
      activations.map((a) => a.id),
      [me.activationId],
    );
    assert.equal((await anonymous.get(`/activations/${me.activationId}/license`)).status, 200);
    assert.equal((await anonymous.post(`/activations/${me.activationId}/return`)).status, 200);
    assertProblem(await anonymous.get('/reports/activations'), 403, 'FORBIDDEN');
  });

  it("make to order: activations of a partner-owned entitlement are the partner's", async () => {
    const admin = server().api;
    const me = sides[0]!;
    const own = (await me.api.get(`/activations?activationId=${me.activationCode}`)).body.items;
    assert.equal(own.length, 1);
    assert.equal(own[0]!.accountId, me.partner.id);
    const devices = (await me.api.get(`/devices?account=${me.partner.id}`)).body.items;
    assert.ok(devices.some((d) => d.fingerprint.endsWith('-make-to-order')));
    assert.equal((await admin.get(`/activations/${own[0]!.id}`)).body.accountId, me.partner.id);
  });
});
