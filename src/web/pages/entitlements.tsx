import { Readable } from 'node:stream';
import { csvText } from '../../domain/csv.ts';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/actors.ts';
import { entitlementStates } from '../../domain/entitlement-states.ts';
import { type Entitlement, entitlementKinds } from '../../domain/entitlements.ts';
import type { Page } from '../../domain/paging.ts';
import { EntitlementListQuery } from '../../interface/schemas/entitlements-inputs.ts';
import { mayManageEntitlements } from '../../services/entitlements/create-entitlement.ts';
import { portalView, seesOtherAccounts } from '../../services/portal-view.ts';
import { listEntitlements } from '../../services/entitlements/read-entitlements.ts';
import { type Names, accountChoices, namesOf, productChoices } from '../choices.ts';
import { AccountRef, ActivationCode, DateCell, productName, productsOf } from '../components/entitlements.tsx';
import { SelectField } from '../components/form.tsx';
import { Badge, Layout, Section, StateBadge } from '../components/layout.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { hrefWith } from '../hrefs.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';
import { entitlementFormPages } from './entitlement-forms.tsx';
import { csvReply } from '../../interface/csv-reply.ts';

const PAGE_SIZE = 50;

type ListQuery = ReturnType<typeof parseListQuery>;

function parseListQuery(request: FastifyRequest) {
  const { state, kind, account, productId, cursor } = parseQuery(EntitlementListQuery, request);
  return { state, kind, account, productId, cursor };
}

export const entitlementPath = (id: string) => `/portal/entitlements/${encodeURIComponent(id)}`;

const stateOptions = entitlementStates.map((s) => ({ value: s, label: s }));

const kindOptions = entitlementKinds.map((k) => ({ value: k, label: k }));

/** The producer's ways to start an entitlement, as FlexNet's Create, Create Bulk, Create Test… */
function NewEntitlementButtons() {
  return (
    <>
      <a class="button button-primary" href="/portal/entitlements/new?kind=simple&state=draft">
        New entitlement
      </a>
      <a class="button" href="/portal/entitlements/new?kind=bulk&state=draft">
        New bulk entitlement
      </a>
      <a class="button" href="/portal/entitlements/new?kind=simple&state=test">
        New test entitlement
      </a>
      <a class="button" href="/portal/entitlements/new?kind=bulk&state=test">
        New test bulk entitlement
      </a>
    </>
  );
}

function ListEmpty({ actor, filtered }: { actor: Actor; filtered: boolean }) {
  if (filtered) return <p>Change the filters, or clear them to see every entitlement.</p>;
  switch (portalView(actor)) {
    case 'producer':
      return <p>Create one with “New entitlement”, or a bulk entitlement for stock that a partner resells.</p>;
    case 'partner':
      return <p>Entitlements the producer makes for you, or names you on, appear here.</p>;
    default:
      return <p>When you buy, your entitlements and their activation IDs appear here.</p>;
  }
}

function EntitlementCell({ entitlement }: { entitlement: Entitlement }) {
  return (
    <div class="stack-tight">
      <a href={entitlementPath(entitlement.id)} class="mono">
        {entitlement.id}
      </a>
      {entitlement.kind === 'bulk' && <Badge tone="info">bulk</Badge>}
      {entitlement.description && <span class="muted small clamp">{entitlement.description}</span>}
    </div>
  );
}

/** What a row offers to hand out: activation IDs of a simple entitlement, key counts of a bulk one. */
function CodesCell({ entitlement, names }: { entitlement: Entitlement; names: Names }) {
  if (entitlement.kind === 'bulk') {
    const keys = entitlement.webRegisterKeys;
    return (
      <a href={`${entitlementPath(entitlement.id)}/keys`}>
        {keys ? `${keys.unredeemed} of ${keys.total} keys unredeemed` : 'Web register keys'}
      </a>
    );
  }
  if (entitlement.lineItems.length === 0) return <span class="muted">No line items</span>;
  const shownItems = entitlement.lineItems.slice(0, 3);
  const more = entitlement.lineItems.length - shownItems.length;
  return (
    <ul class="code-list">
      {shownItems.map((li) => (
        <li>
          <ActivationCode lineItem={li} product={productName(li.productId, names)} email={entitlement.shipToEmail} />
        </li>
      ))}
      {more > 0 && (
        <li>
          <a href={entitlementPath(entitlement.id)}>and {more} more</a>
        </li>
      )}
    </ul>
  );
}

function EntitlementsPage(props: {
  actor: Actor;
  page: Page<Entitlement>;
  query: ListQuery;
  names: Names;
  accounts: Choices | undefined;
  products: Choices;
}) {
  const { actor, page, query, names } = props;
  const shownQuery = { state: query.state, kind: query.kind, account: query.account, productId: query.productId };
  const filtered = Object.values(shownQuery).some((v) => v !== undefined);
  const account = query.account ? names.accounts.get(query.account) : undefined;
  const lead =
    portalView(actor) === 'producer'
      ? 'What each account bought: simple entitlements with their line items and activation IDs, and bulk entitlements of web register keys.'
      : 'What you and your customers are entitled to, with the activation IDs to hand out.';
  return (
    <Layout
      title={account ? `Entitlements of ${account.name}` : 'Entitlements'}
      lead={lead}
      actions={
        <>
          {mayManageEntitlements(actor) && <NewEntitlementButtons />}
          <a class="button" href={hrefWith('/portal/entitlements.csv', shownQuery)} download>
            Download activation IDs (CSV)
          </a>
        </>
      }
    >
      <Section title="Entitlements">
        <FilterBar action="/portal/entitlements">
          <SelectField name="state" label="State" options={stateOptions} blank="Any state" value={query.state} />
          <SelectField name="kind" label="Kind" options={kindOptions} blank="Any kind" value={query.kind} />
          {props.accounts && (
            <PickerField
              name="account"
              label="Account"
              choices={props.accounts}
              blank="Any account"
              value={query.account}
            />
          )}
          <PickerField
            name="productId"
            label="Product"
            choices={props.products}
            blank="Any product"
            value={query.productId}
          />
        </FilterBar>
        <DataTable
          caption="Entitlements"
          rows={page.items}
          empty={{
            title: filtered ? 'No entitlements match these filters.' : 'No entitlements yet.',
            body: <ListEmpty actor={actor} filtered={filtered} />,
          }}
          columns={[
            { label: 'Entitlement', cell: (e) => <EntitlementCell entitlement={e} /> },
            { label: 'State', cell: (e) => <StateBadge state={e.state} /> },
            { label: 'Sold to', cell: (e) => <AccountRef id={e.soldTo} names={names} /> },
            {
              label: 'Products',
              cell: (e) =>
                productsOf(e)
                  .map((id) => productName(id, names))
                  .join(', ') || '—',
            },
            { label: 'Activation IDs', cell: (e) => <CodesCell entitlement={e} names={names} /> },
            { label: 'Created', cell: (e) => <DateCell iso={e.createdAt.slice(0, 10)} /> },
          ]}
        />
        <Pager path="/portal/entitlements" query={shownQuery} nextCursor={page.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

const csvColumns = [
  'activationId',
  'entitlementId',
  'entitlementState',
  'lineItemState',
  'product',
  'productVersion',
  'quantity',
  'activated',
  'startDate',
  'expirationDate',
  'soldToId',
  'soldTo',
];

export async function entitlementPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/entitlements', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseListQuery(request);
    const page = await listEntitlements(ctx, actor, query, { cursor: query.cursor, limit: PAGE_SIZE });
    const [names, accounts, products] = await Promise.all([
      namesOf(ctx, actor, {
        accounts: [query.account, ...page.items.map((e) => e.soldTo)],
        products: page.items.flatMap(productsOf),
      }),
      seesOtherAccounts(actor) ? accountChoices(ctx, actor) : undefined,
      productChoices(ctx, actor),
    ]);
    return render.page(
      request,
      reply,
      <EntitlementsPage
        actor={actor}
        page={page}
        query={query}
        names={names}
        accounts={accounts}
        products={products}
      />,
    );
  });

  // One row per line item of every entitlement the filters select, read a page at a time.
  app.get('/entitlements.csv', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseListQuery(request);
    const filter = { state: query.state, kind: query.kind, account: query.account, productId: query.productId };
    // The first page is read before answering, so that a refusal is a page, not a broken file.
    const first = await listEntitlements(ctx, actor, filter, { limit: 500 });
    async function* lines(): AsyncGenerator<string> {
      yield csvText([csvColumns]);
      let page: Page<Entitlement> | undefined = first;
      while (page) {
        const names = await namesOf(ctx, actor, {
          accounts: page.items.map((e) => e.soldTo),
          products: page.items.flatMap(productsOf),
        });
        const rows = page.items.flatMap((e) =>
          e.lineItems.map((li) => {
            const product = names.products.get(li.productId);
            return [
              li.activationId,
              e.id,
              e.state,
              li.state,
              product?.name ?? li.productId,
              product?.version,
              li.quantity,
              li.activatedCount,
              li.startDate ?? '',
              li.expirationDate ?? '',
              e.soldTo ?? '',
              e.soldTo ? names.accounts.get(e.soldTo)?.name : '',
            ];
          }),
        );
        if (rows.length > 0) yield csvText(rows);
        page = page.nextCursor
          ? await listEntitlements(ctx, actor, filter, { limit: 500, cursor: page.nextCursor })
          : undefined;
      }
    }
    return csvReply(reply, 'activation-ids.csv', { noStore: true }).send(Readable.from(lines()));
  });

  await entitlementFormPages(web);
}
