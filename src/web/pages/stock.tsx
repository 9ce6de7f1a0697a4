import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { entitlementStates } from '../../domain/entitlement-states.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { mayManageEntitlements } from '../../services/entitlements/create-entitlement.ts';
import { listBulkStock } from '../../services/bulk/read-stock.ts';
import { getProduct } from '../../services/catalog/read-catalog.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { SelectField } from '../components/form.tsx';
import { keysPath } from '../components/keys.tsx';
import { Layout, Section, StateBadge } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';

const StockQuery = Type.Object({
  state: Type.Optional(Type.Enum(entitlementStates)),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

/** "Product 2.1" for each product of the stock listed. */
export async function productLabels(
  ctx: ServiceContext,
  actor: Actor,
  stock: Entitlement[],
): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const id of new Set(stock.map((e) => e.productId).filter((p): p is string => !!p))) {
    const product = await getProduct(ctx, actor, id);
    labels.set(id, `${product.name} ${product.version}`);
  }
  return labels;
}

/** Which of these entitlements the actor may open; a reseller does not see the stock its own was split from. */
export async function visibleEntitlements(
  ctx: ServiceContext,
  actor: Actor,
  ids: (string | null | undefined)[],
): Promise<Set<string>> {
  const visible = new Set<string>();
  for (const id of new Set(ids.filter((i): i is string => !!i))) {
    try {
      await getEntitlement(ctx, actor, id);
      visible.add(id);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'NOT_FOUND') throw error;
    }
  }
  return visible;
}

const count = (n: number | undefined) => (n ?? 0).toLocaleString('en');

interface StockView {
  stock: Page<Entitlement>;
  products: Map<string, string>;
  parents: Set<string>;
  query: Record<string, string | undefined>;
  /** May make stock (a bulk entitlement), so is told how. */
  mayCreate: boolean;
}

function StockPage({ stock, products, parents, query, mayCreate }: StockView) {
  return (
    <Layout
      title="Stock"
      lead="Bulk entitlements of web register keys: each key you sell becomes an entitlement of its own once it is registered or activated."
      actions={
        <a class="button button-primary" href="/portal/register">
          Register a key
        </a>
      }
    >
      <Section title="Bulk entitlements">
        <FilterBar action="/portal/stock">
          <SelectField
            name="state"
            label="State"
            options={entitlementStates.map((s) => ({ value: s, label: s }))}
            blank="Any state"
            value={query.state}
          />
        </FilterBar>
        <DataTable
          caption="Stock"
          rows={stock.items}
          empty={
            query.state
              ? {
                  title: `No ${query.state} stock.`,
                  body: (
                    <p>
                      <a href="/portal/stock">Show stock in any state</a>.
                    </p>
                  ),
                }
              : mayCreate
                ? {
                    title: 'No stock yet.',
                    body: (
                      <p>
                        Stock is a bulk entitlement sold to a partner: create one on the Entitlements page, then load
                        its keys.
                      </p>
                    ),
                  }
                : {
                    title: 'No stock yet.',
                    body: (
                      <p>
                        Stock arrives when the producer sells you a bulk entitlement of web register keys (or a partner
                        splits some of its stock to you). It appears here as soon as it is made; ask your contact at the
                        producer.
                      </p>
                    ),
                  }
          }
          columns={[
            { label: 'Entitlement', cell: (e) => <a href={keysPath(e.id)}>{e.id}</a> },
            { label: 'Product', cell: (e) => (e.productId ? (products.get(e.productId) ?? e.productId) : '—') },
            { label: 'State', cell: (e) => <StateBadge state={e.state} /> },
            { label: 'Keys', numeric: true, cell: (e) => count(e.webRegisterKeys?.total) },
            { label: 'Unredeemed', numeric: true, cell: (e) => count(e.webRegisterKeys?.unredeemed) },
            { label: 'Redeemed', numeric: true, cell: (e) => count(e.webRegisterKeys?.redeemed) },
            { label: 'Void', numeric: true, cell: (e) => count(e.webRegisterKeys?.void) },
            {
              label: 'Split from',
              cell: (e) =>
                !e.parentEntitlementId ? (
                  '—'
                ) : parents.has(e.parentEntitlementId) ? (
                  <a href={keysPath(e.parentEntitlementId)}>{e.parentEntitlementId}</a>
                ) : (
                  'your distributor’s stock'
                ),
            },
          ]}
        />
        <Pager path="/portal/stock" query={query} nextCursor={stock.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

export async function stockPages({ app, ctx, render }: Web): Promise<void> {
  app.get('/stock', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(StockQuery, request);
    const stock = await listBulkStock(ctx, actor, { state: query.state }, { cursor: query.cursor, limit: 50 });
    const products = await productLabels(ctx, actor, stock.items);
    const parents = await visibleEntitlements(
      ctx,
      actor,
      stock.items.map((e) => e.parentEntitlementId),
    );
    const view = {
      stock,
      products,
      parents,
      query: { state: query.state, cursor: query.cursor },
      mayCreate: mayManageEntitlements(actor),
    };
    return render.page(request, reply, <StockPage {...view} />);
  });
}
