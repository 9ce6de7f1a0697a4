import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activatable } from '../support/activation-fixtures.ts';
import { PortalClient, textOf } from '../support/portal-client.ts';
import { errorBeside, portalWorld } from '../support/portal-world.ts';
import { describeEachBackend } from '../support/suite.ts';
import { problemOf } from '../support/fixtures.ts';

/** The validator's own words, which a person filling in a form should never read. */
const validatorWords =
  /must NOT|must be >=|must be <=|must match|must have required|anyOf|allowed values|must be equal/;

describeEachBackend('portal: form refusals in words a person understands', (server) => {
  it('says what to type instead of quoting the validator, one sentence per field, and lists the choices', async () => {
    const { api, url } = server();
    const w = await portalWorld(api, url);

    await w.admin.get('/portal/profile');
    const short = await w.admin.post('/portal/profile/password', { newPassword: 'short' });
    assert.equal(short.status, 400);
    assert.equal(errorBeside(short.html, 'newPassword'), 'Use at least 12 characters.');
    assert.match(short.html, /autocomplete="username"/, 'a password manager knows whose password it is');

    await w.admin.get('/portal/entitlements/new');
    const entitlement = await w.admin.post('/portal/entitlements', {
      kind: 'simple',
      soldTo: w.D.id,
      state: 'draft',
      '/lineItems/0/startDate': '2026-13-45',
      '/lineItems/0/productId': w.productId,
      '/lineItems/0/quantity': '0',
    });
    assert.equal(entitlement.status, 400);
    assert.equal(errorBeside(entitlement.html, '/lineItems/0/quantity'), 'Enter 1 or more.');
    assert.equal(
      errorBeside(entitlement.html, '/lineItems/0/startDate'),
      'Enter a date as YYYY-MM-DD, for example 2026-12-31.',
    );
    assert.equal(
      (entitlement.html.match(/class="field-error"/g) ?? []).length,
      2,
      'one message per field, not one per branch of the date’s schema',
    );
    assert.doesNotMatch(textOf(entitlement.html), validatorWords);

    await w.admin.get('/portal/catalog/license-models/new');
    const model = await w.admin.post('/portal/catalog/license-models', { name: 'Bogus kind', kind: 'per-moon' });
    assert.equal(model.status, 400);
    const kind = errorBeside(model.html, 'kind') ?? '';
    assert.match(kind, /^Choose one of: .*node-locked.*floating/, kind);

    const sold = await activatable(api, { soldTo: w.D.id });
    const device = new PortalClient(url);
    await device.get('/activate');
    const activate = await device.post('/activate', { code: sold.code, fingerprint: 'bell\u0007machine' });
    assert.equal(activate.status, 400);
    assert.match(
      errorBeside(activate.html, 'fingerprint') ?? '',
      /^Use letters \(of any script\), digits, spaces and punctuation/,
    );
    assert.doesNotMatch(textOf(activate.html), validatorWords);

    const r = await api.as(null).post('/activations', { code: sold.code, fingerprint: 'bell\u0007machine' });
    assert.equal(r.status, 400);
    assert.deepEqual(
      problemOf(r).fields?.map((f) => f.field),
      ['/fingerprint'],
      'the API keeps its field pointers and code',
    );
    assert.equal(problemOf(r).code, 'VALIDATION_FAILED');
  });
});
