import { type Actor, labelledActor } from '../domain/actors.ts';
import type { AuditEvent } from '../domain/events.ts';
import type { Page, PageRequest } from '../domain/paging.ts';
import { AppError } from '../domain/errors.ts';
import { getAccount } from '../services/accounts/read-accounts.ts';
import { getProduct } from '../services/catalog/read-catalog.ts';
import type { ServiceContext } from '../services/context.ts';
import { type EventListFilter, listEvents } from '../services/events/list-events.ts';
import { getUser, listUsers } from '../services/users/read-users.ts';
import { listApiKeys } from '../services/api-keys/read-api-keys.ts';
import { eventSubjects } from '../services/events/event-subjects.ts';
import type { EventSubject } from '../domain/events.ts';
import type { Choices } from './components/pickers.tsx';

/** A select of actors stays usable up to a few hundred entries. */
const CHOICES = 500;

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
  const users = [...labels].filter((label) => labelledActor(label)?.type === 'user');
  return namesBy(users, async (label) => (await getUser(ctx, actor, labelledActor(label)?.id ?? '')).name);
}

/** Audit events, with the names of the people who made them (for `ActorName`) and what they are about. */
export interface EventsWithActors {
  events: Page<AuditEvent>;
  actors: Map<string, string>;
  subjects: Map<string, EventSubject>;
}

export async function eventsWithActors(
  ctx: ServiceContext,
  actor: Actor,
  filter: EventListFilter,
  page: PageRequest,
): Promise<EventsWithActors> {
  const events = await listEvents(ctx, actor, filter, page);
  const [actors, subjects] = await Promise.all([
    actorNames(
      ctx,
      actor,
      events.items.map((e) => e.actor),
    ),
    eventSubjects(ctx, actor, events.items),
  ]);
  return { events, actors, subjects };
}

/** Who the audit log can be filtered by: people by name, API keys by name, the command line and devices. */
export async function actorChoices(ctx: ServiceContext, actor: Actor): Promise<Choices> {
  const [users, keys] = await Promise.all([
    listUsers(ctx, actor, {}, { limit: CHOICES }),
    // Only those who may read the keys get them listed; the others may still type a key's label.
    listApiKeys(ctx, actor, {}, { limit: CHOICES }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'FORBIDDEN') return undefined;
      throw error;
    }),
  ]);
  const options = [
    ...users.items.map((u) => ({ value: `user:${u.id}`, label: `${u.name} (${u.email})` })),
    ...(keys?.items ?? []).map((k) => ({ value: `api-key:${k.id}`, label: `API key “${k.name}”` })),
    { value: 'system', label: 'The licentia command' },
    { value: 'public', label: 'Devices (no key)' },
  ];
  return {
    options,
    complete: users.nextCursor === null && (keys === undefined || keys.nextCursor === null),
    idHint: 'user:usr_…, api-key:key_…',
  };
}
