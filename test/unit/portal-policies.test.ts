import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Actor, type Role, publicActor, systemActor } from '../../src/domain/actors.ts';
import { eventTypeNames, isAdminOnly } from '../../src/domain/webhooks.ts';
import { registeringPartner } from '../../src/services/bulk/redeem-web-register-key.ts';
import { portalView, seesOtherAccounts } from '../../src/services/portal-view.ts';
import { hearableEventTypes, readsEveryEndpoint } from '../../src/services/webhooks/read-webhook-endpoints.ts';

function user(role: Role, accountId: string | null = null, accountAnonymous = false): Actor {
  return { type: 'user', id: `usr_${role}`, role, accountId, accountAnonymous };
}

const admin = user('admin');
const operator = user('operator');
const partner = user('partner', 'acc_partner');
const customer = user('customer', 'acc_customer');
const endCustomer = user('customer', 'acc_end', true);

describe('portalView', () => {
  it('gives the producer’s staff, partners, customers and anonymous end customers each their own portal', () => {
    assert.equal(portalView(admin), 'producer');
    assert.equal(portalView(operator), 'producer');
    assert.equal(portalView(systemActor), 'producer');
    assert.equal(portalView(partner), 'partner');
    assert.equal(portalView(customer), 'customer');
    assert.equal(portalView(endCustomer), 'end-customer');
  });

  it('has no portal for someone not signed in', () => {
    assert.throws(() => portalView(publicActor), { code: 'UNAUTHENTICATED' });
  });
});

describe('seesOtherAccounts', () => {
  it('is true where the scope spans accounts: the producer’s and a partner’s', () => {
    assert.deepEqual([admin, operator, partner, customer, endCustomer].map(seesOtherAccounts), [
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('hearableEventTypes', () => {
  it('offers the producer every event type', () => {
    assert.deepEqual(hearableEventTypes(admin), eventTypeNames);
    assert.deepEqual(hearableEventTypes(operator), eventTypeNames);
    assert.equal(readsEveryEndpoint(operator), true);
  });

  it('offers a partner none of the producer’s own administration, and everything else', () => {
    const offered = hearableEventTypes(partner);
    assert.equal(readsEveryEndpoint(partner), false);
    assert.ok(eventTypeNames.some(isAdminOnly), 'some event types are the producer’s alone');
    assert.deepEqual(
      offered,
      eventTypeNames.filter((type) => !isAdminOnly(type)),
    );
  });

  it('refuses a customer, who has no webhooks', () => {
    assert.throws(() => hearableEventTypes(customer), { code: 'FORBIDDEN' });
  });
});

describe('registeringPartner', () => {
  const stock = { soldTo: 'acc_distributor' };

  it('registers a partner’s keys under the partner itself', () => {
    assert.equal(registeringPartner(partner, stock), 'acc_partner');
  });

  it('registers the producer’s keys under the partner the stock was sold to', () => {
    assert.equal(registeringPartner(admin, stock), 'acc_distributor');
    assert.equal(registeringPartner(systemActor, stock), 'acc_distributor');
    assert.equal(registeringPartner(admin, { soldTo: null }), null);
  });
});
