import { Type } from 'typebox';
import { type LicenseModel, type Product, licenseModelKinds } from '../../domain/catalog.ts';
import type { Page } from '../../domain/paging.ts';
import { LicenseModelInput } from '../../interface/schemas/catalog-inputs.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { requireProducer } from '../../services/access.ts';
import { createLicenseModel } from '../../services/catalog/create-license-model.ts';
import {
  getLicenseModel,
  listLicenseModels,
  listProducts,
  mayEditCatalog,
} from '../../services/catalog/read-catalog.ts';
import { CheckboxField, FieldRow, Form, SelectField, TextField } from '../components/form.tsx';
import { Badge, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { PAGE_SIZE, kindLabels, CatalogTabs, CatalogList, ModelFacts } from './catalog-parts.tsx';

const kindOptions = licenseModelKinds.map((kind) => ({ value: kind, label: kind }));

const ModelListQuery = Type.Object({
  kind: Type.Optional(Type.Enum(licenseModelKinds)),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

// Licence models

function LicenseModelsPage({
  models,
  query,
  mayEdit,
}: {
  models: Page<LicenseModel>;
  query: Record<string, string | undefined>;
  mayEdit: boolean;
}) {
  return (
    <CatalogList mayEdit={mayEdit} create={{ href: '/portal/catalog/license-models/new', label: 'New licence model' }}>
      <Section title="Licence models">
        <FilterBar action="/portal/catalog/license-models">
          <SelectField name="kind" label="Kind" options={kindOptions} blank="Any kind" value={query.kind} />
        </FilterBar>
        <DataTable
          caption="Licence models"
          rows={models.items}
          empty={{
            title: query.kind ? 'No licence models of this kind.' : 'No licence models yet.',
            body: mayEdit ? (
              <p>
                A licence model says how a product may be used.{' '}
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
      title="New licence model"
      lead="How a product may be used: on one device, as floating seats or uncounted; for how long; how often it may move."
    >
      <CatalogTabs />
      <Section title="The licence model">
        <div class="narrow">
          <Form action="/portal/catalog/license-models" state={state} submit="Create licence model">
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
    <Layout title={model.name} lead="A licence model of the catalogue.">
      <CatalogTabs />
      <Section title="Licence model">
        <ModelFacts model={model} />
      </Section>
      <Section title="Products sold under it">
        <DataTable
          caption="Products under this licence model"
          rows={products.items}
          empty={{ title: 'No product uses this licence model yet.' }}
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

export async function licenseModelPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

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
      <LicenseModelsPage models={models} query={shownQuery(query)} mayEdit={mayEditCatalog(actor)} />,
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
        render.redirect(reply, `/portal/catalog/license-models/${model.id}`, `Licence model “${model.name}” created.`),
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
}
