import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describeEachBackend } from '../support/suite.ts';

describeEachBackend('OpenAPI and docs', (server) => {
  it('serves a valid OpenAPI 3.1 document generated from the routes', async () => {
    const r = await fetch(`${server().url}/api/v1/openapi.json`);
    assert.equal(r.status, 200);
    const doc: any = await r.json();
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
    for (const path of [
      '/api/v1/entitlements',
      '/api/v1/entitlements/{id}/state',
      '/api/v1/api-keys',
      '/api/v1/events',
    ]) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    const ids = Object.values(doc.paths).flatMap((p: any) => Object.values(p).map((op: any) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operation IDs are unique');
    assert.ok(
      ids.every((id) => typeof id === 'string'),
      'every operation has an ID',
    );
  });

  it('serves a readable reference at /docs without a key', async () => {
    const r = await fetch(`${server().url}/docs`, { redirect: 'follow' });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /swagger-ui/i);
  });
});
