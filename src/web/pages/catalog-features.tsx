import { Type } from 'typebox';
import type { Feature } from '../../domain/catalog.ts';
import type { Page } from '../../domain/paging.ts';
import { FeatureInput } from '../../interface/schemas/catalog-inputs.ts';
import { requireProducer } from '../../services/access.ts';
import { createFeature } from '../../services/catalog/create-feature.ts';
import { listFeatures, mayEditCatalog } from '../../services/catalog/read-catalog.ts';
import { FieldRow, Form, TextArea, TextField } from '../components/form.tsx';
import { Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { PAGE_SIZE, CatalogTabs, CatalogList } from './catalog-parts.tsx';

const FeatureListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

// Features

function FeaturesPage({
  features,
  query,
  mayEdit,
}: {
  features: Page<Feature>;
  query: Record<string, string | undefined>;
  mayEdit: boolean;
}) {
  return (
    <CatalogList mayEdit={mayEdit} create={{ href: '/portal/catalog/features/new', label: 'New feature' }}>
      <Section title="Features">
        <FilterBar action="/portal/catalog/features">
          <TextField name="name" label="Name contains" type="search" value={query.name} />
        </FilterBar>
        <DataTable
          caption="Features"
          rows={features.items}
          empty={{
            title: query.name ? 'No features match.' : 'No features yet.',
            body: mayEdit ? (
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

export async function featurePages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/catalog/features', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(FeatureListQuery, request);
    const features = await listFeatures(ctx, actor, { name: query.name }, { cursor: query.cursor, limit: PAGE_SIZE });
    return render.page(
      request,
      reply,
      <FeaturesPage features={features} query={shownQuery(query)} mayEdit={mayEditCatalog(actor)} />,
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
