import assert from 'node:assert/strict';
import type { EntitlementBody, EventBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';
import type { Api } from './http.ts';
import { account, created, deployedEntitlement, partner, product, simpleEntitlement } from './fixtures.ts';
import { PortalClient } from './portal-client.ts';

/**
 * The people of the portal tests, as in the role matrix: partner P with a customer C below it
 * and an anonymous end customer A (which has no portal users); a direct customer D; another partner Q with its customer QC.
 * Each signed in as a portal user of its role.
 */
export async function portalWorld(api: Api, url: string) {
  const P = await partner(api);
  const Q = await partner(api);
  const C = await account(api, { parentAccountId: P.id });
  const A = await account(api, { parentAccountId: P.id, anonymous: true });
  const D = await account(api);
  const QC = await account(api, { parentAccountId: Q.id });
  const productId = (await product(api)).id;
  // An anonymous end customer keeps no personal data, so it has no portal users: it only activates.
  const [admin, operator, partnerP, partnerQ, customerD, customerC] = await Promise.all([
    PortalClient.as(api, url, 'admin'),
    PortalClient.as(api, url, 'operator'),
    PortalClient.as(api, url, 'partner', P.id),
    PortalClient.as(api, url, 'partner', Q.id),
    PortalClient.as(api, url, 'customer', D.id),
    PortalClient.as(api, url, 'customer', C.id),
  ]);
  return {
    P,
    Q,
    C,
    A,
    D,
    QC,
    productId,
    admin,
    operator,
    partnerP,
    partnerQ,
    customerD,
    customerC,
    signedOut: new PortalClient(url),
  };
}

export type PortalWorld = Awaited<ReturnType<typeof portalWorld>>;

/** A draft (or other state) entitlement sold to `soldTo`, with `tier1` as its tier-1 partner. */
export async function entitlementFor(
  api: Api,
  soldTo: string,
  productId: string,
  options: {
    tier1?: string;
    quantity?: number;
    state?: 'draft' | 'test' | 'deployed';
    fields?: Record<string, unknown>;
  } = {},
) {
  const fields = {
    ...(options.tier1 && { channelPartners: [{ accountId: options.tier1, tier: 'tier1' }] }),
    ...options.fields,
  };
  if (options.state === 'deployed')
    return deployedEntitlement(api, { soldTo, productId, quantity: options.quantity, fields });
  return simpleEntitlement(api, { soldTo, productId, quantity: options.quantity, state: options.state, fields });
}

/** The audit events of an entitlement (and its line items), to show a page changed nothing. */
export async function eventsOf(api: Api, entitlementId: string): Promise<string[]> {
  const r = await api.get<PageBody<EventBody>>(`/events?entitlement=${encodeURIComponent(entitlementId)}&limit=1000`);
  assert.equal(r.status, 200, r.text);
  return r.body.items.map((e) => e.id);
}

export async function entitlementNow(api: Api, id: string) {
  return created(api.get<EntitlementBody>(`/entitlements/${encodeURIComponent(id)}`), 200);
}

/**
 * Whether the form field named `name` is marked invalid, with its message beside it: the field's
 * frame carries `field-invalid`, and its error paragraph follows the input.
 */
export function errorBeside(html: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const frame = new RegExp(
    `<(div|fieldset) class="field field-invalid">(?:(?!<(?:div|fieldset) class="field(?: field-invalid)?")[\\s\\S])*?name="${escaped}"[\\s\\S]*?<p class="field-error"[^>]*>([^<]*)</p>`,
  );
  return frame.exec(html)?.[2];
}
