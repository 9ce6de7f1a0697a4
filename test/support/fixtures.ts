import assert from 'node:assert/strict';
import type {
  AccountBody,
  ApiKeyBody,
  EntitlementBody,
  LicenseModelBody,
  ProductBody,
} from '../../src/http/schemas/entities.ts';
import type { ProblemBody } from '../../src/interface/schemas/common.ts';
import type { Api, ApiResponse } from './http.ts';

let counter = 0;
/** Names unique within a run, so fixtures never collide on unique constraints. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${process.pid}-${counter}`;
}

export async function created<T>(
  response: Promise<{ status: number; body: T; text: string }>,
  status = 201,
): Promise<T> {
  const r = await response;
  assert.equal(r.status, status, r.text);
  return r.body;
}

export async function licenseModel(api: Api, fields: Record<string, unknown> = {}) {
  return created(
    api.post<LicenseModelBody>('/license-models', { name: unique('model'), kind: 'node-locked', ...fields }),
  );
}

export async function product(api: Api, fields: Record<string, unknown> = {}) {
  const model = fields.licenseModelId ? undefined : await licenseModel(api);
  return created(
    api.post<ProductBody>('/products', {
      name: unique('product'),
      version: '1.0',
      licenseModelId: model?.id,
      ...fields,
    }),
  );
}

export async function account(api: Api, fields: Record<string, unknown> = {}) {
  return created(api.post<AccountBody>('/accounts', { name: unique('account'), type: 'customer', ...fields }));
}

export async function partner(api: Api, fields: Record<string, unknown> = {}) {
  return account(api, { type: 'partner', ...fields });
}

export async function simpleEntitlement(
  api: Api,
  options: { soldTo: string; productId: string; quantity?: number; state?: string; fields?: Record<string, unknown> },
) {
  return created(
    api.post<EntitlementBody>('/entitlements', {
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
  return created(api.post<EntitlementBody>(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
}

export async function apiKey(api: Api, role: string, accountId?: string): Promise<string> {
  const body = await created(
    api.post<ApiKeyBody & { key: string }>('/api-keys', { role, ...(accountId && { accountId }) }),
  );
  return body.key;
}

/** Asserts a problem answer of `status` and `code`, and answers its body, typed as a problem. */
/** A member of a free-form JSON object (an event's `before` and `after`), found or failing the test. */
export function member(value: unknown, name: string): unknown {
  assert.ok(typeof value === 'object' && value !== null && name in value, `no ${name} in ${JSON.stringify(value)}`);
  return (value as Record<string, unknown>)[name];
}

/** A problem document with the members a code adds (`reason`, `rejected`, …), read as `unknown`. */
export type ProblemAnswer = ProblemBody & Record<string, unknown>;

/** The problem document of an error answer: the route's success type does not describe it. */
export function problemOf(r: { body: unknown; text: string }): ProblemAnswer {
  const body = r.body;
  assert.ok(typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string', r.text);
  return body as ProblemAnswer;
}

export function assertProblem(
  r: Pick<ApiResponse<unknown>, 'status' | 'headers' | 'text'> & { body: unknown },
  status: number,
  code: string,
): ProblemAnswer {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = problemOf(r);
  assert.equal(body.code, code, r.text);
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.type, 'string');
  return body;
}
