import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertProblem, problemOf } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('errors', (server) => {
  it('answers malformed JSON with 400 MALFORMED_REQUEST', async () => {
    const { api } = server();
    assertProblem(
      await api.request('POST', '/accounts', { raw: '{"name": "x", ', contentType: 'application/json' }),
      400,
      'MALFORMED_REQUEST',
    );
    assertProblem(
      await api.request('POST', '/accounts', { raw: '', contentType: 'application/json' }),
      400,
      'MALFORMED_REQUEST',
    );
    assertProblem(
      await api.request('POST', '/accounts', {
        raw: '{"__proto__": {"admin": true}, "name": "x", "type": "customer"}',
        contentType: 'application/json',
      }),
      400,
      'MALFORMED_REQUEST',
    );
  });

  it('answers oversized bodies with 413 and stores nothing', async () => {
    const { api } = server();
    const before = (await api.get('/accounts?limit=1000')).body.items.length;
    const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), type: 'customer' });
    assertProblem(
      await api.request('POST', '/accounts', { raw: huge, contentType: 'application/json' }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    assert.equal((await api.get('/accounts?limit=1000')).body.items.length, before);
  });

  it('answers unsupported content types with 415', async () => {
    const { api } = server();
    assertProblem(
      await api.request('POST', '/accounts', { raw: '<account/>', contentType: 'application/xml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers unknown routes and bad URLs as problems', async () => {
    const { api } = server();
    assertProblem(await api.get('/no-such-thing'), 404, 'NOT_FOUND');
    assertProblem(await api.request('PUT', '/accounts'), 404, 'NOT_FOUND');
    assertProblem(await api.get('/accounts/%C3%28'), 400, 'MALFORMED_REQUEST');
    assertProblem(await api.get('/accounts/abc%00def'), 400, 'MALFORMED_REQUEST');
    assertProblem(await api.get('/accounts?name=%00'), 400, 'MALFORMED_REQUEST');
  });

  it('refuses NUL characters anywhere in a JSON body, naming the field', async () => {
    const { api } = server();
    const r = await api.request('POST', '/accounts', {
      raw: '{"name":"ok","type":"customer","x":["a","b\\u0000"]}',
      contentType: 'application/json',
    });
    assertProblem(r, 400, 'VALIDATION_FAILED');
    assert.deepEqual(problemOf(r).fields, [{ field: '/x/1', message: 'contains a NUL character' }]);
  });

  it('never answers 5xx to hostile strings', async () => {
    const { api } = server();
    const hostile = [
      "'",
      '"',
      "'; DROP TABLE accounts; --",
      '\\',
      '%',
      '_',
      '\u202e',
      '\ud800',
      'a'.repeat(200),
      '../../etc/passwd',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile literal, not a template
      '${jndi:ldap://x}',
      '<script>',
    ];
    for (const text of hostile) {
      const segment = text === '\ud800' ? '%ED%A0%80' : encodeURIComponent(text);
      for (const path of [`/accounts/${segment}`, `/entitlements/${segment}`, `/line-items/${segment}`]) {
        const r = await api.get(path);
        assert.ok(r.status < 500, `${path} → ${r.status}`);
      }
      const r = await api.post('/accounts', { name: text, type: 'customer' });
      assert.ok(r.status === 201 || r.status === 400, `${JSON.stringify(text)} → ${r.status} ${r.text}`);
      if (r.status === 201) assert.equal(r.body.name, text.trim() || text);
    }
  });
});
