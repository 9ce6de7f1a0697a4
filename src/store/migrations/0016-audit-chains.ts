import { type Kysely, sql } from 'kysely';

/** Frozen here as it was when this migration was written; src/domain/audit-chain.ts may move on. */
const CHAINS = 64;
const GENESIS_HASH = '0'.repeat(64);

/**
 * The audit log splits into 64 chains, keyed by the event's subject, each with its own head row,
 * so that concurrent transactions on different subjects no longer queue on one head.
 *
 * The single chain of migration 0009 (`main`) becomes chain 0 as it is: its events keep their
 * places and hashes, so it still verifies against the checkpoints already signed, which are kept
 * (their signed claims name `main`; verify reads them as chain 0). Re-chaining the old events by
 * subject would have meant new hashes with nothing signed to vouch for them: a rewrite of the log
 * that the checkpoints exist to catch. New events of subjects that fall in chain 0 follow the old
 * ones there.
 *
 * A checkpoint now signs the heads of all chains at once: one row per checkpoint, named by the
 * number of events it covers in all.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('chain', 'integer').execute();
  await sql`update events set chain = 0 where seq is not null`.execute(db);
  await db.schema.dropIndex('events_chain_seq').execute();
  await db.schema.createIndex('events_chain_place').unique().on('events').columns(['chain', 'seq']).execute();

  const main = (
    await sql<{ seq: number; hash: string }>`select seq, hash from audit_chain_heads where chain = 'main'`.execute(db)
  ).rows[0];
  const last = (
    await sql<{ prev_hash: string }>`select prev_hash from events where chain = 0 order by seq desc limit 1`.execute(db)
  ).rows[0];
  const head = { seq: Number(main?.seq ?? 0), hash: main?.hash ?? GENESIS_HASH, prev: last?.prev_hash ?? GENESIS_HASH };
  await db.schema.dropTable('audit_chain_heads').execute();
  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .execute();
  for (let chain = 0; chain < CHAINS; chain++) {
    const { seq, hash, prev } = chain === 0 ? head : { seq: 0, hash: GENESIS_HASH, prev: GENESIS_HASH };
    await sql`insert into audit_chain_heads (chain, seq, hash, prev_hash)
      values (${chain}, ${seq}, ${hash}, ${prev})`.execute(db);
  }

  const old = (
    await sql<{ seq: number; hash: string; at: string; kid: string; signature: string }>`
      select seq, hash, at, kid, signature from audit_checkpoints where chain = 'main' order by seq`.execute(db)
  ).rows;
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('count', 'integer', (c) => c.primaryKey())
    .addColumn('heads', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
  for (const c of old) {
    const heads = JSON.stringify([{ chain: 0, count: Number(c.seq), hash: c.hash }]);
    await sql`insert into audit_checkpoints (count, heads, at, kid, signature)
      values (${Number(c.seq)}, ${heads}, ${c.at}, ${c.kid}, ${c.signature})`.execute(db);
  }
}

/**
 * Back to one chain only while every chained event is still in chain 0 (nothing was chained since
 * this migration); otherwise the chains cannot be merged without rewriting the log, and this fails.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  const spread = (await sql<{ n: number }>`select count(*) as n from events where chain > 0`.execute(db)).rows[0];
  if (Number(spread?.n ?? 0) > 0)
    throw new Error('events lie in chains other than 0: the audit log cannot go back to one chain');
  const main = (
    await sql<{ seq: number; hash: string }>`select seq, hash from audit_chain_heads where chain = 0`.execute(db)
  ).rows[0];
  const checkpoints = (
    await sql<{ count: number; heads: string; at: string; kid: string; signature: string }>`
      select count, heads, at, kid, signature from audit_checkpoints order by count`.execute(db)
  ).rows;
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'seq'])
    .execute();
  for (const c of checkpoints) {
    const [head] = JSON.parse(c.heads) as { count: number; hash: string }[];
    if (head)
      await sql`insert into audit_checkpoints (chain, seq, hash, at, kid, signature)
        values ('main', ${head.count}, ${head.hash}, ${c.at}, ${c.kid}, ${c.signature})`.execute(db);
  }
  await db.schema.dropTable('audit_chain_heads').execute();
  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_chain_heads (chain, seq, hash)
    values ('main', ${Number(main?.seq ?? 0)}, ${main?.hash ?? GENESIS_HASH})`.execute(db);
  await db.schema.dropIndex('events_chain_place').execute();
  await db.schema.createIndex('events_chain_seq').unique().on('events').column('seq').execute();
  await db.schema.alterTable('events').dropColumn('chain').execute();
}
