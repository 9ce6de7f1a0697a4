import type { Actor } from '../domain/actors.ts';
import type { AuditEvent } from '../domain/events.ts';
import type { Page, PageRequest } from '../domain/paging.ts';
import { AppError } from '../domain/errors.ts';
import { getAccount } from '../services/accounts/read-accounts.ts';
import { getProduct } from '../services/catalog/read-catalog.ts';
import type { ServiceContext } from '../services/context.ts';
import { type EventListFilter, listEvents } from '../services/events/list-events.ts';
import { getUser } from '../services/users/read-users.ts';

/**
 * Names for the IDs a list shows, asked of the same services as everything else: an ID the actor
 * may not see keeps no name (and the page shows the ID it already had, nothing more).
 */
async function namesBy(
  ids: Iterable<string | null | undefined>,
  lookup: (id: string) => Promise<string>,
): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => typeof id === 'string' && id !== ''))];
  const found = await Promise.all(
    unique.map(async (id) => {
      try {
        return [id, await lookup(id)] as const;
      } catch (error) {
        if (error instanceof AppError) return undefined;
        throw error;
      }
    }),
  );
  return new Map(found.filter((entry): entry is readonly [string, string] => entry !== undefined));
}

export function accountNames(
  ctx: ServiceContext,
  actor: Actor,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, string>> {
  return namesBy(ids, async (id) => (await getAccount(ctx, actor, id)).name);
}

export function productNames(
  ctx: ServiceContext,
  actor: Actor,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, string>> {
  return namesBy(ids, async (id) => {
    const product = await getProduct(ctx, actor, id);
    return `${product.name} ${product.version}`;
  });
}

/** Audit log actors are labels such as `user:usr_…`; people get their names. */
export function actorNames(ctx: ServiceContext, actor: Actor, labels: Iterable<string>): Promise<Map<string, string>> {
  const users = [...labels].filter((label) => label.startsWith('user:'));
  return namesBy(users, async (label) => (await getUser(ctx, actor, label.slice('user:'.length))).name);
}

/** Audit events, with the names of the people who made them (for `ActorName`). */
export interface EventsWithActors {
  events: Page<AuditEvent>;
  actors: Map<string, string>;
}

export async function eventsWithActors(
  ctx: ServiceContext,
  actor: Actor,
  filter: EventListFilter,
  page: PageRequest,
): Promise<EventsWithActors> {
  const events = await listEvents(ctx, actor, filter, page);
  return {
    events,
    actors: await actorNames(
      ctx,
      actor,
      events.items.map((e) => e.actor),
    ),
  };
}
