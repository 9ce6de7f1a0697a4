import type { Kysely } from 'kysely';

/**
 * The transactional outbox (one table for every kind of outgoing delivery: webhooks, mail) with
 * the log of its attempts, and the webhook endpoints that subscribe to events.
 *
 * An outbox row is written in the transaction of the change that causes it, so a rolled-back
 * change sends nothing and a committed one is never lost. A dispatcher claims due rows with a
 * lease (`claimed_by`, `claimed_until`): a process that dies leaves a claim that expires, and
 * another process takes the row up again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // What it is about and where it goes, as its kind reads them: an event type and an
    // endpoint ID for a webhook, a mail kind and a recipient for mail.
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('event_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The dispatcher's question: what is due? Only pending rows carry a next attempt.
  await db.schema.createIndex('outbox_due').on('outbox').columns(['next_attempt_at']).execute();
  await db.schema.createIndex('outbox_target').on('outbox').columns(['kind', 'target', 'id']).execute();
  // One delivery of an event per target, however often its fan-out is retried.
  await db.schema.createIndex('outbox_once').on('outbox').columns(['kind', 'target', 'event_id']).unique().execute();

  await db.schema
    .createTable('outbox_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('outbox_id', 'text', (c) => c.notNull().references('outbox.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response', 'text')
    .execute();
  await db.schema.createIndex('outbox_attempts_row').on('outbox_attempts').columns(['outbox_id', 'at']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // null: the producer's own endpoint; else the partner account whose scope it sees.
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_endpoints_account').on('webhook_endpoints').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('outbox_attempts').execute();
  await db.schema.dropTable('outbox').execute();
}
