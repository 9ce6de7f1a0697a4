import type { FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { type Feature, type LicenseModel, type Product, licenseModelKinds } from '../../domain/catalog.ts';
import { MAX_PAGE_SIZE, type Page } from '../../domain/paging.ts';
import { FeatureInput, LicenseModelInput, ProductInput } from '../../interface/schemas/catalog-inputs.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { isProducer, requireProducer } from '../../services/access.ts';
import { createFeature } from '../../services/catalog/create-feature.ts';
import { createLicenseModel } from '../../services/catalog/create-license-model.ts';
import { createProduct } from '../../services/catalog/create-product.ts';
import {
  getLicenseModel,
  getProduct,
  listFeatures,
  listLicenseModels,
  listProducts,
} from '../../services/catalog/read-catalog.ts';
import { updateProduct } from '../../services/catalog/update-product.ts';
import type { ServiceContext } from '../../services/context.ts';
import { FeatureRows, withoutNamelessFeatures } from '../components/feature-rows.tsx';
import { CheckboxField, FieldRow, Form, SelectField, TextArea, TextField } from '../components/form.tsx';
import { Badge, Code, EmptyState, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { Tabs } from '../components/tabs.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';

const PAGE_SIZE = 50;
const kindOptions = licenseModelKinds.map((kind) => ({ value: kind, label: kind }));
const kindLabels: Record<LicenseModel['kind'], string> = {
  'node-locked': 'Node-locked: bound to one device',
  floating: 'Floating: concurrent seats, leased',
  uncounted: 'Uncounted: any number of devices',
};

const ProductListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  licenseModelId: Type.Optional(Type.String({ maxLength: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});
const ModelListQuery = Type.Object({
  kind: Type.Optional(Type.Enum(licenseModelKinds)),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});
const FeatureListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

function CatalogTabs() {
  return (
    <Tabs
      label="Catalogue"
      tabs={[
        { href: '/portal/catalog', label: 'Products' },
        { href: '/portal/catalog/license-models', label: 'License models' },
        { href: '/portal/catalog/features', label: 'Features' },
      ]}
    />
  );
}

const lead = 'What you sell: products, the license models that say how they may be used, and the features they enable.';

/** One of the catalogue's three lists, under its tabs, with the producer's button to add one. */
function CatalogList({
  producer,
  create,
  children,
}: {
  producer: boolean;
  create: { href: string; label: string };
  children: ComponentChildren;
}) {
  return (
    <Layout
      title="Catalogue"
      lead={lead}
      actions={
        producer && (
          <a class="button button-primary" href={create.href}>
            {create.label}
          </a>
        )
      }
    >
      <CatalogTabs />
      {children}
    </Layout>
  );
}

function lifetime(model: LicenseModel): string {
  return model.durationDays === null ? 'Permanent' : `${model.durationDays} days from activation`;
}

function ModelFacts({ model }: { model: LicenseModel }) {
  return (
    <Facts
      items={[
        ['Kind', kindLabels[model.kind]],
        ['Licence lifetime', lifetime(model)],
        ['Overdraft', model.overdraft === 0 ? 'None' : `${model.overdraft} beyond the quantity`],
        ['Rehosts', model.maxRehosts === null ? 'No limit' : `At most ${model.maxRehosts}`],
        ['Offline activation', model.allowOffline ? 'Allowed' : 'Not allowed'],
        ['Lease', model.leaseSeconds === null ? null : `${model.leaseSeconds} seconds without a heartbeat`],
        ['ID', <Code>{model.id}</Code>],
        ['Created', formatDate(model.createdAt)],
      ]}
    />
  );
}

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
  state,
  data,
}: {
  product: Product;
  model: LicenseModel;
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

// License models

function LicenseModelsPage({
  models,
  query,
  producer,
}: {
  models: Page<LicenseModel>;
  query: Record<string, string | undefined>;
  producer: boolean;
}) {
  return (
    <CatalogList
      producer={producer}
      create={{ href: '/portal/catalog/license-models/new', label: 'New license model' }}
    >
      <Section title="License models">
        <FilterBar action="/portal/catalog/license-models">
          <SelectField name="kind" label="Kind" options={kindOptions} blank="Any kind" value={query.kind} />
        </FilterBar>
        <DataTable
          caption="License models"
          rows={models.items}
          empty={{
            title: query.kind ? 'No license models of this kind.' : 'No license models yet.',
            body: producer ? (
              <p>
                A license model says how a product may be used.{' '}
                <a href="/portal/catalog/license-models/new">Create one</a>.
              </p>
            ) : undefined,
          }}
          columns={[
            { label: 'Name', cell: (m) => <a href={`/portal/catalog/license-models/${m.id}`}>{m.name}</a> },
            { label: 'Kind', cell: (m) => <Badge tone="neutral">{m.kind}</Badge> },
            { label: 'Lifetime', cell: (m) => (m.durationDays === null ? 'Permanent' : `${m.durationDays} days`) },
            { label: 'Overdraft', cell: (m) => m.overdraft, numeric: true },
            { label: 'Rehosts', cell: (m) => (m.maxRehosts === null ? 'No limit' : m.maxRehosts), numeric: true },
            { label: 'Offline', cell: (m) => (m.allowOffline ? 'Yes' : 'No') },
            { label: 'Lease', cell: (m) => (m.leaseSeconds === null ? '—' : `${m.leaseSeconds} s`), numeric: true },
          ]}
        />
        <Pager
          path="/portal/catalog/license-models"
          query={query}
          nextCursor={models.nextCursor}
          cursor={query.cursor}
        />
      </Section>
    </CatalogList>
  );
}

function NewLicenseModelPage({ state }: { state: FormState }) {
  return (
    <Layout
      title="New license model"
      lead="How a product may be used: on one device, as floating seats or uncounted; for how long; how often it may move."
    >
      <CatalogTabs />
      <Section title="The license model">
        <div class="narrow">
          <Form action="/portal/catalog/license-models" state={state} submit="Create license model">
            <TextField name="name" label="Name" state={state} required hint="E.g. “Node-locked, 1 year”." />
            <SelectField
              name="kind"
              label="Kind"
              state={state}
              required
              options={licenseModelKinds.map((kind) => ({ value: kind, label: kindLabels[kind] }))}
              value="node-locked"
            />
            <TextField
              name="durationDays"
              label="Licence lifetime in days"
              type="number"
              min={1}
              state={state}
              hint="Counted from each activation. Leave blank for permanent licences."
            />
            <FieldRow>
              <TextField
                name="overdraft"
                label="Overdraft"
                type="number"
                min={0}
                state={state}
                value={0}
                hint="Activations allowed beyond a line item's quantity."
              />
              <TextField
                name="maxRehosts"
                label="Most rehosts"
                type="number"
                min={0}
                state={state}
                hint="Moves to another device per line item. Blank: no limit."
              />
            </FieldRow>
            <div data-shown-when="kind=floating">
              <TextField
                name="leaseSeconds"
                label="Lease in seconds"
                type="number"
                min={30}
                state={state}
                hint="Floating models only: how long a seat stays taken without a heartbeat. Blank: 900 (15 minutes)."
              />
            </div>
            <CheckboxField
              name="allowOffline"
              label="Allow offline activation"
              hint="A device without a network sends a request file and gets a licence file back."
              state={state}
              checked
            />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

function LicenseModelPage({ model, products }: { model: LicenseModel; products: Page<Product> }) {
  return (
    <Layout title={model.name} lead="A license model of the catalogue.">
      <CatalogTabs />
      <Section title="License model">
        <ModelFacts model={model} />
      </Section>
      <Section title="Products sold under it">
        <DataTable
          caption="Products under this license model"
          rows={products.items}
          empty={{ title: 'No product uses this license model yet.' }}
          columns={[
            { label: 'Product', cell: (p) => <a href={`/portal/catalog/products/${p.id}`}>{p.name}</a> },
            { label: 'Version', cell: (p) => p.version },
            { label: 'Changed', cell: (p) => formatDate(p.updatedAt) },
          ]}
        />
        {products.nextCursor && (
          <p>
            <a href={`/portal/catalog?licenseModelId=${encodeURIComponent(model.id)}`}>
              All products under this model →
            </a>
          </p>
        )}
      </Section>
    </Layout>
  );
}

// Features

function FeaturesPage({
  features,
  query,
  producer,
}: {
  features: Page<Feature>;
  query: Record<string, string | undefined>;
  producer: boolean;
}) {
  return (
    <CatalogList producer={producer} create={{ href: '/portal/catalog/features/new', label: 'New feature' }}>
      <Section title="Features">
        <FilterBar action="/portal/catalog/features">
          <TextField name="name" label="Name contains" type="search" value={query.name} />
        </FilterBar>
        <DataTable
          caption="Features"
          rows={features.items}
          empty={{
            title: query.name ? 'No features match.' : 'No features yet.',
            body: producer ? (
              <p>
                Features are the capabilities a licence lists. <a href="/portal/catalog/features/new">Create one</a>,
                then add it to products.
              </p>
            ) : undefined,
          }}
          columns={[
            { label: 'Feature', cell: (f) => f.name },
            { label: 'Version', cell: (f) => f.version },
            { label: 'Description', cell: (f) => f.description ?? <span class="muted">—</span> },
            { label: 'Created', cell: (f) => formatDate(f.createdAt) },
          ]}
        />
        <Pager path="/portal/catalog/features" query={query} nextCursor={features.nextCursor} cursor={query.cursor} />
      </Section>
    </CatalogList>
  );
}

function NewFeaturePage({ state }: { state: FormState }) {
  return (
    <Layout
      title="New feature"
      lead="A licensable capability. Products enable features, each with a count, and licences list them."
    >
      <CatalogTabs />
      <Section title="The feature">
        <div class="narrow">
          <Form action="/portal/catalog/features" state={state} submit="Create feature">
            <FieldRow>
              <TextField
                name="name"
                label="Name"
                state={state}
                required
                hint="As your software checks for it, e.g. export-pdf."
              />
              <TextField name="version" label="Version" state={state} placeholder="1.0" hint="Blank: 1.0." />
            </FieldRow>
            <TextArea name="description" label="Description" state={state} />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

// Routes

async function productFormData(ctx: ServiceContext, actor: Actor): Promise<ProductFormData> {
  const [models, features] = await Promise.all([
    listLicenseModels(ctx, actor, {}, { limit: MAX_PAGE_SIZE }),
    listFeatures(ctx, actor, {}, { limit: MAX_PAGE_SIZE }),
  ]);
  return { models: models.items, features: features.items };
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
    const data = isProducer(actor) ? await productFormData(ctx, actor) : undefined;
    return <ProductPage product={product} model={model} state={state} data={data} />;
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

  app.get('/catalog/license-models', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(ModelListQuery, request);
    const models = await listLicenseModels(
      ctx,
      actor,
      { kind: query.kind },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    return render.page(
      request,
      reply,
      <LicenseModelsPage models={models} query={shownQuery(query)} producer={isProducer(actor)} />,
    );
  });

  app.get('/catalog/license-models/new', async (request, reply) => {
    requireProducer(signedIn(request).actor);
    return render.page(request, reply, <NewLicenseModelPage state={emptyForm} />);
  });

  app.post('/catalog/license-models', async (request, reply) => {
    const { actor } = signedIn(request);
    const values = (request.body ?? {}) as FormBody;
    return submit(web, request, reply, {
      schema: LicenseModelInput,
      // A checkbox left unticked sends nothing; here that means "no", not "the default".
      extra: { allowOffline: textOf(values, 'allowOffline') === 'true' },
      run: (input) => createLicenseModel(ctx, actor, input),
      done: (model) =>
        render.redirect(reply, `/portal/catalog/license-models/${model.id}`, `License model “${model.name}” created.`),
      again: (state) => <NewLicenseModelPage state={state} />,
    });
  });

  app.get('/catalog/license-models/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = parseForm(IdParams, request.params as FormBody);
    const model = await getLicenseModel(ctx, actor, id);
    const products = await listProducts(ctx, actor, { licenseModelId: id }, { limit: PAGE_SIZE });
    return render.page(request, reply, <LicenseModelPage model={model} products={products} />);
  });

  app.get('/catalog/features', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(FeatureListQuery, request);
    const features = await listFeatures(ctx, actor, { name: query.name }, { cursor: query.cursor, limit: PAGE_SIZE });
    return render.page(
      request,
      reply,
      <FeaturesPage features={features} query={shownQuery(query)} producer={isProducer(actor)} />,
    );
  });

  app.get('/catalog/features/new', async (request, reply) => {
    requireProducer(signedIn(request).actor);
    return render.page(request, reply, <NewFeaturePage state={emptyForm} />);
  });

  app.post('/catalog/features', async (request, reply) => {
    const { actor } = signedIn(request);
    return submit(web, request, reply, {
      schema: FeatureInput,
      run: (input) => createFeature(ctx, actor, input),
      done: (feature) =>
        render.redirect(reply, '/portal/catalog/features', `Feature ${feature.name} ${feature.version} created.`),
      again: (state) => <NewFeaturePage state={state} />,
    });
  });
}
