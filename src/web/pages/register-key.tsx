import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Entitlement } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import { RedeemKeyInput } from '../../interface/schemas/web-register-keys-inputs.ts';
import { statusOfError } from '../../interface/problem.ts';
import { publicBaseUrl } from '../../interface/public-url.ts';
import { getAccount, listAccounts } from '../../services/accounts/read-accounts.ts';
import { listBulkStock } from '../../services/bulk/read-stock.ts';
import { getWebRegisterKey } from '../../services/bulk/read-web-register-keys.ts';
import {
  type KeyRefusal,
  keyRefusal,
  redeemWebRegisterKey,
  registeringPartner,
} from '../../services/bulk/redeem-web-register-key.ts';
import { getProduct } from '../../services/catalog/read-catalog.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { Form, TextField } from '../components/form.tsx';
import { keysPath } from '../components/keys.tsx';
import { Layout, Section } from '../components/layout.tsx';
import { DataTable } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, submit } from '../web.ts';
import { productLabels } from './stock.tsx';
import { type KeyContext, RegisterPage, RegisteredPage } from './register-key-views.tsx';

/** Step one: which key. With the stock it can come from, so a partner sees how many keys are left. */
function FindKeyPage({
  state,
  stock,
  products,
}: {
  state: FormState;
  stock: Entitlement[];
  products: Map<string, string>;
}) {
  return (
    <Layout
      title="Register a key"
      lead="Turn a web register key into an entitlement for an end customer, who then activates with its activation ID."
    >
      <Section title="Which key">
        <div class="narrow">
          <Form action="/portal/register/find" state={state} submit="Continue">
            <TextField
              name="key"
              label="Web register key"
              state={state}
              required
              autofocus
              autocomplete="off"
              hint="As printed or sent; case, spaces and hyphens do not matter, nor O for 0 or I for 1."
            />
          </Form>
        </div>
      </Section>
      <Section title="Stock to register from">
        <DataTable
          caption="Stock"
          rows={stock}
          empty={{
            title: 'No deployed stock.',
            body: <p>Keys can be registered once the producer has sold you stock and deployed it.</p>,
          }}
          columns={[
            { label: 'Entitlement', cell: (e) => <a href={keysPath(e.id)}>{e.id}</a> },
            { label: 'Product', cell: (e) => (e.productId ? (products.get(e.productId) ?? e.productId) : '—') },
            {
              label: 'Unredeemed keys',
              numeric: true,
              cell: (e) => (e.webRegisterKeys?.unredeemed ?? 0).toLocaleString('en'),
            },
          ]}
        />
      </Section>
    </Layout>
  );
}

/** The service's refusal in the words of this page; the refusal names nobody. */
const keyRefusalWords: Record<KeyRefusal['reason'], (stock: Entitlement) => string> = {
  redeemed: () => 'This key has been registered already; a key is registered once.',
  void: () => 'This key is void: it can no longer be registered.',
  'stock-not-ready': (stock) =>
    `The stock of this key is ${stock.state}; its keys can be registered once the producer deploys it.`,
};

const keyRefusalForm = (error: AppError): FormState => ({
  values: {},
  errors: { key: error.message },
  message: undefined,
});

/**
 * A refused registration shown again with everything that was typed (also the field of the choice
 * not taken), and a missing owner asked for in the words of the choice the person made.
 */
function ownerRefusal(state: FormState, values: FormBody): FormState {
  const errors = { ...state.errors };
  const existing = textOf(values, '_owner') === 'existing';
  const chosen = (textOf(values, existing ? 'accountId' : 'accountName') ?? '').trim();
  // The owner was left out (the API's "either accountId or accountName"); other refusals stay as they are.
  if (chosen === '' && (errors.accountId !== undefined || errors['/accountId'] !== undefined)) {
    delete errors.accountId;
    delete errors['/accountId'];
    if (existing) errors.accountId = 'Choose the customer from the list.';
    else errors.accountName = 'Type the name of the new end customer.';
  }
  return { ...state, values, errors };
}

export async function registerKeyPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const findKeyPage = async (request: FastifyRequest, state: FormState) => {
    const { actor } = signedIn(request);
    // Also the role check: customers hold no stock and register no keys.
    const stock = (await listBulkStock(ctx, actor, { state: 'deployed' }, { limit: 50 })).items;
    const products = await productLabels(ctx, actor, stock);
    return <FindKeyPage state={state} stock={stock} products={products} />;
  };
  const findPage = async (request: FastifyRequest, reply: FastifyReply, state: FormState, status?: number) =>
    render.page(request, reply, await findKeyPage(request, state), { status });

  /** The key as the actor may see it, with its stock and the accounts it may be registered for. */
  const keyContext = async (request: FastifyRequest, rawKey: string): Promise<KeyContext> => {
    const { actor } = signedIn(request);
    const key = await getWebRegisterKey(ctx, actor, rawKey);
    const stock = await getEntitlement(ctx, actor, key.entitlementId);
    const product = stock.productId ? await getProduct(ctx, actor, stock.productId) : undefined;
    const holderId = registeringPartner(actor, stock);
    const holder = holderId ? await getAccount(ctx, actor, holderId) : undefined;
    const children = holderId
      ? (await listAccounts(ctx, actor, { parentAccountId: holderId, type: 'customer' }, { limit: 500 })).items
      : [];
    return {
      key,
      stock,
      productLabel: product ? `${product.name} ${product.version}` : 'its product',
      owners: holder ? [...children, holder] : children,
      holder,
    };
  };

  app.get('/register', async (request, reply) => findPage(request, reply, emptyForm));

  // Unknown keys answer 404 and count as failed guesses against the address, as on the API.
  app.post('/register/find', { config: { guessLimited: 'keys' } }, async (request, reply) => {
    signedIn(request);
    const values = (request.body ?? {}) as FormBody;
    const raw = (textOf(values, 'key') ?? '').trim();
    if (raw === '')
      return findPage(request, reply, { values, errors: { key: 'Enter the key.' }, message: undefined }, 400);
    let view: KeyContext;
    try {
      view = await keyContext(request, raw.slice(0, 100));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'NOT_FOUND') throw error;
      const message =
        'There is no such key in your stock. Check it for typing mistakes: a key has 4 to 64 letters, digits, - _ or .';
      return findPage(request, reply, { values, errors: { key: message }, message: undefined }, 404);
    }
    const refused = keyRefusal(view.key, view.stock);
    if (refused) {
      const worded = new AppError(refused.error.code, keyRefusalWords[refused.reason](view.stock));
      return findPage(request, reply, { ...keyRefusalForm(worded), values }, statusOfError(worded));
    }
    return render.page(request, reply, <RegisterPage view={view} state={emptyForm} />);
  });

  app.post('/register', { config: { guessLimited: 'keys' } }, async (request, reply) => {
    const { actor } = signedIn(request);
    const values = (request.body ?? {}) as FormBody;
    const rawKey = (textOf(values, '_key') ?? '').slice(0, 100);
    // The choice of owner picks which of the two fields is the API's input.
    const body: FormBody = { ...values };
    if (textOf(values, '_owner') === 'existing') delete body.accountName;
    else delete body.accountId;
    request.body = body;
    let keyRefused: AppError | undefined;
    return submit(web, request, reply, {
      schema: RedeemKeyInput,
      run: async (input) => {
        try {
          return await redeemWebRegisterKey(ctx, actor, rawKey, input);
        } catch (error) {
          // Redeemed (or voided) meanwhile: the form for this key is of no use any more.
          if (error instanceof AppError && (error.code === 'ALREADY_REDEEMED' || error.code === 'INVALID_STATE'))
            keyRefused = error;
          throw error;
        }
      },
      done: async (entitlement) => {
        const owner = await getAccount(ctx, actor, entitlement.soldTo ?? '');
        const item = entitlement.lineItems[0];
        const product = item ? await getProduct(ctx, actor, item.productId) : undefined;
        const page = (
          <RegisteredPage
            entitlement={entitlement}
            ownerName={owner.name}
            productLabel={product ? `${product.name} ${product.version}` : 'the software'}
            activateUrl={`${publicBaseUrl(ctx.config, request)}/activate`}
          />
        );
        return render.page(request, reply, page, { status: 201 });
      },
      again: async (state) =>
        keyRefused ? (
          findKeyPage(request, { ...keyRefusalForm(keyRefused), values: { key: rawKey } })
        ) : (
          <RegisterPage view={await keyContext(request, rawKey)} state={ownerRefusal(state, values)} />
        ),
    });
  });
}
