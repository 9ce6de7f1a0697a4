import { type WebRegisterKey, keyStates } from '../../domain/bulk.ts';
import { allowsActivation } from '../../domain/entitlement-states.ts';
import { PostButton, SelectField } from '../components/form.tsx';
import { KeyCode, KeyCounts, entitlementPath, keysPath } from '../components/keys.tsx';
import { Layout, Section, StateBadge, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type KeysView, partnerName, AddKeys, VoidKeys, SplitStock } from './web-register-key-forms.tsx';

// The keys page of a bulk entitlement: its counts, its keys, and the forms the person may use (web-register-key-forms.tsx).
export function KeysPage({ view }: { view: KeysView }) {
  const { entitlement, keys, query } = view;
  const counts = entitlement.webRegisterKeys ?? { total: 0, unredeemed: 0, redeemed: 0, void: 0 };
  const base = keysPath(entitlement.id);
  const tier1 = entitlement.channelPartners.find((p) => p.tier === 'tier1')?.accountId;
  const tier2 = entitlement.channelPartners.find((p) => p.tier === 'tier2')?.accountId;
  const redeemable = allowsActivation(entitlement.state);
  const selectable = view.may.void && counts.unredeemed > 0;
  const exportQuery = query.state ? `?state=${query.state}` : '';
  return (
    <Layout
      title={`Keys of ${entitlement.id}`}
      lead={
        <>
          {view.productLabel} · <StateBadge state={entitlement.state} /> · {entitlement.quantityPerKey ?? 1} per key ·
          sold to {partnerName(view, tier1)}
          {tier2 && <> · resold by {partnerName(view, tier2)}</>}
        </>
      }
      actions={
        <>
          <a class="button" href={entitlementPath(entitlement.id)}>
            Entitlement
          </a>
          <a class="button" href={`${base}/export${exportQuery}`} download>
            Export CSV{query.state ? ` (${query.state})` : ''}
          </a>
        </>
      }
    >
      <KeyCounts counts={counts} href={base} current={query.state} />
      {entitlement.parentEntitlementId && (
        <p class="notice">
          Split from{' '}
          {view.parentVisible ? (
            <a href={keysPath(entitlement.parentEntitlementId)}>{entitlement.parentEntitlementId}</a>
          ) : (
            'the stock of your distributor'
          )}
          .
        </p>
      )}
      {!redeemable && counts.unredeemed > 0 && (
        <p class="notice notice-warn">
          This stock is {entitlement.state}: its keys can be registered and activated once it is deployed (or test).
        </p>
      )}
      {view.may.load && <AddKeys view={view} />}
      <Section
        title="Keys"
        id="keys"
        actions={
          selectable && (
            <button type="submit" form="void-form" class="button button-danger button-small">
              Void ticked keys
            </button>
          )
        }
      >
        <FilterBar action={base}>
          <SelectField
            name="state"
            label="State"
            options={keyStates.map((s) => ({ value: s, label: s }))}
            blank="Any state"
            value={query.state}
          />
        </FilterBar>
        <DataTable
          caption="Web register keys"
          rows={keys.items}
          empty={{
            title: query.state ? `No ${query.state} keys.` : 'No keys yet.',
            body: query.state ? (
              <p>
                <a href={base}>Show keys in any state</a>.
              </p>
            ) : view.may.load ? (
              <p>Upload a key file, paste keys or generate them above.</p>
            ) : (
              <p>The producer loads the keys of this stock; they appear here once loaded.</p>
            ),
          }}
          columns={[
            ...(selectable
              ? [
                  {
                    label: 'Select',
                    cell: (k: WebRegisterKey) =>
                      k.state === 'unredeemed' ? (
                        <input
                          type="checkbox"
                          form="void-form"
                          name="keys"
                          value={k.key}
                          aria-label={`Select ${k.key}`}
                        />
                      ) : null,
                  },
                ]
              : []),
            { label: 'Key', cell: (k) => <KeyCode>{k.key}</KeyCode> },
            { label: 'State', cell: (k) => <StateBadge state={k.state} /> },
            {
              label: 'Became',
              cell: (k) =>
                k.redeemedEntitlementId ? (
                  <a href={entitlementPath(k.redeemedEntitlementId)}>{k.redeemedEntitlementId}</a>
                ) : k.state === 'unredeemed' && redeemable ? (
                  <PostButton action="/portal/register/find" label="Register" fields={{ key: k.key }} small />
                ) : (
                  '—'
                ),
            },
            { label: 'Loaded', cell: (k) => formatDate(k.loadedAt) },
            { label: 'Redeemed or voided', cell: (k) => formatDate(k.redeemedAt ?? k.voidedAt) },
          ]}
        />
        <Pager path={base} query={query} nextCursor={keys.nextCursor} cursor={query.cursor} />
      </Section>
      {view.may.void && <VoidKeys view={view} />}
      {view.splits.length > 0 && (
        <Section title="Split to resellers" id="splits">
          <DataTable
            caption="Stock split from this entitlement"
            rows={view.splits}
            empty={{ title: 'No splits.' }}
            columns={[
              { label: 'Entitlement', cell: (e) => <a href={keysPath(e.id)}>{e.id}</a> },
              {
                label: 'Reseller',
                cell: (e) => partnerName(view, e.channelPartners.find((p) => p.tier === 'tier2')?.accountId),
              },
              { label: 'Keys', numeric: true, cell: (e) => (e.webRegisterKeys?.total ?? 0).toLocaleString('en') },
              {
                label: 'Unredeemed',
                numeric: true,
                cell: (e) => (e.webRegisterKeys?.unredeemed ?? 0).toLocaleString('en'),
              },
              { label: 'Made', cell: (e) => formatDate(e.createdAt) },
            ]}
          />
        </Section>
      )}
      {view.may.split && <SplitStock view={view} />}
    </Layout>
  );
}
