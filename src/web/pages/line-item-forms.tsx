import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/actors.ts';
import type { LineItem } from '../../domain/entitlements.ts';
import { LineItemUpdateInput } from '../../interface/schemas/line-items-inputs.ts';
import { requireProducer } from '../../services/access.ts';
import { deleteLineItem, getLineItem, updateLineItem } from '../../services/entitlements/line-items.ts';
import { productChoices } from '../choices.ts';
import { Form, PostButton, TextField } from '../components/form.tsx';
import { Layout, Section } from '../components/layout.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { type FormBody, type FormState, blanksAsNull, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { NoInput, type Web, submit } from '../web.ts';
import { entitlementPath } from './entitlements.tsx';
import { lineItemPath } from './line-item-views.tsx';

function EditLineItemPage({ lineItem, products, state }: { lineItem: LineItem; products: Choices; state: FormState }) {
  const path = lineItemPath(lineItem.activationId);
  return (
    <Layout
      title={`Edit line item ${lineItem.activationId}`}
      lead={
        <>
          Of entitlement <a href={entitlementPath(lineItem.entitlementId)}>{lineItem.entitlementId}</a>. Line items
          change while their entitlement is draft or test; once deployed, use the lifecycle operations.
        </>
      }
    >
      <div class="narrow">
        <Form action={`${path}/edit`} state={state} submit="Save line item">
          <div class="field-row">
            <PickerField
              name="productId"
              label="Product"
              choices={products}
              state={state}
              required
              value={lineItem.productId}
            />
            <TextField
              name="quantity"
              label="Quantity"
              type="number"
              min={1}
              state={state}
              required
              value={String(lineItem.quantity)}
            />
          </div>
          <div class="field-row">
            <TextField
              name="startDate"
              label="Start date"
              type="date"
              state={state}
              value={lineItem.startDate ?? ''}
              hint="Blank: usable at once."
            />
            <TextField
              name="expirationDate"
              label="Expiration date"
              type="date"
              state={state}
              value={lineItem.expirationDate ?? ''}
              hint="Blank: permanent."
            />
          </div>
        </Form>
        <Section title="Delete this line item">
          <p>Its activation ID stops working. A line item with active activations is kept until they are returned.</p>
          <PostButton
            action={`${path}/delete`}
            label="Delete line item"
            tone="danger"
            confirm={`Delete line item ${lineItem.activationId}? This cannot be undone.`}
          />
        </Section>
      </div>
    </Layout>
  );
}

/** The producer's edit and delete of a draft or test entitlement's line item, one at a time. */
export async function lineItemFormPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const subject = async (request: FastifyRequest) => {
    const { actor } = signedIn(request);
    requireProducer(actor);
    const lineItem = await getLineItem(ctx, actor, (request.params as { activationId: string }).activationId);
    return { actor, lineItem };
  };
  // The product list is loaded only when the page is shown: a successful post goes without it.
  const editPage = async (actor: Actor, lineItem: LineItem, state: FormState) => (
    <EditLineItemPage lineItem={lineItem} products={await productChoices(ctx, actor)} state={state} />
  );

  app.get('/line-items/:activationId/edit', async (request, reply) => {
    const { actor, lineItem } = await subject(request);
    return render.page(request, reply, await editPage(actor, lineItem, emptyForm));
  });

  app.post('/line-items/:activationId/edit', async (request, reply) => {
    const { actor, lineItem } = await subject(request);
    return submit(web, request, reply, {
      schema: LineItemUpdateInput,
      // A date left blank clears it, as the form says.
      extra: blanksAsNull((request.body ?? {}) as FormBody, ['startDate', 'expirationDate']),
      run: (input) => updateLineItem(ctx, actor, lineItem.activationId, input),
      done: (saved) =>
        render.redirect(reply, lineItemPath(saved.activationId), `Line item ${saved.activationId} is saved.`),
      again: (state) => editPage(actor, lineItem, state),
    });
  });

  app.post('/line-items/:activationId/delete', async (request, reply) => {
    const { actor, lineItem } = await subject(request);
    return submit(web, request, reply, {
      schema: NoInput,
      run: () => deleteLineItem(ctx, actor, lineItem.activationId),
      done: () =>
        render.redirect(
          reply,
          `${entitlementPath(lineItem.entitlementId)}#line-items`,
          `Line item ${lineItem.activationId} is deleted.`,
        ),
      again: (state) => editPage(actor, lineItem, state),
    });
  });
}
