import assert from 'node:assert/strict';
import type { Api } from './http.ts';

let counter = 0;
/** Names unique within a run, so fixtures never collide on unique constraints. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${process.pid}-${counter}`;
}

export async function created<T = any>(
  response: Promise<{ status: number; body: T; text: string }>,
  status = 201,
): Promise<T> {
  const r = await response;
  assert.equal(r.status, status, r.text);
  return r.body;
}

export async function licenseModel(api: Api, fields: Record<string, unknown> = {}) {
  return created(api.post('/license-models', { name: unique('model'), kind: 'node-locked', ...fields }));
}

export async function product(api: Api, fields: Record<string, unknown> = {}) {
  const model = fields.licenseModelId ? undefined : await licenseModel(api);
  return created(
    api.post('/products', { name: unique('product'), version: '1.0', licenseModelId: model?.id, ...fields }),
  );
}

export async function account(api: Api, fields: Record<string, unknown> = {}) {
  return created(api.post('/accounts', { name: unique('account'), type: 'customer', ...fields }));
}

export async function partner(api: Api, fields: Record<string, unknown> = {}) {
  return account(api, { type: 'partner', ...fields });
}

export async function simpleEntitlement(
  api: Api,
  options: { soldTo: string; productId: string; quantity?: number; state?: string; fields?: Record<string, unknown> },
) {
  return created(
    api.post('/entitlements', {
      kind: 'simple',
      soldTo: options.soldTo,
      ...(options.state && { state: options.state }),
      lineItems: [{ productId: options.productId, quantity: options.quantity ?? 5 }],
      ...options.fields,
    }),
  );
}

/** A deployed simple entitlement with one line item, ready to activate. */
export async function deployedEntitlement(
  api: Api,
  options: { soldTo: string; productId: string; quantity?: number; fields?: Record<string, unknown> },
) {
  const entitlement = await simpleEntitlement(api, options);
  return created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
}

export async function apiKey(api: Api, role: string, accountId?: string): Promise<string> {
  const body = await created(api.post('/api-keys', { role, ...(accountId && { accountId }) }));
  return body.key as string;
}

export function assertProblem(
  r: { status: number; headers: Headers; body: any; text: string },
  status: number,
  code: string,
): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.equal(r.body.code, code, r.text);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.detail, 'string');
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.type, 'string');
}
