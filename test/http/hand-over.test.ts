import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  account,
  apiKey,
  assertProblem,
  created,
  deployedEntitlement,
  partner,
  product,
  unique,
} from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import type {
  AccountBody,
  ApiKeyBody,
  ContactBody,
  EntitlementBody,
  EventBody,
  HandedOverAccountBody,
} from '../../src/http/schemas/entities.ts';
import type { ActivationAnswerBody } from '../../src/http/schemas/activations.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

/** Partner P's anonymous end customer C, with a deployed entitlement (P tier-1) and one activation. */
async function endCustomerWithLicence(api: Api) {
  const P = await partner(api);
  const key = await created(api.post<ApiKeyBody & { key: string }>('/api-keys', { role: 'partner', accountId: P.id }));
  const asPartner = api.as(key.key);
  const C = await created(
    asPartner.post<AccountBody>('/accounts', { name: 'Kunde 17', type: 'customer', anonymous: true }),
  );
  const prod = await product(api);
  const entitlement = await deployedEntitlement(api, {
    soldTo: C.id,
    productId: prod.id,
    fields: { channelPartners: [{ accountId: P.id, tier: 'tier1' }] },
  });
  const code = entitlement.lineItems[0]?.activationId as string;
  const fingerprint = unique('fp').replaceAll(' ', '-');
  const activated = await created(api.post<ActivationAnswerBody>('/activations', { code, fingerprint }));
  return { P, C, asPartner, partnerKeyId: key.id, entitlement, code, fingerprint, activated };
}

const contact = { name: 'Erika Mustermann', email: 'erika@example.com', phone: '+49 30 1234567' };

describeEachBackend('hand-over of an anonymous end customer', (server) => {
  it('makes it a named direct customer of the producer that keeps entitlements, devices and licences', async () => {
    const { api } = server();
    const w = await endCustomerWithLicence(api);
    const r = await w.asPartner.post<HandedOverAccountBody>(`/accounts/${w.C.id}/hand-over`, {
      name: '  Muster AG ',
      contact,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name, 'Muster AG');
    assert.equal(r.body.anonymous, false);
    assert.equal(r.body.parentAccountId, null);
    assert.equal(r.body.type, 'customer');
    assert.deepEqual(
      { name: r.body.contact?.name, email: r.body.contact?.email, phone: r.body.contact?.phone },
      contact,
    );

    // The producer now sees the name and the contact.
    const seen = await api.get<AccountBody>(`/accounts/${w.C.id}`);
    assert.deepEqual(
      { name: seen.body.name, anonymous: seen.body.anonymous, parentAccountId: seen.body.parentAccountId },
      { name: 'Muster AG', anonymous: false, parentAccountId: null },
    );
    const contacts = await api.get<PageBody<ContactBody>>(`/accounts/${w.C.id}/contacts`);
    assert.deepEqual(
      contacts.body.items.map((c) => c.email),
      ['erika@example.com'],
    );

    // What it owned is still its own and still works.
    const entitlement = await api.get<EntitlementBody>(`/entitlements/${w.entitlement.id}`);
    assert.equal(entitlement.body.soldTo, w.C.id);
    assert.equal(entitlement.body.state, 'deployed');
    const devices = await api.get<PageBody<{ id: string }>>(`/devices?account=${w.C.id}`);
    assert.deepEqual(
      devices.body.items.map((d) => d.id),
      [w.activated.activation.deviceId],
    );
    const byToken = await api.post<{ valid: boolean; code: string }>('/licenses/validate', {
      token: w.activated.license.token,
    });
    assert.deepEqual(byToken.body, { ...byToken.body, valid: true, code: 'VALID' });
    const byCode = await api.post<{ valid: boolean; code: string }>('/licenses/validate', {
      code: w.code,
      fingerprint: w.fingerprint,
    });
    assert.deepEqual(byCode.body, { ...byCode.body, valid: true, code: 'VALID' });
    // The partner still serves the entitlement as its channel partner, but the account is the producer's now.
    assertProblem(await w.asPartner.post(`/accounts/${w.C.id}/hand-over`, { name: 'Again' }), 404, 'NOT_FOUND');
    assert.equal((await w.asPartner.get(`/entitlements/${w.entitlement.id}`)).status, 200);

    // The audit says who did it and when, before and after.
    const events = (await api.get<PageBody<EventBody>>(`/events?subjectId=${w.C.id}`)).body.items;
    const handedOver = events.find((e) => e.action === 'account.handed-over');
    assert.ok(handedOver, JSON.stringify(events));
    assert.equal(handedOver.actor, `api-key:${w.partnerKeyId}`);
    assert.equal(handedOver.at, r.body.updatedAt);
    assert.deepEqual(handedOver.before, w.C);
    assert.deepEqual(handedOver.after, r.body);
  });

  it('hands over without a contact', async () => {
    const { api } = server();
    const w = await endCustomerWithLicence(api);
    const r = await w.asPartner.post<HandedOverAccountBody>(`/accounts/${w.C.id}/hand-over`, { name: 'Solo GmbH' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.contact, null);
    assert.deepEqual((await api.get<PageBody<ContactBody>>(`/accounts/${w.C.id}/contacts`)).body.items, []);
  });

  it('refuses bad input and changes nothing', async () => {
    const { api } = server();
    const w = await endCustomerWithLicence(api);
    const named = await created(
      w.asPartner.post<AccountBody>('/accounts', { name: unique('named'), type: 'customer' }),
    );
    const path = `/accounts/${w.C.id}/hand-over`;
    const bad: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ name: '   ' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x'.repeat(201) }, 400, 'VALIDATION_FAILED'],
      [{ name: 'Muster AG', contact: { name: 'Erika', email: 'not-an-email' } }, 400, 'VALIDATION_FAILED'],
      [{ name: 'Muster AG', contact: { email: 'erika@example.com' } }, 400, 'VALIDATION_FAILED'],
      [{ name: 'Muster AG', anonymous: true }, 400, 'VALIDATION_FAILED'],
      [{ name: 42 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of bad) assertProblem(await w.asPartner.post(path, body), status, code);
    assertProblem(
      await w.asPartner.post(path, undefined, { raw: '{"name":', contentType: 'application/json' }),
      400,
      'MALFORMED_REQUEST',
    );
    assertProblem(
      await w.asPartner.post('/accounts/acc_00000000000000000000000000000000/hand-over', { name: 'X' }),
      404,
      'NOT_FOUND',
    );
    // Only an anonymous end customer can be handed over: not a named customer, not the partner itself.
    assertProblem(await w.asPartner.post(`/accounts/${named.id}/hand-over`, { name: 'X' }), 409, 'INVALID_STATE');
    assertProblem(await w.asPartner.post(`/accounts/${w.P.id}/hand-over`, { name: 'X' }), 409, 'INVALID_STATE');
    assert.deepEqual((await api.get<AccountBody>(`/accounts/${w.C.id}`)).body, w.C);
    assert.deepEqual((await api.get<AccountBody>(`/accounts/${named.id}`)).body, named);
    const events = (await api.get<PageBody<EventBody>>(`/events?subjectId=${w.C.id}`)).body.items;
    assert.deepEqual(
      events.map((e) => e.action),
      ['account.created'],
    );
  });

  it('lets only the partner that serves the end customer hand it over', async () => {
    const { api } = server();
    const w = await endCustomerWithLicence(api);
    const Q = await partner(api);
    const path = `/accounts/${w.C.id}/hand-over`;
    const body = { name: 'Muster AG' };
    // The producer never de-anonymises an end customer, whatever its role.
    const adminProblem = assertProblem(await api.post(path, body), 403, 'FORBIDDEN');
    assert.match(adminProblem.detail, /producer cannot de-anonymise/);
    assertProblem(await api.as(await apiKey(api, 'operator')).post(path, body), 403, 'FORBIDDEN');
    // Another partner does not see the account at all.
    assertProblem(await api.as(await apiKey(api, 'partner', Q.id)).post(path, body), 404, 'NOT_FOUND');
    // Customers, the end customer itself included, and callers without a key are refused.
    const direct = await account(api);
    assertProblem(await api.as(await apiKey(api, 'customer', direct.id)).post(path, body), 403, 'FORBIDDEN');
    assertProblem(await api.as(await apiKey(api, 'customer', w.C.id)).post(path, body), 403, 'FORBIDDEN');
    assertProblem(await api.as(null).post(path, body), 401, 'UNAUTHENTICATED');
    assert.deepEqual((await api.get<AccountBody>(`/accounts/${w.C.id}`)).body, w.C);
    // A partner's parent (a distributor above it) does not serve the end customer either.
    const D = await partner(api);
    const R = await partner(api, { parentAccountId: D.id });
    const ofR = await account(api, { parentAccountId: R.id, anonymous: true });
    assertProblem(
      await api.as(await apiKey(api, 'partner', D.id)).post(`/accounts/${ofR.id}/hand-over`, body),
      404,
      'NOT_FOUND',
    );
    // And the serving partner may.
    assert.equal((await w.asPartner.post(path, body)).status, 200);
  });

  it('of two hand-overs at once exactly one succeeds', async () => {
    const { api } = server();
    const w = await endCustomerWithLicence(api);
    const path = `/accounts/${w.C.id}/hand-over`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        w.asPartner.post(path, { name: `Name ${i}`, contact: { name: `Person ${i}`, email: `p${i}@example.com` } }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    // A loser that read the account before the winner changed it finds it named (409); one that read
    // it after no longer sees it, as the account is no longer the partner's (404).
    const refused = results.filter((r) => r.status !== 200);
    for (const r of refused) {
      if (r.status === 409) assertProblem(r, 409, 'INVALID_STATE');
      else assertProblem(r, 404, 'NOT_FOUND');
    }
    const winner = ok[0]?.body as HandedOverAccountBody;
    assert.equal((await api.get<AccountBody>(`/accounts/${w.C.id}`)).body.name, winner.name);
    const contacts = (await api.get<PageBody<ContactBody>>(`/accounts/${w.C.id}/contacts`)).body.items;
    assert.deepEqual(
      contacts.map((c) => c.email),
      [winner.contact?.email],
    );
    const events = (await api.get<PageBody<EventBody>>(`/events?subjectId=${w.C.id}`)).body.items;
    assert.equal(events.filter((e) => e.action === 'account.handed-over').length, 1);
  });
});
