import type { ComponentChildren } from 'preact';
import type { LicenseModel } from '../../domain/catalog.ts';
import { Code, Facts, Layout, formatDate } from '../components/layout.tsx';
import { Tabs } from '../components/tabs.tsx';

// What the catalogue's pages share: their tabs, their list frame, a licence model's facts.

export const PAGE_SIZE = 50;

export const kindLabels: Record<LicenseModel['kind'], string> = {
  'node-locked': 'Node-locked: bound to one device',
  floating: 'Floating: concurrent seats, leased',
  uncounted: 'Uncounted: any number of devices',
};

export function CatalogTabs() {
  return (
    <Tabs
      label="Catalogue"
      tabs={[
        { href: '/portal/catalog', label: 'Products' },
        { href: '/portal/catalog/license-models', label: 'Licence models' },
        { href: '/portal/catalog/features', label: 'Features' },
      ]}
    />
  );
}

export const lead =
  'What you sell: products, the licence models that say how they may be used, and the features they enable.';

/** One of the catalogue's three lists, under its tabs, with the producer's button to add one. */
export function CatalogList({
  mayEdit,
  create,
  children,
}: {
  mayEdit: boolean;
  create: { href: string; label: string };
  children: ComponentChildren;
}) {
  return (
    <Layout
      title="Catalogue"
      lead={lead}
      actions={
        mayEdit && (
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

export function lifetime(model: LicenseModel): string {
  return model.durationDays === null ? 'Permanent' : `${model.durationDays} days from activation`;
}

export function ModelFacts({ model }: { model: LicenseModel }) {
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
