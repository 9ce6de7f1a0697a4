import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../../domain/accounts.ts';
import type { WebRegisterKey } from '../../domain/bulk.ts';
import type { Entitlement, Registration, RegistrationField } from '../../domain/entitlements.ts';
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
import { Form, SelectField, TextField } from '../components/form.tsx';
import { entitlementPath, keysPath } from '../components/keys.tsx';
import { Code, CopyButton, Facts, Layout, Section } from '../components/layout.tsx';
import { DataTable } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, submit } from '../web.ts';
import { productLabels } from './stock.tsx';

const fieldLabels: Record<RegistrationField, { label: string; type?: 'email'; autocomplete: string }> = {
  name: { label: 'Person’s name', autocomplete: 'name' },
  email: { label: 'Email', type: 'email', autocomplete: 'email' },
  company: { label: 'Company', autocomplete: 'organization' },
  phone: { label: 'Phone', autocomplete: 'tel' },
  country: { label: 'Country', autocomplete: 'country-name' },
  address: { label: 'Address', autocomplete: 'street-address' },
};

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

interface KeyContext {
  key: WebRegisterKey;
  stock: Entitlement;
  productLabel: string;
  owners: Account[];
  /** The partner that holds the stock: new end customers go below it. */
  holder: Account | undefined;
}

/** Refusals of registration fields the form does not show (sent anyway, or the policy changed meanwhile). */
function UnaskedFields({ registration, state }: { registration: Registration; state: FormState }) {
  const unasked = Object.entries(state.errors).filter(
    ([name]) => name.startsWith('/registration/') && !registration.fields.some((f) => name === `/registration/${f}`),
  );
  if (unasked.length === 0) return null;
  return (
    <p class="form-error" role="alert">
      This stock does not collect these details, so none was stored and the key is not registered:{' '}
      {unasked.map(([name, message]) => `${name.slice('/registration/'.length)} (${message})`).join(', ')}.
    </p>
  );
}

function RegistrationFields({ registration, state }: { registration: Registration; state: FormState }) {
  if (registration.policy === 'none') {
    return (
      <>
        <UnaskedFields registration={registration} state={state} />
        <p class="muted">This stock collects no personal data: only the name above is stored.</p>
      </>
    );
  }
  return (
    <fieldset class="group">
      <legend>Registration{registration.policy === 'required' ? '' : ' (optional)'}</legend>
      <p class="field-hint">
        {registration.policy === 'required'
          ? 'The producer asks for these details with every key of this stock.'
          : 'The producer asks for these details; you may leave them out.'}
      </p>
      <UnaskedFields registration={registration} state={state} />
      {registration.fields.map((field) => (
        <TextField
          name={`/registration/${field}`}
          label={fieldLabels[field].label}
          type={fieldLabels[field].type}
          autocomplete={fieldLabels[field].autocomplete}
          state={state}
          required={registration.policy === 'required'}
        />
      ))}
    </fieldset>
  );
}

/** Step two: who the key is registered for, and what the stock's policy asks. */
function RegisterPage({ view, state }: { view: KeyContext; state: FormState }) {
  const owner = textOf(state.values, '_owner') ?? (view.owners.length > 0 ? 'existing' : 'new');
  const registration = view.stock.registration ?? { policy: 'none', fields: [] };
  return (
    <Layout
      title="Register a key"
      lead={
        <>
          Key <Code>{view.key.key}</Code> of {view.productLabel}, from stock {view.stock.id}.
        </>
      }
    >
      <div class="narrow">
        <Form action="/portal/register" state={state} submit="Register the key">
          <input type="hidden" name="_key" value={view.key.key} />
          <fieldset class="group radio-choice">
            <legend>For whom</legend>
            {view.owners.length > 0 && (
              <div class="field-check">
                <input
                  id="f-owner-existing"
                  type="radio"
                  name="_owner"
                  value="existing"
                  checked={owner === 'existing'}
                />
                <label for="f-owner-existing">An existing customer</label>
              </div>
            )}
            {view.owners.length > 0 && (
              <SelectField
                name="accountId"
                label="Customer"
                options={view.owners.map((a) => ({
                  value: a.id,
                  label: a.id === view.holder?.id ? `${a.name} (the stock’s own account)` : a.name,
                }))}
                blank="Choose a customer"
                state={state}
                selects="f-owner-existing"
              />
            )}
            <div class="field-check">
              <input id="f-owner-new" type="radio" name="_owner" value="new" checked={owner === 'new'} />
              <label for="f-owner-new">A new end customer, known by name only</label>
            </div>
            <TextField
              name="accountName"
              label="Name of the new end customer"
              state={state}
              selects="f-owner-new"
              autocomplete="off"
              hint="Only this name is stored: choose one you will recognise, such as your order number. The producer sees the name and nothing else."
            />
          </fieldset>
          <RegistrationFields registration={registration} state={state} />
        </Form>
        <p class="after-form">
          <a href="/portal/register">Register another key instead</a>
        </p>
      </div>
    </Layout>
  );
}

function RegisteredPage({
  entitlement,
  ownerName,
  productLabel,
  activateUrl,
}: {
  entitlement: Entitlement;
  ownerName: string;
  productLabel: string;
  activateUrl: string;
}) {
  const item = entitlement.lineItems[0];
  const activationId = item?.activationId ?? '';
  const mail = `/portal/entitlements/${encodeURIComponent(entitlement.id)}/email`;
  return (
    <Layout
      title="Key registered"
      lead={`Key ${entitlement.webRegisterKey ?? ''} is now entitlement ${entitlement.id}, for ${ownerName}.`}
    >
      <div class="notice activation-result" role="status">
        <p>
          <strong>Give the end customer this activation ID.</strong> They activate {productLabel} with it, in the
          software or at <a href={activateUrl}>{activateUrl}</a>; they need no account.
        </p>
        <div class="secret">
          <span class="activation-id">{activationId}</span>
          <CopyButton text={activationId} />
        </div>
        <p class="button-row">
          <a class="button" href={mail}>
            Email it
          </a>
          <a class="button" href={entitlementPath(entitlement.id)}>
            Open the entitlement
          </a>
          <a class="button button-quiet" href="/portal/register">
            Register another key
          </a>
        </p>
      </div>
      <Section title="The new entitlement">
        <Facts
          items={[
            ['Entitlement ID', <a href={entitlementPath(entitlement.id)}>{entitlement.id}</a>],
            ['Activation ID', <Code>{activationId}</Code>],
            ['Product', productLabel],
            ['Quantity', item ? item.quantity.toLocaleString('en') : '—'],
            ['Owner', ownerName],
            ['State', entitlement.state],
            ['From stock', entitlement.bulkEntitlementId ?? '—'],
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
