import type { Actor } from '../../domain/actors.ts';
import { listAccounts } from '../../services/accounts/read-accounts.ts';
import { listFeatures, listLicenseModels, listProducts } from '../../services/catalog/read-catalog.ts';
import type { ServiceContext } from '../../services/context.ts';
import { listEntitlements } from '../../services/entitlements/read-entitlements.ts';
import { Section } from './layout.tsx';

/** One step of setting up: what to make, where, and whether the data shows it made. */
export interface FirstRunStep {
  label: string;
  hint: string;
  href: string;
  done: boolean;
}

const ONE = { limit: 1 };

/**
 * The steps from an empty install to a first licence, each ticked by what exists (nothing is stored:
 * a step done by the API, or undone by a deletion, reads as such).
 */
export async function firstRunSteps(ctx: ServiceContext, actor: Actor): Promise<FirstRunStep[]> {
  const exists = (page: Promise<{ items: unknown[] }>) => page.then((p) => p.items.length > 0);
  const [model, feature, product, account, entitlement, deployed] = await Promise.all([
    exists(listLicenseModels(ctx, actor, {}, ONE)),
    exists(listFeatures(ctx, actor, {}, ONE)),
    exists(listProducts(ctx, actor, {}, ONE)),
    exists(listAccounts(ctx, actor, {}, ONE)),
    exists(listEntitlements(ctx, actor, {}, ONE)),
    exists(listEntitlements(ctx, actor, { state: 'deployed' }, ONE)),
  ]);
  return [
    {
      label: 'Add a licence model',
      hint: 'how a product may be used: node-locked, floating or uncounted, and for how long',
      href: '/portal/catalog/license-models/new',
      done: model,
    },
    {
      label: 'Add a feature',
      hint: 'a capability your licences list',
      href: '/portal/catalog/features/new',
      done: feature,
    },
    {
      label: 'Add a product',
      hint: 'a name and version, its licence model and features',
      href: '/portal/catalog/products/new',
      done: product,
    },
    {
      label: 'Add an account',
      hint: 'a customer, or a partner that resells',
      href: '/portal/accounts/new',
      done: account,
    },
    {
      label: 'Create an entitlement',
      hint: 'what an account bought, with its activation IDs',
      href: '/portal/entitlements/new',
      done: entitlement,
    },
    {
      label: 'Deploy it',
      hint: 'open the entitlement and deploy it: its activation IDs then activate devices',
      href: '/portal/entitlements?state=draft',
      done: deployed,
    },
  ];
}

/** The checklist of a new install, shown until every step is done. */
export function FirstRunChecklist({ steps }: { steps: FirstRunStep[] }) {
  if (steps.every((s) => s.done)) return null;
  const done = steps.filter((s) => s.done).length;
  return (
    <Section title="Get started" id="get-started">
      <p class="muted">
        {done} of {steps.length} done. Each step is ticked as soon as what it makes exists.
      </p>
      <ol class="checklist">
        {steps.map((step) => (
          <li class={step.done ? 'checklist-done' : undefined}>
            <span class="checklist-mark" aria-hidden="true">
              {step.done ? '✓' : ''}
            </span>
            <a href={step.href}>{step.label}</a>
            <span class="visually-hidden">{step.done ? ' (done)' : ' (to do)'}</span>
            <span class="muted"> — {step.hint}</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}
