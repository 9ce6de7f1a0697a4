import { Type } from 'typebox';
import { roles } from '../../domain/actors.ts';
import type { ApiKey } from '../../domain/api-keys.ts';
import type { Page } from '../../domain/paging.ts';
import { ApiKeyInput } from '../../interface/schemas/api-keys-inputs.ts';
import { createApiKey } from '../../services/api-keys/create-api-key.ts';
import { listApiKeys } from '../../services/api-keys/read-api-keys.ts';
import { revokeApiKey } from '../../services/api-keys/revoke-api-key.ts';
import { Badge, Code, CopyButton, Layout, Section, formatDate } from '../components/layout.tsx';
import { Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { accountChoices } from '../choices.ts';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { type Web, parseQuery, submit } from '../web.ts';

const roleOptions = roles.map((role) => ({ value: role, label: role }));

const KeyListQuery = Type.Object({
  role: Type.Optional(Type.Enum(roles)),
  revoked: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

function CreateKeyForm({ state, accounts }: { state: FormState; accounts: Choices }) {
  return (
    <Form action="/portal/api-keys" state={state} submit="Create key">
      <TextField name="name" label="Name" state={state} hint="What the key is for, e.g. “CRM sync”." />
      <SelectField name="role" label="Role" options={roleOptions} state={state} required value="operator" />
      <PickerField
        name="accountId"
        label="Account"
        choices={accounts}
        state={state}
        hint="Partner and customer keys act for one account; producer keys for none."
      />
    </Form>
  );
}

function ApiKeysPage({
  keys,
  query,
  state,
  created,
  accounts,
}: {
  keys: Page<ApiKey>;
  query: Record<string, string | undefined>;
  state: FormState;
  created?: { key: ApiKey; secret: string } | undefined;
  accounts: Choices;
}) {
  const accountName = new Map(accounts.options.map((o) => [o.value, o.label]));
  return (
    <Layout
      title="API keys"
      lead="Keys let other systems call the Licentia API. Each has a role; partner and customer keys act for one account."
    >
      {created && (
        <div class="notice" role="status">
          <p>
            <strong>Key “{created.key.name}” created.</strong> Copy its secret now: it is shown only this once and
            cannot be recovered.
          </p>
          <div class="secret">
            <span>{created.secret}</span>
            <CopyButton text={created.secret} />
          </div>
        </div>
      )}
      <Section title="Create a key">
        <div class="narrow">
          <CreateKeyForm state={state} accounts={accounts} />
        </div>
      </Section>
      <Section title="Keys">
        <FilterBar action="/portal/api-keys">
          <SelectField name="role" label="Role" options={roleOptions} blank="Any role" value={query.role} />
          <SelectField
            name="revoked"
            label="Status"
            options={[
              { value: 'false', label: 'Active' },
              { value: 'true', label: 'Revoked' },
            ]}
            blank="Any"
            value={query.revoked}
          />
        </FilterBar>
        <DataTable
          caption="API keys"
          rows={keys.items}
          empty={{ title: 'No keys match.', body: <p>Create one with the form beside this list.</p> }}
          columns={[
            { label: 'Name', cell: (k) => k.name },
            { label: 'Role', cell: (k) => k.role },
            { label: 'Starts with', cell: (k) => <Code>{k.prefix}…</Code> },
            {
              label: 'Account',
              cell: (k) =>
                k.accountId ? (
                  <a href={`/portal/accounts/${k.accountId}`}>{accountName.get(k.accountId) ?? k.accountId}</a>
                ) : (
                  '—'
                ),
            },
            { label: 'Created', cell: (k) => formatDate(k.createdAt) },
            {
              label: 'Status',
              cell: (k) =>
                k.revokedAt ? (
                  <Badge tone="bad">revoked {formatDate(k.revokedAt)}</Badge>
                ) : (
                  <PostButton
                    action={`/portal/api-keys/${k.id}/revoke`}
                    label="Revoke"
                    tone="danger"
                    small
                    confirm={`Revoke “${k.name}”? It stops working at once.`}
                  />
                ),
            },
          ]}
        />
        <Pager path="/portal/api-keys" query={query} nextCursor={keys.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

export async function apiKeyPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const show = async (
    request: Parameters<typeof signedIn>[0],
    state: FormState,
    created?: { key: ApiKey; secret: string },
  ) => {
    const { actor } = signedIn(request);
    const query = parseQuery(KeyListQuery, request);
    const keys = await listApiKeys(
      ctx,
      actor,
      { role: query.role, revoked: query.revoked },
      { cursor: query.cursor, limit: 50 },
    );
    const shown = {
      role: query.role,
      revoked: query.revoked === undefined ? undefined : String(query.revoked),
      cursor: query.cursor,
    };
    const accounts = await accountChoices(ctx, actor);
    return <ApiKeysPage keys={keys} query={shown} state={state} created={created} accounts={accounts} />;
  };

  app.get('/api-keys', async (request, reply) => render.page(request, reply, await show(request, emptyForm)));

  app.post('/api-keys', async (request, reply) => {
    const { actor } = signedIn(request);
    return submit(web, request, reply, {
      schema: ApiKeyInput,
      run: (input) => createApiKey(ctx, actor, input),
      // The secret is shown on this answer, not after a redirect: it must not travel in a cookie or a URL.
      done: async ({ apiKey, secret }) =>
        render.page(request, reply, await show(request, emptyForm, { key: apiKey, secret }), { status: 201 }),
      again: (state) => show(request, state),
    });
  });

  app.post('/api-keys/:id/revoke', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const key = await revokeApiKey(ctx, actor, id);
    return render.redirect(reply, '/portal/api-keys', `Key “${key.name}” is revoked.`);
  });
}
