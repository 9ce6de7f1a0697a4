import type { Page, PageRequest } from '../domain/paging.ts';
import { decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row, RowUpdate } from './schema.ts';

/** A webhook endpoint without its secrets, as every reader may see it. */
export interface WebhookEndpoint {
  id: string;
  /** null: the producer's; else the partner account whose scope it receives. */
  accountId: string | null;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * An endpoint's signing secrets as stored: sealed under the key-encryption key (see
 * `src/services/webhooks/webhook-secrets.ts`), or plain `whsec_…` when written by a version before
 * secrets were sealed (the server seals those at start).
 */
export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: string | null;
}

function withSecrets(row: Row<'webhook_endpoints'>): WebhookEndpoint & EndpointSecrets {
  return {
    ...toWebhookEndpoint(row),
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until,
  };
}

export function toWebhookEndpoint(row: Row<'webhook_endpoints'>): WebhookEndpoint {
  return {
    id: row.id,
    accountId: row.account_id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    failingSince: row.failing_since,
    lastSuccessAt: row.last_success_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Whose endpoints a reader sees: all of them (the producer), or one partner account's. */
export type EndpointOwner = { kind: 'all' } | { kind: 'account'; accountId: string };

export async function insertWebhookEndpoint(db: Db, row: Row<'webhook_endpoints'>): Promise<WebhookEndpoint> {
  await db.insertInto('webhook_endpoints').values(row).execute();
  return toWebhookEndpoint(row);
}

function owned(db: Db, owner: EndpointOwner) {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null);
  if (owner.kind === 'account') query = query.where('account_id', '=', owner.accountId);
  return query;
}

export async function findWebhookEndpoint(
  db: Db,
  id: string,
  owner: EndpointOwner,
): Promise<(WebhookEndpoint & EndpointSecrets) | undefined> {
  const row = await owned(db, owner).where('id', '=', id).executeTakeFirst();
  return row && withSecrets(row);
}

export async function listWebhookEndpoints(
  db: Db,
  owner: EndpointOwner,
  page: PageRequest,
): Promise<Page<WebhookEndpoint>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'webhookEndpoint');
  let query = owned(db, owner);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toWebhookEndpoint);
}

/**
 * Every endpoint not deleted, enabled or not, with its (stored) secrets: what events are fanned
 * out to, and what a delivery is signed with.
 */
export async function liveWebhookEndpoints(db: Db): Promise<(WebhookEndpoint & EndpointSecrets)[]> {
  const rows = await owned(db, { kind: 'all' }).orderBy('id').execute();
  return rows.map(withSecrets);
}

/** Endpoints (deleted ones too) with a secret still stored in plain, written before secrets were sealed. */
export async function listPlainWebhookSecrets(
  db: Db,
): Promise<{ id: string; secret: string; previousSecret: string | null }[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret', 'previous_secret'])
    .where((eb) =>
      eb.or([
        eb('secret', 'not like', 'sealed:%'),
        eb.and([eb('previous_secret', 'is not', null), eb('previous_secret', 'not like', 'sealed:%')]),
      ]),
    )
    .execute();
  return rows.map((row) => ({ id: row.id, secret: row.secret, previousSecret: row.previous_secret }));
}

/** Replaces an endpoint's stored secrets if they are still `from` (another process may have sealed them first). */
export async function replaceWebhookSecrets(
  db: Db,
  id: string,
  from: { secret: string; previousSecret: string | null },
  to: { secret: string; previousSecret: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ secret: to.secret, previous_secret: to.previousSecret })
    .where('id', '=', id)
    .where('secret', '=', from.secret)
    .where((eb) =>
      from.previousSecret === null
        ? eb('previous_secret', 'is', null)
        : eb('previous_secret', '=', from.previousSecret),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function updateWebhookEndpointRow(
  db: Db,
  id: string,
  changes: RowUpdate<'webhook_endpoints'>,
): Promise<void> {
  await db.updateTable('webhook_endpoints').set(changes).where('id', '=', id).where('deleted_at', 'is', null).execute();
}

/**
 * Notes a success: the endpoint is healthy again. A healthy endpoint's last success is moved at
 * most once a minute, so that a busy endpoint's deliveries do not all write its row.
 */
export async function recordEndpointSuccess(db: Db, id: string, at: string): Promise<void> {
  const aMinuteAgo = new Date(Date.parse(at) - 60_000).toISOString();
  await db
    .updateTable('webhook_endpoints')
    .set({ last_success_at: at, failing_since: null })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('failing_since', 'is not', null),
        eb('last_success_at', 'is', null),
        eb('last_success_at', '<', aMinuteAgo),
      ]),
    )
    .execute();
}

/** Notes a failure; answers since when the endpoint has been failing without a success. */
export async function recordEndpointFailure(db: Db, id: string, at: string): Promise<string | undefined> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: at })
    .where('id', '=', id)
    .where('failing_since', 'is', null)
    .execute();
  const row = await db.selectFrom('webhook_endpoints').select('failing_since').where('id', '=', id).executeTakeFirst();
  return row?.failing_since ?? undefined;
}

/** Disables an enabled endpoint; answers whether this call did it (so it is audited once). */
export async function disableWebhookEndpoint(db: Db, id: string, reason: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: reason, disabled_at: at, updated_at: at })
    .where('id', '=', id)
    .where('enabled', '=', 1)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether there is anything for webhooks to do: an endpoint not deleted, or a delivery of `kinds` still pending. */
export async function webhooksInUse(db: Db, kinds: readonly string[]): Promise<boolean> {
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (endpoint) return true;
  const pending = await db
    .selectFrom('outbox')
    .select('id')
    .where('kind', 'in', [...kinds])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return pending !== undefined;
}
