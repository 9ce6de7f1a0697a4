import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Api, ApiResponse } from '../support/http.ts';
import type { ActivationAnswerBody } from '../../src/http/schemas/activations.ts';
import type { AccountBody, EntitlementBody, UserBody } from '../../src/http/schemas/entities.ts';
import {
  account,
  apiKey,
  created,
  licenseModel,
  partner,
  product,
  simpleEntitlement,
  unique,
} from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import {
  createActivationRequest,
  createDeviceKeyPair,
  createReturnRequest,
} from '../../src/licensing/offline-request.ts';

/**
 * Which role may call what, as one table: every operation of the OpenAPI document has at least
 * one row, so an endpoint added without deciding who may call it fails this test.
 *
 * The world: partner P with an anonymous end customer C below it; a direct customer D;
 * another partner Q. "own" objects belong to the caller (P's entitlement for the partner, D's for
 * the customer); "other" objects belong to Q.
 */
type Caller = 'admin' | 'operator' | 'partner' | 'customer' | 'anonymous' | 'public';
const callers: Caller[] = ['admin', 'operator', 'partner', 'customer', 'anonymous', 'public'];

interface World {
  admin: Api;
  P: AccountBody;
  C: AccountBody;
  D: AccountBody;
  Q: AccountBody;
  productId: string;
  licenseModelId: string;
  featureId: string;
  /** A fresh draft entitlement sold to `soldTo` with P as tier-1 partner when sold to P or C. */
  draft(soldTo: string): Promise<EntitlementBody>;
  apiKeyId: string;
  draftDeployed(soldTo: string): Promise<EntitlementBody>;
  /** A fresh deployed bulk entitlement sold to partner `partnerId`, with two keys. */
  stock(partnerId: string): Promise<{ bulk: EntitlementBody; keys: string[] }>;
  /** A partner account below P, to split stock to. */
  R: AccountBody;
  /** A fresh activation on a deployed entitlement sold to `soldTo` (P tier-1 when sold to P or C). */
  activation(soldTo: string): Promise<ActivationAnswerBody>;
  /** A fresh floating line item's code. */
  floatingCode(): Promise<string>;
  floatingModelId: string;
  /** A newer version of the world's product, to upgrade to. */
  newerProductId: string;
  /** A fresh portal user made by the admin. */
  user(role: string, accountId: string | null): Promise<UserBody>;
  /** A fresh webhook endpoint of partner P or Q, and the delivery of a ping to it. */
  webhook(owner: 'P' | 'Q'): Promise<{ id: string; deliveryId: string }>;
}

const everyone = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: ok,
  customer: ok,
  anonymous: ok,
  public: ok,
});
const ownReaders = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: ok,
  customer: ok,
  anonymous: ok,
  public: 401,
});
const othersHidden = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: 404,
  customer: 404,
  anonymous: 404,
  public: 401,
});
let fingerprints = 0;
let emails = 0;
const email = () => `matrix-${process.pid}-${++emails}@example.com`;
const userBody = (role: string, accountId: string | null) => ({
  email: email(),
  name: 'Sam Example',
  role,
  ...(accountId && { accountId }),
});
const fp = () => `matrix-${process.pid}-${++fingerprints}`;

interface Row {
  op: string;
  /** What the row calls, to read in a failure message. */
  what: string;
  call(w: World, as: Api, caller: Caller): Promise<ApiResponse>;
  expect: Record<Caller, number>;
}

const producerOnly = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: 403,
  customer: 403,
  anonymous: 403,
  public: 401,
});
const adminOnly = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: 403,
  partner: 403,
  customer: 403,
  anonymous: 403,
  public: 401,
});
const anyKey = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: ok,
  customer: ok,
  anonymous: ok,
  public: 401,
});

/** A public address (no DNS needed) that only events nobody triggers are sent to; pings fail quietly. */
const HOOK_URL = 'https://93.184.215.14:9/matrix';
const webhookReaders = (ok: number): Record<Caller, number> => ({
  admin: ok,
  operator: ok,
  partner: ok,
  customer: 403,
  anonymous: 403,
  public: 401,
});
const webhookWriters = (ok: number): Record<Caller, number> => ({ ...webhookReaders(ok), operator: 403 });

/** The account that is "own" for a caller: P for the partner, D for the customer, C for the anonymous one. */
const ownAccount = (w: World, caller: Caller) => (caller === 'customer' ? w.D : caller === 'anonymous' ? w.C : w.P);

export const rows: Row[] = [
  {
    op: 'createApiKey',
    what: 'create an operator key',
    call: (_w, as) => as.post('/api-keys', { role: 'operator' }),
    expect: adminOnly(201),
  },
  { op: 'listApiKeys', what: 'list keys', call: (_w, as) => as.get('/api-keys'), expect: adminOnly(200) },
  { op: 'getApiKey', what: 'get a key', call: (w, as) => as.get(`/api-keys/${w.apiKeyId}`), expect: adminOnly(200) },
  {
    op: 'revokeApiKey',
    what: 'revoke a key',
    call: async (w, as) =>
      as.post(`/api-keys/${(await created(w.admin.post('/api-keys', { role: 'operator' }))).id}/revoke`),
    expect: adminOnly(200),
  },
  {
    op: 'createLicenseModel',
    what: 'create a model',
    call: (_w, as) => as.post('/license-models', { name: unique('m'), kind: 'uncounted' }),
    expect: producerOnly(201),
  },
  { op: 'listLicenseModels', what: 'list models', call: (_w, as) => as.get('/license-models'), expect: anyKey(200) },
  {
    op: 'getLicenseModel',
    what: 'get a model',
    call: (w, as) => as.get(`/license-models/${w.licenseModelId}`),
    expect: anyKey(200),
  },
  {
    op: 'createFeature',
    what: 'create a feature',
    call: (_w, as) => as.post('/features', { name: unique('f') }),
    expect: producerOnly(201),
  },
  { op: 'listFeatures', what: 'list features', call: (_w, as) => as.get('/features'), expect: anyKey(200) },
  { op: 'getFeature', what: 'get a feature', call: (w, as) => as.get(`/features/${w.featureId}`), expect: anyKey(200) },
  {
    op: 'createProduct',
    what: 'create a product',
    call: (w, as) => as.post('/products', { name: unique('p'), version: '1', licenseModelId: w.licenseModelId }),
    expect: producerOnly(201),
  },
  { op: 'listProducts', what: 'list products', call: (_w, as) => as.get('/products'), expect: anyKey(200) },
  { op: 'getProduct', what: 'get a product', call: (w, as) => as.get(`/products/${w.productId}`), expect: anyKey(200) },
  {
    op: 'updateProduct',
    what: 'change a product',
    call: (w, as) => as.patch(`/products/${w.productId}`, { description: 'x' }),
    expect: producerOnly(200),
  },
  {
    op: 'createAccount',
    what: 'create a customer account',
    call: (_w, as) => as.post('/accounts', { name: unique('a'), type: 'customer' }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  { op: 'listAccounts', what: 'list accounts', call: (_w, as) => as.get('/accounts'), expect: anyKey(200) },
  {
    op: 'getAccount',
    what: 'get own account',
    call: (w, as, caller) => as.get(`/accounts/${ownAccount(w, caller).id}`),
    expect: anyKey(200),
  },
  {
    op: 'getAccount',
    what: "get another partner's account",
    call: (w, as) => as.get(`/accounts/${w.Q.id}`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 404, anonymous: 404, public: 401 },
  },
  {
    op: 'updateAccount',
    what: "rename the partner's end customer",
    call: (w, as) => as.patch(`/accounts/${w.C.id}`, { name: unique('c') }),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'updateAccount',
    what: "rename another partner's account",
    call: (w, as) => as.patch(`/accounts/${w.Q.id}`, { name: unique('q') }),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createContact',
    what: 'add a contact to the partner',
    call: (w, as) => as.post(`/accounts/${w.P.id}/contacts`, { name: 'Pat', email: 'pat@example.com' }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createContact',
    what: 'add a contact to another partner',
    call: (w, as) => as.post(`/accounts/${w.Q.id}/contacts`, { name: 'Pat', email: 'pat@example.com' }),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'listContacts',
    what: "list own account's contacts",
    call: (w, as, caller) => as.get(`/accounts/${ownAccount(w, caller).id}/contacts`),
    expect: anyKey(200),
  },
  {
    op: 'listContacts',
    what: "list another partner's contacts",
    call: (w, as) => as.get(`/accounts/${w.Q.id}/contacts`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 404, anonymous: 404, public: 401 },
  },
  {
    op: 'handOverAccount',
    what: "hand over a fresh anonymous end customer of P's",
    call: async (w, as) =>
      as.post(`/accounts/${(await account(w.admin, { parentAccountId: w.P.id, anonymous: true })).id}/hand-over`, {
        name: unique('named'),
      }),
    // Only the partner that serves the end customer knows who it is; the producer cannot de-anonymise.
    expect: { admin: 403, operator: 403, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'handOverAccount',
    what: "hand over an anonymous end customer of Q's",
    call: async (w, as) =>
      as.post(`/accounts/${(await account(w.admin, { parentAccountId: w.Q.id, anonymous: true })).id}/hand-over`, {
        name: unique('named'),
      }),
    expect: { admin: 403, operator: 403, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createEntitlement',
    what: 'create an entitlement',
    call: (w, as) =>
      as.post('/entitlements', {
        kind: 'simple',
        soldTo: w.D.id,
        lineItems: [{ productId: w.productId, quantity: 1 }],
      }),
    expect: producerOnly(201),
  },
  { op: 'listEntitlements', what: 'list entitlements', call: (_w, as) => as.get('/entitlements'), expect: anyKey(200) },
  {
    op: 'getEntitlement',
    what: 'get own entitlement',
    call: async (w, as, caller) => as.get(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 200, anonymous: 404, public: 401 },
  },
  {
    op: 'getEntitlement',
    what: "get another partner's entitlement",
    call: async (w, as) => as.get(`/entitlements/${(await w.draft(w.Q.id)).id}`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 404, anonymous: 404, public: 401 },
  },
  {
    op: 'updateEntitlement',
    what: 'change own entitlement',
    call: async (w, as, caller) =>
      as.patch(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}`, { description: 'x' }),
    expect: producerOnly(200),
  },
  {
    op: 'deleteEntitlement',
    what: 'delete own entitlement',
    call: async (w, as, caller) => as.delete(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}`),
    expect: producerOnly(204),
  },
  {
    op: 'changeEntitlementState',
    what: 'deploy own entitlement',
    call: async (w, as, caller) =>
      as.post(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}/state`, { state: 'deployed' }),
    expect: producerOnly(200),
  },
  {
    op: 'regenerateEntitlementIds',
    what: 'regenerate own entitlement',
    call: async (w, as, caller) =>
      as.post(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}/regenerate-ids`),
    expect: producerOnly(200),
  },
  {
    op: 'addLineItem',
    what: 'add a line item to own entitlement',
    call: async (w, as, caller) =>
      as.post(`/entitlements/${(await w.draft(ownAccount(w, caller).id)).id}/line-items`, {
        productId: w.productId,
        quantity: 1,
      }),
    expect: producerOnly(201),
  },
  {
    op: 'getLineItem',
    what: 'get own line item',
    call: async (w, as, caller) =>
      as.get(`/line-items/${(await w.draft(ownAccount(w, caller).id)).lineItems[0]!.activationId}`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 200, anonymous: 404, public: 401 },
  },
  {
    op: 'getLineItem',
    what: "get another partner's line item",
    call: async (w, as) => as.get(`/line-items/${(await w.draft(w.Q.id)).lineItems[0]!.activationId}`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 404, anonymous: 404, public: 401 },
  },
  {
    op: 'getLineItemHistory',
    what: "read own line item's versions",
    call: async (w, as, caller) => {
      const code = (await w.draftDeployed(ownAccount(w, caller).id)).lineItems[0]!.activationId;
      await created(w.admin.post(`/line-items/${code}/upsell`, { quantity: 1 }), 200);
      return as.get(`/line-items/${code}/history`);
    },
    expect: { admin: 200, operator: 200, partner: 200, customer: 200, anonymous: 404, public: 401 },
  },
  {
    op: 'getLineItemHistory',
    what: "read another partner's line item's versions",
    call: async (w, as) => {
      const code = (await w.draftDeployed(w.Q.id)).lineItems[0]!.activationId;
      await created(w.admin.post(`/line-items/${code}/upsell`, { quantity: 1 }), 200);
      return as.get(`/line-items/${code}/history`);
    },
    expect: othersHidden(200),
  },
  {
    op: 'updateLineItem',
    what: 'change own line item',
    call: async (w, as, caller) =>
      as.patch(`/line-items/${(await w.draft(ownAccount(w, caller).id)).lineItems[0]!.activationId}`, { quantity: 3 }),
    expect: producerOnly(200),
  },
  {
    op: 'deleteLineItem',
    what: 'delete own line item',
    call: async (w, as, caller) =>
      as.delete(`/line-items/${(await w.draft(ownAccount(w, caller).id)).lineItems[0]!.activationId}`),
    expect: producerOnly(204),
  },
  { op: 'listEvents', what: 'read the audit log', call: (_w, as) => as.get('/events'), expect: producerOnly(200) },
  {
    op: 'listAuditCheckpoints',
    what: 'read the signed checkpoints of the audit log',
    call: (_w, as) => as.get('/events/checkpoints'),
    expect: producerOnly(200),
  },
  {
    op: 'loadWebRegisterKeys',
    what: "load keys into the partner's stock",
    call: async (w, as) =>
      as.post(`/entitlements/${(await w.stock(w.P.id)).bulk.id}/web-register-keys`, { generate: 2 }),
    expect: producerOnly(201),
  },
  {
    op: 'listWebRegisterKeys',
    what: "list the partner's keys",
    call: async (w, as) => as.get(`/entitlements/${(await w.stock(w.P.id)).bulk.id}/web-register-keys`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'listWebRegisterKeys',
    what: "list another partner's keys",
    call: async (w, as) => as.get(`/entitlements/${(await w.stock(w.Q.id)).bulk.id}/web-register-keys`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'voidWebRegisterKeys',
    what: "void the partner's keys",
    call: async (w, as) => {
      const { bulk, keys } = await w.stock(w.P.id);
      return as.post(`/entitlements/${bulk.id}/web-register-keys/void`, { keys });
    },
    expect: producerOnly(200),
  },
  {
    op: 'splitBulkEntitlement',
    what: "split the partner's stock to its reseller",
    call: async (w, as) =>
      as.post(`/entitlements/${(await w.stock(w.P.id)).bulk.id}/split`, { partnerAccountId: w.R.id, count: 1 }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'splitBulkEntitlement',
    what: "split another partner's stock",
    call: async (w, as) =>
      as.post(`/entitlements/${(await w.stock(w.Q.id)).bulk.id}/split`, { partnerAccountId: w.R.id, count: 1 }),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'getWebRegisterKey',
    what: "look up one of the partner's keys",
    call: async (w, as) => as.get(`/web-register-keys/${(await w.stock(w.P.id)).keys[0]}`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'getWebRegisterKey',
    what: "look up another partner's key",
    call: async (w, as) => as.get(`/web-register-keys/${(await w.stock(w.Q.id)).keys[0]}`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'redeemWebRegisterKey',
    what: "redeem one of the partner's keys",
    call: async (w, as) =>
      as.post(`/web-register-keys/${(await w.stock(w.P.id)).keys[0]}/redeem`, { accountName: unique('end customer') }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'redeemWebRegisterKey',
    what: "redeem another partner's key",
    call: async (w, as) =>
      as.post(`/web-register-keys/${(await w.stock(w.Q.id)).keys[0]}/redeem`, { accountName: unique('end customer') }),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'voidWebRegisterKey',
    what: "void one of the partner's keys",
    call: async (w, as) => as.post(`/web-register-keys/${(await w.stock(w.P.id)).keys[0]}/void`),
    expect: producerOnly(200),
  },
  {
    op: 'liveness',
    what: 'ask whether the process answers',
    call: (_w, as) => as.request('GET', '/../../healthz'),
    expect: everyone(200),
  },
  {
    op: 'readiness',
    what: 'ask whether the server should be sent requests',
    call: (_w, as) => as.request('GET', '/../../readyz'),
    expect: everyone(200),
  },
  {
    op: 'activate',
    what: 'activate a device',
    call: async (w, as) =>
      as.post('/activations', { code: (await w.draftDeployed(w.D.id)).lineItems[0]!.activationId, fingerprint: fp() }),
    expect: everyone(201),
  },
  {
    op: 'activateOffline',
    what: 'activate from an offline request',
    call: async (w, as) => {
      const code = (await w.draftDeployed(w.D.id)).lineItems[0]!.activationId;
      const { publicJwk } = createDeviceKeyPair();
      return as.post('/activations/offline', {
        request: createActivationRequest({ code, fingerprint: fp(), deviceName: 'box', devicePublicKey: publicJwk }),
      });
    },
    expect: everyone(201),
  },
  {
    op: 'returnOffline',
    what: 'return with a signed offline request',
    call: async (w, as) => {
      const code = (await w.draftDeployed(w.D.id)).lineItems[0]!.activationId;
      const pair = createDeviceKeyPair();
      const f = fp();
      const made = await w.admin.post('/activations/offline', {
        request: createActivationRequest({ code, fingerprint: f, deviceName: 'box', devicePublicKey: pair.publicJwk }),
      });
      return as.post('/activations/offline/return', {
        request: createReturnRequest({
          activationId: made.body.activation.id,
          fingerprint: f,
          devicePrivateKey: pair.privateKey,
        }),
      });
    },
    expect: everyone(200),
  },
  { op: 'listActivations', what: 'list activations', call: (_w, as) => as.get('/activations'), expect: anyKey(200) },
  {
    op: 'getActivation',
    what: 'get an own activation',
    call: async (w, as, caller) =>
      as.get(`/activations/${(await w.activation(ownAccount(w, caller).id)).activation.id}`),
    expect: ownReaders(200),
  },
  {
    op: 'getActivation',
    what: "get another partner's activation",
    call: async (w, as) => as.get(`/activations/${(await w.activation(w.Q.id)).activation.id}`),
    expect: othersHidden(200),
  },
  {
    op: 'getActivationLicense',
    what: 'download an own licence',
    call: async (w, as, caller) =>
      as.get(`/activations/${(await w.activation(ownAccount(w, caller).id)).activation.id}/license`),
    expect: ownReaders(200),
  },
  {
    op: 'getActivationLicense',
    what: "download another partner's licence",
    call: async (w, as) => as.get(`/activations/${(await w.activation(w.Q.id)).activation.id}/license`),
    expect: othersHidden(200),
  },
  {
    op: 'returnActivation',
    what: 'return an own activation with a key',
    call: async (w, as, caller) =>
      as.post(`/activations/${(await w.activation(ownAccount(w, caller).id)).activation.id}/return`),
    expect: ownReaders(200),
  },
  {
    op: 'returnActivation',
    what: "return another partner's activation",
    call: async (w, as) => as.post(`/activations/${(await w.activation(w.Q.id)).activation.id}/return`),
    expect: othersHidden(200),
  },
  {
    op: 'returnActivation',
    what: 'return an activation by its licence',
    call: async (w, as) => {
      const { activation, license } = await w.activation(w.D.id);
      return as.post(`/activations/${activation.id}/return`, { token: license.token });
    },
    expect: everyone(200),
  },
  {
    op: 'rehostActivation',
    what: 'move an own activation',
    call: async (w, as, caller) =>
      as.post(`/activations/${(await w.activation(ownAccount(w, caller).id)).activation.id}/rehost`, {
        fingerprint: fp(),
      }),
    expect: ownReaders(201),
  },
  {
    op: 'rehostActivation',
    what: "move another partner's activation",
    call: async (w, as) =>
      as.post(`/activations/${(await w.activation(w.Q.id)).activation.id}/rehost`, { fingerprint: fp() }),
    expect: othersHidden(201),
  },
  {
    op: 'revokeActivation',
    what: 'revoke an activation',
    call: async (w, as) => as.post(`/activations/${(await w.activation(w.D.id)).activation.id}/revoke`),
    expect: producerOnly(200),
  },
  {
    op: 'validateLicense',
    what: 'validate a licence',
    call: async (w, as) => as.post('/licenses/validate', { token: (await w.activation(w.D.id)).license.token }),
    expect: everyone(200),
  },
  {
    op: 'checkoutLease',
    what: 'check out a floating seat',
    call: async (w, as) => as.post('/leases', { code: await w.floatingCode(), fingerprint: fp() }),
    expect: everyone(201),
  },
  {
    op: 'heartbeatLease',
    what: 'keep a floating seat',
    call: async (w, as) => {
      const f = fp();
      const lease = (await w.admin.post('/leases', { code: await w.floatingCode(), fingerprint: f })).body;
      return as.post(`/leases/${lease.id}/heartbeat`, { fingerprint: f });
    },
    expect: everyone(200),
  },
  {
    op: 'releaseLease',
    what: 'give a floating seat back',
    call: async (w, as) => {
      const f = fp();
      const lease = (await w.admin.post('/leases', { code: await w.floatingCode(), fingerprint: f })).body;
      return as.post(`/leases/${lease.id}/release`, { fingerprint: f });
    },
    expect: everyone(200),
  },
  { op: 'listDevices', what: 'list devices', call: (_w, as) => as.get('/devices'), expect: anyKey(200) },
  {
    op: 'getDevice',
    what: 'get an own device',
    call: async (w, as, caller) =>
      as.get(`/devices/${(await w.activation(ownAccount(w, caller).id)).activation.deviceId}`),
    expect: ownReaders(200),
  },
  {
    op: 'transferLineItem',
    what: "transfer the partner's line item to its customer",
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.P.id)).lineItems[0]!.activationId}/transfer`, {
        accountId: w.C.id,
        activations: 'move',
      }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'transferLineItem',
    what: "transfer another partner's line item",
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.Q.id)).lineItems[0]!.activationId}/transfer`, {
        accountId: w.C.id,
        activations: 'move',
      }),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'splitLineItem',
    what: "split the partner's line item",
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.P.id)).lineItems[0]!.activationId}/split`, { quantity: 1 }),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'splitLineItem',
    what: "split another partner's line item",
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.Q.id)).lineItems[0]!.activationId}/split`, { quantity: 1 }),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'renewLineItem',
    what: 'renew a line item',
    call: async (w, as) => {
      const e = await created(
        w.admin.post('/entitlements', {
          kind: 'simple',
          soldTo: w.D.id,
          lineItems: [{ productId: w.productId, quantity: 2, expirationDate: '2090-01-01' }],
        }),
      );
      await created(w.admin.post(`/entitlements/${e.id}/state`, { state: 'deployed' }), 200);
      return as.post(`/line-items/${e.lineItems[0]!.activationId}/renew`, { expirationDate: '2091-01-01' });
    },
    expect: producerOnly(200),
  },
  {
    op: 'upsellLineItem',
    what: 'upsell a line item',
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.D.id)).lineItems[0]!.activationId}/upsell`, { quantity: 1 }),
    expect: producerOnly(200),
  },
  {
    op: 'upgradeLineItem',
    what: 'upgrade a line item',
    call: async (w, as) =>
      as.post(`/line-items/${(await w.draftDeployed(w.D.id)).lineItems[0]!.activationId}/upgrade`, {
        productId: w.newerProductId,
      }),
    expect: producerOnly(200),
  },
  {
    op: 'activationReport',
    what: 'read the billing report',
    call: (_w, as) => as.get('/reports/activations'),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'keysReport',
    what: 'read the prepaid stock (keys) report',
    call: (_w, as) => as.get('/reports/keys'),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'partnerStatement',
    what: "read the partner's own statement",
    call: (w, as) => as.get(`/reports/partners/${w.P.id}/statement?period=2026-Q4`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'partnerStatement',
    what: "read another partner's statement",
    call: (w, as) => as.get(`/reports/partners/${w.Q.id}/statement?period=2026-Q4`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createUser',
    what: 'create a colleague of the partner',
    call: (w, as) => as.post('/users', userBody('partner', w.P.id)),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createUser',
    what: 'create a user for a direct customer',
    call: (w, as) => as.post('/users', userBody('customer', w.D.id)),
    expect: { admin: 201, operator: 201, partner: 422, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createUser',
    what: 'create a user for another partner',
    call: (w, as) => as.post('/users', userBody('partner', w.Q.id)),
    expect: { admin: 201, operator: 201, partner: 422, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createUser',
    what: 'create a user for an anonymous end customer',
    call: (w, as) => as.post('/users', userBody('customer', w.C.id)),
    expect: { admin: 422, operator: 422, partner: 422, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createUser',
    what: 'create a producer operator',
    call: (_w, as) => as.post('/users', userBody('operator', null)),
    expect: { admin: 201, operator: 403, partner: 403, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'listUsers',
    what: 'list users',
    call: (_w, as) => as.get('/users'),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'getUser',
    what: "get a partner's user",
    call: async (w, as) => as.get(`/users/${(await w.user('partner', w.P.id)).id}`),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'getUser',
    what: "get another partner's user",
    call: async (w, as) => as.get(`/users/${(await w.user('partner', w.Q.id)).id}`),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'updateUser',
    what: "disable a partner's user",
    call: async (w, as) => as.patch(`/users/${(await w.user('partner', w.P.id)).id}`, { disabled: true }),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'updateUser',
    what: "rename another partner's user",
    call: async (w, as) => as.patch(`/users/${(await w.user('partner', w.Q.id)).id}`, { name: 'Other' }),
    expect: { admin: 200, operator: 200, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'updateUser',
    what: 'disable a producer admin',
    call: async (w, as) => as.patch(`/users/${(await w.user('admin', null)).id}`, { disabled: true }),
    expect: { admin: 200, operator: 403, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createSignInLink',
    what: "make a sign-in link for a partner's user",
    call: async (w, as) => as.post(`/users/${(await w.user('partner', w.P.id)).id}/sign-in-links`),
    expect: { admin: 201, operator: 201, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'createSignInLink',
    what: "make a sign-in link for another partner's user",
    call: async (w, as) => as.post(`/users/${(await w.user('partner', w.Q.id)).id}/sign-in-links`),
    expect: { admin: 201, operator: 201, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'listMessages',
    what: 'list mail sent or queued',
    call: (_w, as) => as.get('/messages'),
    expect: { admin: 200, operator: 200, partner: 200, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'resendMessage',
    what: "resend the partner's mail",
    call: async (w, as) => as.post(`/messages/${await sentMessage(w, w.P.id)}/resend`),
    expect: { admin: 202, operator: 202, partner: 202, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'resendMessage',
    what: "resend another partner's mail",
    call: async (w, as) => as.post(`/messages/${await sentMessage(w, w.Q.id)}/resend`),
    expect: { admin: 202, operator: 202, partner: 404, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'emailLicense',
    what: "mail the licence of the partner's activation",
    call: async (w, as) =>
      as.post(`/activations/${(await w.activation(w.P.id)).activation.id}/email`, { to: 'it@example.com' }),
    expect: { admin: 202, operator: 202, partner: 202, customer: 404, anonymous: 404, public: 401 },
  },
  {
    op: 'emailLicense',
    what: "mail the licence of another partner's activation",
    call: async (w, as) =>
      as.post(`/activations/${(await w.activation(w.Q.id)).activation.id}/email`, { to: 'it@example.com' }),
    expect: othersHidden(202),
  },
  {
    op: 'emailActivationIds',
    what: 'mail the activation IDs of an own entitlement',
    call: async (w, as, caller) =>
      as.post(`/entitlements/${(await w.draftDeployed(ownAccount(w, caller).id)).id}/email`, { to: 'it@example.com' }),
    expect: { admin: 202, operator: 202, partner: 202, customer: 202, anonymous: 404, public: 401 },
  },
  {
    op: 'emailActivationIds',
    what: "mail the activation IDs of another partner's entitlement",
    call: async (w, as) =>
      as.post(`/entitlements/${(await w.draftDeployed(w.Q.id)).id}/email`, { to: 'it@example.com' }),
    expect: othersHidden(202),
  },
  {
    op: 'getDevice',
    what: "get another partner's device",
    call: async (w, as) => as.get(`/devices/${(await w.activation(w.Q.id)).activation.deviceId}`),
    expect: othersHidden(200),
  },
  {
    op: 'createWebhookEndpoint',
    what: 'subscribe an endpoint',
    call: (_w, as) => as.post('/webhook-endpoints', { url: HOOK_URL, events: ['signing_key.created'] }),
    expect: { admin: 201, operator: 403, partner: 201, customer: 403, anonymous: 403, public: 401 },
  },
  {
    op: 'listWebhookEndpoints',
    what: 'list endpoints',
    call: (_w, as) => as.get('/webhook-endpoints'),
    expect: webhookReaders(200),
  },
  {
    op: 'getWebhookEndpoint',
    what: "get P's endpoint",
    call: async (w, as) => as.get(`/webhook-endpoints/${(await w.webhook('P')).id}`),
    expect: webhookReaders(200),
  },
  {
    op: 'getWebhookEndpoint',
    what: "get another partner's endpoint",
    call: async (w, as) => as.get(`/webhook-endpoints/${(await w.webhook('Q')).id}`),
    expect: { ...webhookReaders(200), partner: 404 },
  },
  {
    op: 'updateWebhookEndpoint',
    what: "change P's endpoint",
    call: async (w, as) => as.patch(`/webhook-endpoints/${(await w.webhook('P')).id}`, { description: 'x' }),
    expect: webhookWriters(200),
  },
  {
    op: 'deleteWebhookEndpoint',
    what: "delete P's endpoint",
    call: async (w, as) => as.delete(`/webhook-endpoints/${(await w.webhook('P')).id}`),
    expect: webhookWriters(204),
  },
  {
    op: 'deleteWebhookEndpoint',
    what: "delete another partner's endpoint",
    call: async (w, as) => as.delete(`/webhook-endpoints/${(await w.webhook('Q')).id}`),
    expect: { ...webhookWriters(204), partner: 404 },
  },
  {
    op: 'rotateWebhookSecret',
    what: "rotate P's secret",
    call: async (w, as) => as.post(`/webhook-endpoints/${(await w.webhook('P')).id}/rotate-secret`, {}),
    expect: webhookWriters(200),
  },
  {
    op: 'testWebhookEndpoint',
    what: "ping P's endpoint",
    call: async (w, as) => as.post(`/webhook-endpoints/${(await w.webhook('P')).id}/test`, {}),
    expect: webhookWriters(202),
  },
  {
    op: 'listWebhookDeliveries',
    what: "P's delivery log",
    call: async (w, as) => as.get(`/webhook-endpoints/${(await w.webhook('P')).id}/deliveries`),
    expect: webhookReaders(200),
  },
  {
    op: 'getWebhookDelivery',
    what: "a delivery to P's endpoint",
    call: async (w, as) => as.get(`/webhook-deliveries/${(await w.webhook('P')).deliveryId}`),
    expect: webhookReaders(200),
  },
  {
    op: 'getWebhookDelivery',
    what: "a delivery to another partner's endpoint",
    call: async (w, as) => as.get(`/webhook-deliveries/${(await w.webhook('Q')).deliveryId}`),
    expect: { ...webhookReaders(200), partner: 404 },
  },
  {
    op: 'retryWebhookDelivery',
    what: "retry a delivery to P's endpoint",
    call: async (w, as) => as.post(`/webhook-deliveries/${(await w.webhook('P')).deliveryId}/retry`, {}),
    expect: webhookWriters(202),
  },
];

/** A message of `partnerId`'s business that has left (sent), ready to be sent again. */
async function sentMessage(w: World, partnerId: string): Promise<string> {
  const entitlement = await w.draftDeployed(partnerId);
  const queued = await created(w.admin.post(`/entitlements/${entitlement.id}/email`, { to: 'it@example.com' }), 202);
  for (let i = 0; i < 500; i++) {
    const listed = (await w.admin.get('/messages?kind=activation-ids&limit=20')).body.items.find(
      (m: { id: string }) => m.id === queued.id,
    );
    if (listed?.status !== 'queued') return queued.id;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the message stays queued');
}

describeEachBackend('role matrix', (server) => {
  let world: World;
  const keys = new Map<Caller, string | null>();

  before(async () => {
    const admin = server().api;
    const P = await partner(admin);
    const Q = await partner(admin);
    const C = await account(admin, { parentAccountId: P.id, anonymous: true });
    const D = await account(admin);
    const model = await licenseModel(admin);
    const prod = await product(admin, { licenseModelId: model.id });
    const newer = await created(
      admin.post('/products', { name: prod.name, version: '99.0', licenseModelId: model.id }),
    );
    const feature = await created(admin.post('/features', { name: unique('feature') }));
    const someKey = await created(admin.post('/api-keys', { role: 'operator' }));
    const R = await partner(admin, { parentAccountId: P.id });
    const floating = await licenseModel(admin, { kind: 'floating' });
    const floatingProduct = await product(admin, { licenseModelId: floating.id });
    const partnerOfP = await apiKey(admin, 'partner', P.id);
    const partnerOfQ = await apiKey(admin, 'partner', Q.id);
    world = {
      admin,
      P,
      Q,
      C,
      D,
      productId: prod.id,
      licenseModelId: model.id,
      featureId: feature.id,
      apiKeyId: someKey.id,
      R,
      draftDeployed: async (soldTo) => {
        const e = await world.draft(soldTo);
        return created(admin.post(`/entitlements/${e.id}/state`, { state: 'deployed' }), 200);
      },
      activation: async (soldTo) => {
        const e = await world.draftDeployed(soldTo);
        return created(admin.post('/activations', { code: e.lineItems[0]!.activationId, fingerprint: fp() }));
      },
      floatingModelId: floating.id,
      newerProductId: newer.id,
      user: (role, accountId) => created(admin.post('/users', userBody(role, accountId))),
      floatingCode: async () => {
        const e = await created(
          admin.post('/entitlements', {
            kind: 'simple',
            soldTo: D.id,
            lineItems: [{ productId: floatingProduct.id, quantity: 5 }],
          }),
        );
        await created(admin.post(`/entitlements/${e.id}/state`, { state: 'deployed' }), 200);
        return e.lineItems[0]!.activationId;
      },
      stock: async (partnerId) => {
        const { bulk, keys } = await bulkWithKeys(admin, { partnerId, productId: prod.id, generate: 2 });
        return { bulk, keys };
      },
      webhook: async (owner) => {
        const as = admin.as(owner === 'P' ? partnerOfP : partnerOfQ);
        const endpoint = await created(
          as.post('/webhook-endpoints', { url: HOOK_URL, events: ['signing_key.created'] }),
        );
        const ping = await created(as.post(`/webhook-endpoints/${endpoint.id}/test`, {}), 202);
        return { id: endpoint.id, deliveryId: ping.deliveryId };
      },
      draft: (soldTo) =>
        simpleEntitlement(admin, {
          soldTo,
          productId: prod.id,
          fields: soldTo === C.id || soldTo === P.id ? { channelPartners: [{ accountId: P.id, tier: 'tier1' }] } : {},
        }),
    };
    keys.set('admin', null);
    keys.set('operator', await apiKey(admin, 'operator'));
    keys.set('partner', await apiKey(admin, 'partner', P.id));
    keys.set('customer', await apiKey(admin, 'customer', D.id));
    keys.set('anonymous', await apiKey(admin, 'customer', C.id));
    keys.set('public', null);
  });

  it('covers every operation of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server().url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const operations = new Set<string>();
    for (const path of Object.values(doc.paths)) {
      for (const op of Object.values(path)) if (op.operationId) operations.add(op.operationId);
    }
    const covered = new Set(rows.map((r) => r.op));
    const missing = [...operations].filter((op) => !covered.has(op));
    assert.deepEqual(missing, [], `operations without a row in the role matrix: ${missing.join(', ')}`);
  });

  for (const row of rows) {
    it(`${row.op}: ${row.what}`, async () => {
      const failures: string[] = [];
      for (const caller of callers) {
        const key = keys.get(caller);
        const as = caller === 'admin' ? world.admin : world.admin.as(key ?? null);
        const r = await row.call(world, as, caller);
        if (r.status !== row.expect[caller])
          failures.push(`${caller}: expected ${row.expect[caller]}, got ${r.status} ${r.text.slice(0, 160)}`);
      }
      assert.deepEqual(failures, []);
    });
  }
});
