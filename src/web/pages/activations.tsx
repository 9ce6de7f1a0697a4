import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { type Activation, activationStates } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { Code as CodeSchema, Fingerprint } from '../../interface/schemas/activations-inputs.ts';
import { ResourceId } from '../../interface/schemas/common.ts';
import { mayRevokeActivations, returnActivation, revokeActivation } from '../../services/activations/end-activation.ts';
import { getActivation, getActivationLicense, listActivations } from '../../services/activations/read-activations.ts';
import type { ServiceContext } from '../../services/context.ts';
import { seesOtherAccounts } from '../../services/portal-view.ts';
import { EmailLicenseBody } from '../../interface/schemas/messages-inputs.ts';
import { emailActivationLicense } from '../../services/mail/license-mail.ts';
import {
  ActivationState,
  type ActivationNames,
  ActivationTable,
  deviceLabel,
} from '../components/activation-table.tsx';
import { Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { FilterBar, Pager } from '../components/table.tsx';
import { accountNames, productNames } from '../lookups.ts';
import { signedIn } from '../session.ts';
import { type FormState, emptyForm } from '../forms.ts';
import { type Web, parseQuery, submit } from '../web.ts';

const ActivationListQuery = Type.Object({
  q: Type.Optional(CodeSchema),
  fingerprint: Type.Optional(Fingerprint),
  account: Type.Optional(ResourceId),
  entitlement: Type.Optional(ResourceId),
  state: Type.Optional(Type.Enum(activationStates)),
  test: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const PAGE_SIZE = 50;

/** Names of the products and accounts a list of activations shows. */
export async function namesForActivations(
  ctx: ServiceContext,
  actor: Actor,
  activations: Activation[],
  withAccounts: boolean,
): Promise<ActivationNames> {
  const [products, accounts] = await Promise.all([
    productNames(
      ctx,
      actor,
      activations.map((a) => a.productId),
    ),
    withAccounts
      ? accountNames(
          ctx,
          actor,
          activations.map((a) => a.accountId),
        )
      : Promise.resolve(new Map<string, string>()),
  ]);
  return { products, accounts };
}

/** A licence file's name a person recognises in a downloads folder. */
export function licenceFilename(activation: Pick<Activation, 'activationId' | 'deviceName' | 'fingerprint'>): string {
  const part = (text: string) =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48);
  const device = part(deviceLabel(activation)) || 'device';
  return `licence-${part(activation.activationId)}-${device}.lic`;
}

const stateOptions = activationStates.map((s) => ({ value: s, label: s }));
const testOptions = [
  { value: 'false', label: 'Billable only' },
  { value: 'true', label: 'Test only' },
];

function ActivationsPage({
  activations,
  names,
  query,
  showAccount,
  accountName,
}: {
  activations: Page<Activation>;
  names: ActivationNames;
  query: Record<string, string | undefined>;
  showAccount: boolean;
  accountName: string | undefined;
}) {
  const filtered = Object.entries(query).some(([key, value]) => key !== 'cursor' && value !== undefined);
  const lead = query.account
    ? `Activations of ${accountName ?? query.account}.`
    : query.entitlement
      ? `Activations of entitlement ${query.entitlement}.`
      : 'Every activation of a licence on a device, newest first. Open one to download its licence file or to return it.';
  return (
    <Layout
      title={showAccount ? 'Activations' : 'Devices and licences'}
      lead={lead}
      actions={
        <a class="button" href="/portal/devices">
          Devices
        </a>
      }
    >
      <Section title="Find activations">
        <FilterBar action="/portal/activations">
          <TextField
            name="q"
            label="Activation code or ID"
            value={query.q}
            placeholder="Code, or act_…"
            type="search"
          />
          <TextField
            name="fingerprint"
            label="Fingerprint"
            value={query.fingerprint}
            placeholder="The whole fingerprint"
            type="search"
          />
          {showAccount && <TextField name="account" label="Account ID" value={query.account} placeholder="acc_…" />}
          {query.entitlement && <input type="hidden" name="entitlement" value={query.entitlement} />}
          <SelectField name="state" label="State" options={stateOptions} blank="Any state" value={query.state} />
          <SelectField name="test" label="Test" options={testOptions} blank="Billable and test" value={query.test} />
        </FilterBar>
        <ActivationTable
          activations={activations.items}
          names={names}
          showAccount={showAccount}
          empty={
            filtered
              ? {
                  title: 'No activation matches these filters.',
                  body: <p>Check the code or fingerprint, or clear the filters to see every activation.</p>,
                }
              : {
                  title: 'No device has been activated yet.',
                  body: (
                    <p>
                      A device activates with an activation code at /activate or through the API; it appears here as
                      soon as it has a licence.
                    </p>
                  ),
                }
          }
        />
        <Pager path="/portal/activations" query={query} nextCursor={activations.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

function ActivationPage({
  activation,
  names,
  actor,
  accountName,
  mailState = emptyForm,
}: {
  activation: Activation;
  names: ActivationNames;
  actor: Actor;
  accountName: string | undefined;
  mailState?: FormState;
}) {
  const active = activation.state === 'active';
  const anonymous = actor.type === 'user' && actor.accountAnonymous;
  const product = names.products.get(activation.productId) ?? activation.productId;
  return (
    <Layout
      title={`${product} on ${deviceLabel(activation)}`}
      lead={
        active
          ? 'This device holds a licence. Download the licence file to install it again, or return the activation to free its count for another device.'
          : `This activation was ${activation.state} on ${formatDate(activation.endedAt)}; its licence no longer validates.`
      }
      actions={
        <a class="button" href="/portal/activations">
          All activations
        </a>
      }
    >
      <Section title="Licence">
        <Facts
          items={[
            ['State', <ActivationState activation={activation} />],
            ['Product', product],
            [
              'Activation code',
              anonymous ? (
                <Code>{activation.activationId}</Code>
              ) : (
                <a href={`/portal/entitlements/${encodeURIComponent(activation.entitlementId)}`}>
                  <Code>{activation.activationId}</Code>
                </a>
              ),
            ],
            ['Entitlement', anonymous ? null : activation.entitlementId],
            ['Count', activation.count],
            ['Activated', formatDate(activation.issuedAt)],
            ['Licence expires', activation.expiresAt ? formatDate(activation.expiresAt) : 'Never (permanent)'],
            [
              activation.state === 'revoked' ? 'Revoked' : 'Returned',
              activation.endedAt ? formatDate(activation.endedAt) : null,
            ],
            ['Activated offline', activation.offline ? 'Yes' : 'No'],
            ['Activation ID', <Code>{activation.id}</Code>],
          ]}
        />
        <div class="button-row section-foot">
          <a
            class="button button-primary"
            href={`/portal/activations/${activation.id}/license`}
            download={licenceFilename(activation)}
          >
            Download licence file
          </a>
          {active && (
            <PostButton
              action={`/portal/activations/${activation.id}/return`}
              label="Return"
              confirm="Return this activation? Its licence stops validating and its count goes back to the line item."
            />
          )}
          {active && mayRevokeActivations(actor) && (
            <PostButton
              action={`/portal/activations/${activation.id}/revoke`}
              label="Revoke"
              tone="danger"
              confirm="Revoke this licence for good? It validates as REVOKED from now on; the count comes back."
            />
          )}
        </div>
      </Section>
      {active && !anonymous && (
        <Section title="Mail the licence">
          <Form action={`/portal/activations/${activation.id}/email`} state={mailState} submit="Mail the licence file">
            <TextField
              name="to"
              label="To"
              type="email"
              state={mailState}
              hint="Left blank: the entitlement's ship-to address."
            />
          </Form>
        </Section>
      )}
      <Section title="Device">
        <Facts
          items={[
            ['Name', activation.deviceName],
            ['Fingerprint', <Code>{activation.fingerprint}</Code>],
            [
              'Account',
              seesOtherAccounts(actor) ? (
                <a href={`/portal/activations?account=${encodeURIComponent(activation.accountId)}`}>
                  {accountName ?? activation.accountId}
                </a>
              ) : (
                accountName
              ),
            ],
          ]}
        />
        <p class="section-foot">
          <a href={`/portal/devices/${activation.deviceId}`}>Everything activated on this device</a>
        </p>
      </Section>
    </Layout>
  );
}

export async function activationPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/activations', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(ActivationListQuery, request);
    const activations = await findActivations(ctx, actor, query);
    const showAccount = seesOtherAccounts(actor);
    const [names, accounts] = await Promise.all([
      namesForActivations(ctx, actor, activations.items, showAccount),
      query.account ? accountNames(ctx, actor, [query.account]) : Promise.resolve(new Map<string, string>()),
    ]);
    const shown = { ...query, test: query.test === undefined ? undefined : String(query.test) };
    return render.page(
      request,
      reply,
      <ActivationsPage
        activations={activations}
        names={names}
        query={shown}
        showAccount={showAccount}
        accountName={query.account ? accounts.get(query.account) : undefined}
      />,
    );
  });

  app.get('/activations/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await getActivation(ctx, actor, idOf(request));
    const [names, accounts] = await Promise.all([
      namesForActivations(ctx, actor, [activation], false),
      accountNames(ctx, actor, [activation.accountId]),
    ]);
    return render.page(
      request,
      reply,
      <ActivationPage
        activation={activation}
        names={names}
        actor={actor}
        accountName={accounts.get(activation.accountId)}
      />,
    );
  });

  app.post('/activations/:id/email', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: EmailLicenseBody,
      run: (input) => emailActivationLicense(ctx, actor, id, input),
      done: (message) =>
        render.redirect(reply, `/portal/activations/${id}`, `The licence file is on its way to ${message.to}.`),
      again: async (state) => {
        const activation = await getActivation(ctx, actor, id);
        const [names, accounts] = await Promise.all([
          namesForActivations(ctx, actor, [activation], false),
          accountNames(ctx, actor, [activation.accountId]),
        ]);
        return (
          <ActivationPage
            activation={activation}
            names={names}
            actor={actor}
            accountName={accounts.get(activation.accountId)}
            mailState={state}
          />
        );
      },
    });
  });

  app.get('/activations/:id/license', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    const activation = await getActivation(ctx, actor, id);
    const license = await getActivationLicense(ctx, actor, id);
    return sendLicence(reply, licenceFilename(activation), license.file);
  });

  app.post('/activations/:id/return', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await returnActivation(ctx, actor, idOf(request));
    return render.redirect(
      reply,
      `/portal/activations/${activation.id}`,
      `Returned. The count of ${activation.activationId} is free for another device.`,
    );
  });

  app.post('/activations/:id/revoke', async (request, reply) => {
    const { actor } = signedIn(request);
    const activation = await revokeActivation(ctx, actor, idOf(request));
    return render.redirect(
      reply,
      `/portal/activations/${activation.id}`,
      `Revoked. The licence validates as REVOKED from now on; the count of ${activation.activationId} is back.`,
    );
  });
}

async function findActivations(
  ctx: ServiceContext,
  actor: Actor,
  query: Static<typeof ActivationListQuery>,
): Promise<Page<Activation>> {
  const { q, cursor, ...filter } = query;
  // An activation's own ID names one activation; anything else is a line item's code.
  if (q && /^act_/i.test(q)) {
    try {
      return { items: [await getActivation(ctx, actor, q)], nextCursor: null };
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return { items: [], nextCursor: null };
      throw error;
    }
  }
  return listActivations(ctx, actor, { ...filter, activationId: q, newestFirst: true }, { cursor, limit: PAGE_SIZE });
}

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

/** A licence file as a download: never cached, never sniffed into something else. */
export function sendLicence(reply: FastifyReply, filename: string, file: string): FastifyReply {
  return reply
    .type('text/plain; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(file);
}
