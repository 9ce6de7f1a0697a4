import { type Kysely, sql } from 'kysely';

/**
 * Lineage (issue 16 item 5).
 *
 * - `line_item_versions`: the terms a deployed line item had before each lifecycle operation that
 *   changed it (renew, upsell, upgrade, split, transfer), numbered per line item from 1, with the
 *   operation, when, who (the actor as the audit log records it) and the audit event of the change.
 *   Written in the operation's own transaction.
 * - `line_items.version`: the number of the line item's current terms (1 until the first change),
 *   raised by a conditional update in the same transaction, so two operations cannot take one number.
 * - `product_upgrades`: the products a product may be upgraded from (its `upgradesFrom`), beside the
 *   rule that a newer version of the same name may always be upgraded to.
 *
 * Operations made before this migration left their terms only in the audit log (each event's
 * `before`): they become the first versions, in the order of their events, so a line item's chain
 * starts where its history does. Their licence lifetime is the one their product's model gives now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('line_items')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('line_item_versions')
    .addColumn('line_item_id', 'text', (c) => c.notNull().references('line_items.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('expiration_date', 'text')
    .addColumn('duration_days', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('successor_line_item_id', 'text', (c) => c.references('line_items.id'))
    .addPrimaryKeyConstraint('line_item_versions_pk', ['line_item_id', 'version'])
    .execute();
  await db.schema
    .createTable('product_upgrades')
    .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('from_product_id', 'text', (c) => c.notNull().references('products.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_upgrades_pk', ['product_id', 'from_product_id'])
    .addCheckConstraint('product_upgrades_not_self', sql`product_id <> from_product_id`)
    .execute();
  await db.schema
    .createIndex('product_upgrades_from')
    .on('product_upgrades')
    .columns(['from_product_id', 'product_id'])
    .execute();
  await versionsFromAuditLog(db);
}

/** The audit actions of lifecycle operations, and the operation each was. */
const operations: Record<string, string> = {
  'line-item.renewed': 'renew',
  'line-item.upsold': 'upsell',
  'line-item.upgraded': 'upgrade',
  'line-item.split': 'split',
  'line-item.transferred': 'transfer',
};

interface LoggedTerms {
  productId?: string;
  quantity?: number;
  startDate?: string | null;
  expirationDate?: string | null;
  state?: string;
  successorActivationId?: string;
}

interface VersionRow {
  line_item_id: string;
  version: number;
  product_id: string;
  quantity: number;
  start_date: string | null;
  expiration_date: string | null;
  duration_days: number | null;
  state: string;
  operation: string;
  at: string;
  actor: string;
  event_id: string;
  successor_line_item_id: string | null;
}

async function versionsFromAuditLog(db: Kysely<unknown>): Promise<void> {
  const events = await sql<{
    id: string;
    at: string;
    actor: string;
    action: string;
    subject_id: string;
    before: string;
    after: string | null;
  }>`select id, at, actor, action, subject_id, before, after from events
     where subject_type = 'line-item' and before is not null
       and action in (${sql.join(Object.keys(operations))})
     order by id`.execute(db);
  if (events.rows.length === 0) return;
  const [lineItems, durations] = await Promise.all([
    sql<{ id: string; activation_id: string }>`select id, activation_id from line_items`.execute(db),
    sql<{ id: string; duration_days: number | null }>`select p.id, m.duration_days from products p
       join license_models m on m.id = p.license_model_id`.execute(db),
  ]);
  const byCode = new Map(lineItems.rows.map((r) => [r.activation_id, r.id]));
  const exists = new Set(lineItems.rows.map((r) => r.id));
  const durationOf = new Map(durations.rows.map((r) => [r.id, r.duration_days]));
  const versions = new Map<string, number>();
  const rows: VersionRow[] = [];
  for (const event of events.rows) {
    const before = JSON.parse(event.before) as LoggedTerms;
    const after = (event.after === null ? {} : JSON.parse(event.after)) as LoggedTerms;
    const operation = operations[event.action];
    if (!exists.has(event.subject_id) || !operation || !before.productId || !durationOf.has(before.productId)) continue;
    const version = (versions.get(event.subject_id) ?? 0) + 1;
    versions.set(event.subject_id, version);
    rows.push({
      line_item_id: event.subject_id,
      version,
      product_id: before.productId,
      quantity: Number(before.quantity ?? 0),
      start_date: before.startDate ?? null,
      expiration_date: before.expirationDate ?? null,
      duration_days: durationOf.get(before.productId) ?? null,
      state: before.state ?? 'deployed',
      operation,
      at: event.at,
      actor: event.actor,
      event_id: event.id,
      successor_line_item_id: (after.successorActivationId && byCode.get(after.successorActivationId)) || null,
    });
  }
  // The table as this migration made it; the schema of src/store/schema.ts may move on.
  const typed = db as unknown as Kysely<{ line_item_versions: VersionRow }>;
  for (let i = 0; i < rows.length; i += 500)
    await typed
      .insertInto('line_item_versions')
      .values(rows.slice(i, i + 500))
      .execute();
  for (const [id, version] of versions)
    await sql`update line_items set version = ${version + 1} where id = ${id}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('product_upgrades').execute();
  await db.schema.dropTable('line_item_versions').execute();
  await db.schema.alterTable('line_items').dropColumn('version').execute();
}
