import type { Account } from '../../domain/accounts.ts';
import { Badge, Code } from '../components/layout.tsx';
import type { Actor } from '../../domain/actors.ts';
import { createAccount } from '../../services/accounts/create-account.ts';
import { getAccounts, listAccounts } from '../../services/accounts/read-accounts.ts';
import type { ServiceContext } from '../../services/context.ts';
import { refusalOf } from '../refusals.ts';

// What the account pages share: page sizes, an account's type badge, a link to an account, the accounts
// they look up, and whether the service would let this person create one.

export const PAGE_SIZE = 50;

/** Parents offered in a list; with more accounts than this, the parent's ID is typed in. */
export const PICKER_SIZE = 200;

export function AccountTypeBadge({ account }: { account: Account }) {
  if (account.anonymous) return <Badge tone="warn">anonymous customer</Badge>;
  return <Badge tone={account.type === 'partner' ? 'info' : 'neutral'}>{account.type}</Badge>;
}

/** A link to an account the signed-in person can see, else its bare ID (a partner's own parent, say). */
export function AccountRef({ id, known }: { id: string | null; known: Map<string, Account> }) {
  if (id === null) return <span class="muted">top level</span>;
  const account = known.get(id);
  return account ? <a href={`/portal/accounts/${account.id}`}>{account.name}</a> : <Code>{id}</Code>;
}

/**
 * Why the service would refuse this person a new account (below `parentAccountId`, if given), if it
 * would. Asked of the service with a name no one will keep: the preview is rolled back.
 */
export const createRefusal = (ctx: ServiceContext, actor: Actor, parentAccountId?: string) =>
  refusalOf(ctx, (c) =>
    createAccount(c, actor, { name: 'Preview', type: 'customer', ...(parentAccountId && { parentAccountId }) }),
  );

/** The accounts of these IDs this person may see, by ID. */
export const byId = async (ctx: ServiceContext, actor: Actor, ids: (string | null)[]) =>
  new Map(
    (
      await getAccounts(
        ctx,
        actor,
        ids.filter((id): id is string => id !== null),
      )
    ).map((a) => [a.id, a]),
  );

/** Accounts with a name (not the anonymous ones) to pick from, as many as a list offers. */
export const namedAccounts = (ctx: ServiceContext, actor: Actor) =>
  listAccounts(ctx, actor, { anonymous: false }, { limit: PICKER_SIZE });
