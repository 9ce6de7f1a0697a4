import { type Kysely, sql } from 'kysely';
import { GENESIS_HASH, eventHash } from '../../domain/audit-chain.ts';

interface EventRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: string | null;
  after: string | null;
}

/**
 * The audit log becomes a hash chain: each event carries its place (`seq`), the hash of the one
 * before and its own; the head of each chain is one row, which every append updates (so appends
 * are serialised, on PostgreSQL by that row's lock). Signed checkpoints of the head are kept
 * beside. Events written before are chained here, in the order of their IDs (UUIDv7, by time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('seq', 'integer').execute();
  await db.schema.alterTable('events').addColumn('prev_hash', 'text').execute();
  await db.schema.alterTable('events').addColumn('hash', 'text').execute();
  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
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

  const rows = (await sql<EventRow>`select * from events order by id`.execute(db)).rows;
  let prev = GENESIS_HASH;
  let seq = 0;
  for (const row of rows) {
    seq += 1;
    const hash = eventHash(prev, {
      seq,
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      before: row.before,
      after: row.after,
    });
    await sql`update events set seq = ${seq}, prev_hash = ${prev}, hash = ${hash} where id = ${row.id}`.execute(db);
    prev = hash;
  }
  await sql`insert into audit_chain_heads (chain, seq, hash) values ('main', ${seq}, ${prev})`.execute(db);
  await db.schema.createIndex('events_chain_seq').unique().on('events').column('seq').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_chain_seq').execute();
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema.dropTable('audit_chain_heads').execute();
  await db.schema.alterTable('events').dropColumn('hash').execute();
  await db.schema.alterTable('events').dropColumn('prev_hash').execute();
  await db.schema.alterTable('events').dropColumn('seq').execute();
}
