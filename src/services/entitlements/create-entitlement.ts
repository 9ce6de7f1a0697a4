import type { Actor } from '../../domain/actors.ts';
import { generateEntitlementId } from '../../domain/codes.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { newId } from '../../domain/ids.ts';
import { insertEntitlement, insertLineItems, loadEntitlementByPk } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import {
  type ChannelPartnerInput,
  type LineItemInput,
  newLineItemRows,
  requireAccount,
  resolveChannelPartners,
} from './entitlement-parts.ts';

export interface CreateSimpleEntitlementInput {
  kind: 'simple';
  id?: string | undefined;
  state?: 'draft' | 'test' | undefined;
  soldTo: string;
  description?: string | null | undefined;
  shipToEmail?: string | null | undefined;
  shipToAddress?: string | null | undefined;
  channelPartners?: ChannelPartnerInput[] | undefined;
  lineItems: LineItemInput[];
}

export async function createSimpleEntitlement(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateSimpleEntitlementInput,
): Promise<Entitlement> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    await requireAccount(tx, input.soldTo, '/soldTo');
    const partners = await resolveChannelPartners(tx, input.channelPartners ?? []);
    const pk = newId('entitlement');
    const state = input.state ?? 'draft';
    const id = input.id ?? generateEntitlementId();
    await unlessDuplicate(
      insertEntitlement(
        tx,
        {
          pk,
          id,
          id_generated: input.id === undefined ? 1 : 0,
          kind: 'simple',
          state,
          sold_to: input.soldTo,
          description: input.description ?? null,
          ship_to_email: input.shipToEmail ?? null,
          ship_to_address: input.shipToAddress ?? null,
          product_id: null,
          quantity_per_key: null,
          entitlement_id_pattern: null,
          registration: null,
          key_prefix: null,
          web_register_key: null,
          bulk_entitlement_pk: null,
          parent_entitlement_pk: null,
          created_at: at,
          updated_at: at,
        },
        partners,
      ),
      `Entitlement ${id} already exists.`,
      '/id',
    );
    const lineItems = await newLineItemRows(tx, {
      entitlementPk: pk,
      state,
      inputs: input.lineItems,
      firstPosition: 0,
      at,
      fieldOf: (index) => `/lineItems/${index}`,
    });
    await insertLineItems(tx, lineItems);
    const entitlement = await loadEntitlementByPk(tx, pk);
    await audit(tx, actor, at, { action: 'entitlement.created', subjectType: 'entitlement', subjectId: pk, after: entitlement });
    return entitlement;
  });
}
