import type { EntitlementBody, FeatureBody, ProductBody } from '../../src/http/schemas/entities.ts';
import type { Api } from './http.ts';
import { account, created, licenseModel, unique } from './fixtures.ts';

let devices = 0;
export function fingerprint(): string {
  devices += 1;
  return `fp-${process.pid}-${devices}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A deployed (or test) simple entitlement for a product of the given license model, with one line
 * item; answers its activation code and the admin-side objects.
 */
export async function activatable(
  api: Api,
  options: {
    model?: Record<string, unknown>;
    quantity?: number;
    state?: 'deployed' | 'test' | 'draft';
    lineItem?: Record<string, unknown>;
    soldTo?: string;
    fields?: Record<string, unknown>;
  } = {},
) {
  const model = await licenseModel(api, options.model ?? {});
  const feature = await created(api.post<FeatureBody>('/features', { name: unique('feature'), version: '2.0' }));
  const product = await created(
    api.post<ProductBody>('/products', {
      name: unique('Studio'),
      version: '5.0',
      licenseModelId: model.id,
      features: [{ name: feature.name, version: '2.0', count: 3 }],
    }),
  );
  const owner = options.soldTo ?? (await account(api)).id;
  const entitlement = await created(
    api.post<EntitlementBody>('/entitlements', {
      kind: 'simple',
      soldTo: owner,
      state: options.state === 'test' ? 'test' : 'draft',
      lineItems: [{ productId: product.id, quantity: options.quantity ?? 5, ...options.lineItem }],
      ...options.fields,
    }),
  );
  if (options.state === undefined || options.state === 'deployed') {
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
  }
  return { model, product, feature, owner, entitlement, code: entitlement.lineItems[0]!.activationId };
}
