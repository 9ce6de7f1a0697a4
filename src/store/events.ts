import { sql } from 'kysely';
import { chainOf, eventHash } from '../domain/audit-chain.ts';
import type { AuditEvent } from '../domain/events.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import { type Db, storeOf } from './database.ts';
import { preparedQuery } from './prepared.ts';
import type { Row } from './schema.ts';

const appendEventQuery = preparedQuery(
  ['id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'chain', 'seq', 'prev_hash', 'hash'],
  (db, row: Row<'events'>) => db.insertInto('events').values(row),
);

// Taking places locks the chain's head row (PostgreSQL) until the transaction ends, so appends to
// one chain are serialised and every event sees the hash of the one committed before it.
const takePlacesQuery = preparedQuery(['chain', 'count'], (db, args: { chain: number; count: number }) =>
  db
    .updateTable('audit_chain_heads')
    .set({ seq: sql<number>`seq + ${args.count}` })
    .where('chain', '=', args.chain)
    .returning(['seq', 'hash']),
);

const moveHeadQuery = preparedQuery(
  ['chain', 'hash', 'prev_hash'],
  (db, args: { chain: number; hash: string; prev_hash: string }) =>
    db
      .updateTable('audit_chain_heads')
      .set({ hash: args.hash, prev_hash: args.prev_hash })
      .where('chain', '=', args.chain),
);

function storedJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function storedFields(event: AuditEvent) {
  return {
    id: event.id,
    at: event.at,
    actor: event.actor,
    action: event.action,
    subject_type: event.subjectType,
    subject_id: event.subjectId,
    before: storedJson(event.before),
    after: storedJson(event.after),
  };
}

/** An event outside any chain (`LICENTIA_AUDIT_CHAIN` off): no place, no hash, no lock. */
export async function appendEvent(db: Db, event: AuditEvent): Promise<void> {
  await appendEventQuery.run(db, { ...storedFields(event), chain: null, seq: null, prev_hash: null, hash: null });
}

/**
 * A transaction's chained events, each in its subject's chain (`chainOf`) after the events of that
 * chain committed before, with its place, the hash before it and its own hash (`eventHash`). The
 * chains' heads are locked in ascending order, so two transactions that touch the same chains
 * never each hold one the other waits for; within a chain the events keep the transaction's order.
 */
export async function appendChainedEvents(db: Db, events: readonly AuditEvent[]): Promise<void> {
  const byChain = new Map<number, AuditEvent[]>();
  for (const event of events) {
    const chain = chainOf(event.subjectType, event.subjectId);
    const list = byChain.get(chain);
    if (list) list.push(event);
    else byChain.set(chain, [event]);
  }
  const postgres = storeOf(db).dialect === 'postgres';
  for (const chain of [...byChain.keys()].sort((a, b) => a - b)) {
    const list = byChain.get(chain) ?? [];
    if (postgres) for (const event of list) await appendChainedOnPostgres(db, chain, event);
    else await appendChained(db, chain, list);
  }
}

/** Takes the chain's next places, hashes the events onto the head, moves it, writes them. */
async function appendChained(db: Db, chain: number, list: readonly AuditEvent[]): Promise<void> {
  const taken = await takePlacesQuery.first(db, { chain, count: list.length });
  if (!taken) throw new Error(`the audit chain ${chain} has no head row (migration 0016)`);
  let seq = Number(taken.seq) - list.length;
  let prevHash = taken.hash;
  const rows: Row<'events'>[] = [];
  for (const event of list) {
    seq += 1;
    const fields = storedFields(event);
    const hash = eventHash(prevHash, {
      seq,
      id: fields.id,
      at: fields.at,
      actor: fields.actor,
      action: fields.action,
      subjectType: fields.subject_type,
      subjectId: fields.subject_id,
      before: fields.before,
      after: fields.after,
    });
    rows.push({ ...fields, chain, seq, prev_hash: prevHash, hash });
    prevHash = hash;
  }
  await moveHeadQuery.run(db, { chain, hash: prevHash, prev_hash: rows.at(-1)?.prev_hash ?? prevHash });
  for (const row of rows) await appendEventQuery.run(db, row);
}

/**
 * The same in one statement, which PostgreSQL hashes itself: the head's row lock is then held for
 * one round trip more than an unchained event's insert, not three, and an activation's line item
 * (locked by its count until the commit) waits no longer. The text hashed is `eventHash`'s,
 * `[seq,"prevHash",…fields]`, the fields' part made here by the same JSON.stringify; verify
 * recomputes each hash with `eventHash`, so the two cannot drift apart unnoticed.
 */
async function appendChainedOnPostgres(db: Db, chain: number, event: AuditEvent): Promise<void> {
  const f = storedFields(event);
  const rest = `,${JSON.stringify([f.id, f.at, f.actor, f.action, f.subject_type, f.subject_id, f.before, f.after]).slice(1)}`;
  const written = await sql<{ seq: number }>`
    with head as (
      update audit_chain_heads
      set seq = seq + 1,
        prev_hash = hash,
        hash = encode(sha256(convert_to('[' || (seq + 1) || ',"' || hash || '"' || ${rest}::text, 'UTF8')), 'hex')
      where chain = ${chain}::integer
      returning seq, prev_hash, hash
    )
    insert into events (id, at, actor, action, subject_type, subject_id, before, after, chain, seq, prev_hash, hash)
    select ${f.id}::text, ${f.at}::text, ${f.actor}::text, ${f.action}::text, ${f.subject_type}::text,
      ${f.subject_id}::text, ${f.before}::text, ${f.after}::text, ${chain}::integer, seq, prev_hash, hash
    from head
    returning seq`.execute(db);
  if (written.rows.length !== 1) throw new Error(`the audit chain ${chain} has no head row (migration 0016)`);
}

function toEvent(row: Row<'events'>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
  };
}

export interface EventFilter {
  subjectType?: string | undefined;
  subjectIds?: string[] | undefined;
  action?: string | undefined;
  /** Actions left out (the dashboard leaves out signing in). */
  exceptActions?: readonly string[] | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Newest first: an audit log is read from the top. */
export async function listEvents(db: Db, filter: EventFilter, page: PageRequest): Promise<Page<AuditEvent>> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor, 'event');
  let query = db.selectFrom('events').selectAll();
  if (filter.subjectType) query = query.where('subject_type', '=', filter.subjectType);
  if (filter.subjectIds) query = query.where('subject_id', 'in', filter.subjectIds.length ? filter.subjectIds : ['']);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.exceptActions?.length) query = query.where('action', 'not in', [...filter.exceptActions]);
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.from) query = query.where('at', '>=', filter.from);
  if (filter.to) query = query.where('at', '<', filter.to);
  if (before) query = query.where('id', '<', before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toEvent);
}

export async function countEvents(db: Db, filter: { subjectId?: string; action?: string } = {}): Promise<number> {
  let query = db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n'));
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.action) query = query.where('action', '=', filter.action);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}
