import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import type { Feature, LicenseModel, Product } from '../../domain/catalog.ts';
import { MAX_PAGE_SIZE, type Page } from '../../domain/paging.ts';
import { ProductInput } from '../../interface/schemas/catalog-inputs.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { isProducer, requireProducer } from '../../services/access.ts';
import { createProduct } from '../../services/catalog/create-product.ts';
import { findProducts } from '../../services/catalog/find-products.ts';
import {
  getLicenseModel,
  getProduct,
  listFeatures,
  listLicenseModels,
  listProducts,
} from '../../services/catalog/read-catalog.ts';
import { updateProduct } from '../../services/catalog/update-product.ts';
import type { ServiceContext } from '../../services/context.ts';
import { productChoices, productLabel } from '../choices.ts';
import type { Choices } from '../components/pickers.tsx';
import { FeatureRows, withoutNamelessFeatures } from '../components/feature-rows.tsx';
import { CheckboxGroup, FieldRow, Form, SelectField, TextArea, TextField } from '../components/form.tsx';
import { Code, EmptyState, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { PAGE_SIZE, CatalogTabs, CatalogList, lifetime, ModelFacts } from './catalog-parts.tsx';

const ProductListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  licenseModelId: Type.Optional(Type.String({ maxLength: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

// Products

function ProductsPage({
  products,
  models,
  query,
  producer,
}: {
  products: Page<Product>;
  models: LicenseModel[];
  query: Record<string, string | undefined>;
  producer: boolean;
}) {
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  return (
    <CatalogList producer={producer} create={{ href: '/portal/catalog/products/new', label: 'New product' }}>
      <Section title="Products">
        <FilterBar action="/portal/catalog">
          <TextField name="name" label="Name contains" type="search" value={query.name} />
          <SelectField
            name="licenseModelId"
            label="License model"
            options={models.map((m) => ({ value: m.id, label: m.name }))}
            blank="Any model"
            value={query.licenseModelId}
          />
        </FilterBar>
        <DataTable
          caption="Products"
          rows={products.items}
          empty={{
            title: query.name || query.licenseModelId ? 'No products match these filters.' : 'No products yet.',
            body: producer ? (
              <p>
                A product needs a license model. <a href="/portal/catalog/products/new">Create a product</a>, or start
                with <a href="/portal/catalog/license-models/new">a license model</a>.
              </p>
            ) : undefined,
          }}
          columns={[
            { label: 'Product', cell: (p) => <a href={`/portal/catalog/products/${p.id}`}>{p.name}</a> },
            { label: 'Version', cell: (p) => p.version },
            {
              label: 'License model',
              cell: (p) => (
                <a href={`/portal/catalog/license-models/${p.licenseModelId}`}>
                  {modelName.get(p.licenseModelId) ?? p.licenseModelId}
                </a>
              ),
            },
            {
              label: 'Features',
              cell: (p) =>
                p.features.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  p.features.map((f) => `${f.name} ${f.version}${f.count > 1 ? ` ×${f.count}` : ''}`).join(', ')
                ),
            },
            { label: 'Changed', cell: (p) => formatDate(p.updatedAt) },
          ]}
        />
        <Pager path="/portal/catalog" query={query} nextCursor={products.nextCursor} cursor={query.cursor} />
      </Section>
    </CatalogList>
  );
}

interface ProductFormData {
  models: LicenseModel[];
  features: Feature[];
  /** The products one may be upgraded from, to tick. */
  products: Choices;
}

function ProductFields({ state, data, product }: { state: FormState; data: ProductFormData; product?: Product }) {
  return (
    <>
      <FieldRow>
        <TextField name="name" label="Name" state={state} required value={product?.name} />
        <TextField
          name="version"
          label="Version"
          state={state}
          required
          value={product?.version}
          hint="As licences will carry it, e.g. 2.1."
        />
      </FieldRow>
      <SelectField
        name="licenseModelId"
        label="License model"
        state={state}
        required
        options={data.models.map((m) => ({
          value: m.id,
          label: `${m.name} (${m.kind}, ${lifetime(m).toLowerCase()})`,
        }))}
        blank={product ? undefined : 'Choose a license model'}
        value={product?.licenseModelId}
      />
      <TextArea name="description" label="Description" state={state} value={product?.description} />
      <FeatureRows state={state} current={product?.features} known={data.features} />
      <CheckboxGroup
        name="upgradesFrom"
        label="Upgrades from"
        state={state}
        options={data.products.options.filter((option) => option.value !== product?.id)}
        checked={product?.upgradesFrom}
        hint={
          <>
            A line item of a ticked product may be upgraded to this one. A newer version of the same name may always be
            upgraded to, without a tick.
            {!data.products.complete && ' Only the first products are listed; the API takes any product ID.'}
          </>
        }
      />
    </>
  );
}

function NewProductPage({ state, data }: { state: FormState; data: ProductFormData }) {
  return (
    <Layout
      title="New product"
      lead="A product is what an entitlement's line item sells: a name and version, a license model and the features it enables."
    >
      <CatalogTabs />
      {data.models.length === 0 ? (
        <EmptyState title="There is no license model yet.">
          <p>
            Every product is sold under a license model.{' '}
            <a href="/portal/catalog/license-models/new">Create a license model</a> first.
          </p>
        </EmptyState>
      ) : (
        <Section title="The product">
          <div class="narrow-wide">
            <Form action="/portal/catalog/products" state={state} submit="Create product">
              <ProductFields state={state} data={data} />
            </Form>
          </div>
        </Section>
      )}
    </Layout>
  );
}

function ProductPage({
  product,
  model,
  upgradesFrom,
  state,
  data,
}: {
  product: Product;
  model: LicenseModel;
  /** The products of `product.upgradesFrom`, by ID. */
  upgradesFrom: Map<string, Product>;
  state: FormState;
  data: ProductFormData | undefined;
}) {
  return (
    <Layout title={`${product.name} ${product.version}`} lead={product.description ?? undefined}>
      <CatalogTabs />
      <Section title="Product">
        <Facts
          items={[
            ['Name', product.name],
            ['Version', product.version],
            ['License model', <a href={`/portal/catalog/license-models/${model.id}`}>{model.name}</a>],
            [
              'Upgrades from',
              <>
                {product.upgradesFrom.map((id) => {
                  const from = upgradesFrom.get(id);
                  return (
                    <>
                      <a href={`/portal/catalog/products/${encodeURIComponent(id)}`}>
                        {from ? productLabel(from) : id}
                      </a>
                      {', '}
                    </>
                  );
                })}
                older versions of {product.name}
              </>,
            ],
            ['ID', <Code>{product.id}</Code>],
            ['Created', formatDate(product.createdAt)],
            ['Changed', formatDate(product.updatedAt)],
          ]}
        />
      </Section>
      <Section title="Features">
        <DataTable
          caption="Features of the product"
          rows={product.features}
          empty={{
            title: 'This product enables no features.',
            body: data ? <p>Add features with the form below; licences list them.</p> : undefined,
          }}
          columns={[
            { label: 'Feature', cell: (f) => f.name },
            { label: 'Version', cell: (f) => f.version },
            { label: 'Count', cell: (f) => f.count, numeric: true },
          ]}
        />
      </Section>
      <Section title={`License model: ${model.name}`}>
        <ModelFacts model={model} />
      </Section>
      {data && (
        <Section title="Change the product" id="edit">
          <p class="muted">
            Licences issued before keep what they were signed with; the change applies to licences issued from now on.
          </p>
          <div class="narrow-wide">
            <Form action={`/portal/catalog/products/${product.id}`} state={state} submit="Save changes">
              <ProductFields state={state} data={data} product={product} />
            </Form>
          </div>
        </Section>
      )}
    </Layout>
  );
}

// Routes

async function productFormData(ctx: ServiceContext, actor: Actor): Promise<ProductFormData> {
  const [models, features, products] = await Promise.all([
    listLicenseModels(ctx, actor, {}, { limit: MAX_PAGE_SIZE }),
    listFeatures(ctx, actor, {}, { limit: MAX_PAGE_SIZE }),
    productChoices(ctx, actor),
  ]);
  return { models: models.items, features: features.items, products };
}

/** The product form lists every feature row; the service takes the list, so a row emptied there is a feature removed. */
function productBody(request: FastifyRequest): FormBody {
  return withoutNamelessFeatures((request.body ?? {}) as FormBody);
}

export async function catalogPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/catalog', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(ProductListQuery, request);
    const [products, models] = await Promise.all([
      listProducts(
        ctx,
        actor,
        { name: query.name, licenseModelId: query.licenseModelId },
        { cursor: query.cursor, limit: PAGE_SIZE },
      ),
      listLicenseModels(ctx, actor, {}, { limit: MAX_PAGE_SIZE }),
    ]);
    return render.page(
      request,
      reply,
      <ProductsPage products={products} models={models.items} query={shownQuery(query)} producer={isProducer(actor)} />,
    );
  });

  // Forms to make things are for those who may make them: the services' own check, before the form is shown.
  app.get('/catalog/products/new', async (request, reply) => {
    const { actor } = signedIn(request);
    requireProducer(actor);
    return render.page(request, reply, <NewProductPage state={emptyForm} data={await productFormData(ctx, actor)} />);
  });

  app.post('/catalog/products', async (request, reply) => {
    const { actor } = signedIn(request);
    request.body = productBody(request);
    return submit(web, request, reply, {
      schema: ProductInput,
      run: (input) => createProduct(ctx, actor, input),
      done: (product) =>
        render.redirect(
          reply,
          `/portal/catalog/products/${product.id}`,
          `Product ${product.name} ${product.version} created.`,
        ),
      again: async (state) => <NewProductPage state={state} data={await productFormData(ctx, actor)} />,
    });
  });

  const showProduct = async (actor: Actor, id: string, state: FormState) => {
    const product = await getProduct(ctx, actor, id);
    const model = await getLicenseModel(ctx, actor, product.licenseModelId);
    const upgradesFrom = await findProducts(ctx, actor, product.upgradesFrom);
    const data = isProducer(actor) ? await productFormData(ctx, actor) : undefined;
    return <ProductPage product={product} model={model} upgradesFrom={upgradesFrom} state={state} data={data} />;
  };

  app.get('/catalog/products/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = parseForm(IdParams, request.params as FormBody);
    return render.page(request, reply, await showProduct(actor, id, emptyForm));
  });

  app.post('/catalog/products/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = parseForm(IdParams, request.params as FormBody);
    request.body = productBody(request);
    return submit(web, request, reply, {
      // The change form shows every field of a new product, so it is checked as one.
      schema: ProductInput,
      // The form shows every field: one left empty is cleared, not kept.
      run: (input) =>
        updateProduct(ctx, actor, id, {
          ...input,
          description: input.description ?? null,
          features: input.features ?? [],
          upgradesFrom: input.upgradesFrom ?? [],
        }),
      done: (product) =>
        render.redirect(
          reply,
          `/portal/catalog/products/${product.id}`,
          `Product ${product.name} ${product.version} saved.`,
        ),
      again: (state) => showProduct(actor, id, state),
    });
  });
}
