import type { WebRegisterKeyBody } from '../../src/http/routes/web-register-keys.ts';
import type { EntitlementBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';
import type { Api } from './http.ts';
import { created, partner, product } from './fixtures.ts';

/** A partner and a bulk entitlement sold to it, in the given state, with `keys` loaded. */
export async function bulkWithKeys(
  api: Api,
  options: {
    keys?: string[];
    generate?: number;
    state?: 'draft' | 'test' | 'deployed';
    fields?: Record<string, unknown>;
    partnerId?: string;
    productId?: string;
  } = {},
) {
  const distributor = options.partnerId ? { id: options.partnerId } : await partner(api);
  const productId = options.productId ?? (await product(api)).id;
  const bulk = await created(
    api.post<EntitlementBody>('/entitlements', {
      kind: 'bulk',
      productId,
      state: options.state === 'test' ? 'test' : 'draft',
      channelPartners: [{ accountId: distributor.id, tier: 'tier1' }],
      ...options.fields,
    }),
  );
  if (options.keys) await created(api.post(`/entitlements/${bulk.id}/web-register-keys`, { keys: options.keys }));
  if (options.generate)
    await created(api.post(`/entitlements/${bulk.id}/web-register-keys`, { generate: options.generate }));
  if (options.state === 'deployed' || options.state === undefined) {
    await created(api.post(`/entitlements/${bulk.id}/state`, { state: 'deployed' }), 200);
  }
  const page = await api.get<PageBody<WebRegisterKeyBody>>(`/entitlements/${bulk.id}/web-register-keys?limit=1000`);
  const keys = page.body.items.map((k) => k.key);
  const loaded = await api.get<EntitlementBody>(`/entitlements/${bulk.id}`);
  return { bulk: loaded.body, partner: distributor, productId, keys };
}

let serial = 0;
/** Keys unique to this process and call, in the loaded format. */
export function someKeys(n: number, prefix = 'K'): string[] {
  serial += 1;
  return Array.from({ length: n }, (_, i) => `${prefix}${process.pid}-${serial}-${i}`);
}
