import type { Kysely } from 'kysely';

/**
 * Mail Licentia sends: one row per message, written in the transaction of the change that causes
 * it, with what was sent (subject, parts, attachments) so that a resend sends the same. A message
 * that carries a sign-in link loses its body once it is out of Licentia's hands (`secret`).
 * `recipient_private` marks mail to an anonymous end customer: the producer sees that it went, not where.
 * Entitlements get `email_licenses`: every licence of their line items is mailed to the ship-to address.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recipient_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('partner_account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('reference', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('messages_partner').on('messages').columns(['partner_account_id', 'id']).execute();
  await db.schema.createIndex('messages_status').on('messages').columns(['status', 'id']).execute();
  await db.schema
    .alterTable('entitlements')
    .addColumn('email_licenses', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('entitlements').dropColumn('email_licenses').execute();
  await db.schema.dropTable('messages').execute();
}
