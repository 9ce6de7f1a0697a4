import { CompiledQuery, sql } from 'kysely';
import { chainOf, eventHash } from '../domain/audit-chain.ts';
import type { AuditEvent } from '../domain/events.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { SqliteChainHeads } from './chain-heads.ts';
import { type Db, type Store, storeOf } from './database.ts';
import { preparedQuery } from './prepared.ts';
import type { Row } from './schema.ts';

const appendEventQuery = preparedQuery(
  ['id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'chain', 'seq', 'prev_hash', 'hash'],
  (db, row: Row<'events'>) => db.insertInto('events').values(row),
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
 * chain committed before, with its place, the hash before it and its own hash (`eventHash`). On
 * PostgreSQL the chains' head rows are locked in ascending order, after whatever rows the
 * transaction locked before (it appends its events last: transaction-scope.ts), so two transactions
 * never each hold a lock the other waits for; within a chain the events keep the transaction's order.
 */
export async function appendChainedEvents(db: Db, events: readonly AuditEvent[]): Promise<void> {
  const byChain = new Map<number, AuditEvent[]>();
  for (const event of events) {
    const chain = chainOf(event.subjectType, event.subjectId);
    const list = byChain.get(chain);
    if (list) list.push(event);
    else byChain.set(chain, [event]);
  }
  const store = storeOf(db);
  // Outside a transaction (tools, tests), SQLite's in-memory heads need one: a group commit's.
  if (store.chainHeads && !db.isTransaction) return await store.transaction((tx) => appendChainedEvents(tx, events));
  for (const chain of [...byChain.keys()].sort((a, b) => a - b)) {
    const list = byChain.get(chain) ?? [];
    if (store.chainHeads) appendOnSqlite(store.chainHeads, store, chain, list);
    else for (const event of list) await appendChainedOnPostgres(db, chain, event);
  }
}

/**
 * SQLite: hashes the events onto the chain's head as kept in memory (chain-heads.ts, written once
 * per group commit) and inserts them with the transaction's prepared statement, in-process.
 */
function appendOnSqlite(heads: SqliteChainHeads, store: Store, chain: number, list: readonly AuditEvent[]): void {
  const head = heads.head(chain);
  let seq = head.seq;
  let prevHash = head.hash;
  const insert = store.cachedStatement(INSERT_CHAINED_SQLITE);
  for (const event of list) {
    seq += 1;
    const f = storedFields(event);
    const hash = eventHash(prevHash, {
      seq,
      id: f.id,
      at: f.at,
      actor: f.actor,
      action: f.action,
      subjectType: f.subject_type,
      subjectId: f.subject_id,
      before: f.before,
      after: f.after,
    });
    insert.run(
      f.id,
      f.at,
      f.actor,
      f.action,
      f.subject_type,
      f.subject_id,
      f.before,
      f.after,
      chain,
      seq,
      prevHash,
      hash,
    );
    heads.move(chain, { seq, hash, prevHash });
    prevHash = hash;
  }
}

const INSERT_CHAINED_SQLITE = `insert into events (id, at, actor, action, subject_type, subject_id, before, after, chain, seq, prev_hash, hash)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * PostgreSQL: one statement per event, which PostgreSQL hashes itself, so the head's row lock is
 * held for one round trip more than an unchained event's insert. The text hashed is `eventHash`'s,
 * `[seq,"prevHash",…fields]`, the fields' part made here by the same JSON.stringify; verify
 * recomputes each hash with `eventHash`, so the two cannot drift apart unnoticed. Written out
 * rather than built: building a query costs more than this whole append (prepared.ts).
 */
const APPEND_CHAINED_POSTGRES = `with head as (
    update audit_chain_heads
    set seq = seq + 1,
      prev_hash = hash,
      hash = encode(sha256(convert_to('[' || (seq + 1) || ',"' || hash || '"' || $1::text, 'UTF8')), 'hex')
    where chain = $2::integer
    returning seq, prev_hash, hash
  )
  insert into events (id, at, actor, action, subject_type, subject_id, before, after, chain, seq, prev_hash, hash)
  select $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $2::integer, seq, prev_hash, hash
  from head
  returning seq`;

async function appendChainedOnPostgres(db: Db, chain: number, event: AuditEvent): Promise<void> {
  const f = storedFields(event);
  const rest = `,${JSON.stringify([f.id, f.at, f.actor, f.action, f.subject_type, f.subject_id, f.before, f.after]).slice(1)}`;
  const written = await db.executeQuery(
    CompiledQuery.raw(APPEND_CHAINED_POSTGRES, [
      rest,
      chain,
      f.id,
      f.at,
      f.actor,
      f.action,
      f.subject_type,
      f.subject_id,
      f.before,
      f.after,
    ]),
  );
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

export async function findEvent(db: Db, id: string): Promise<AuditEvent | undefined> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toEvent(row);
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

/** An event and its place in the log: SQLite's rowid, which grows in commit order (one writer at a time). */
export interface LoggedEvent {
  position: number;
  event: AuditEvent;
}

/** SQLite: the events committed after `position`, in the order they were. */
export async function eventsAfter(db: Db, position: number, limit: number): Promise<LoggedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .select(sql<number>`rowid`.as('position'))
    .where(sql<boolean>`rowid > ${position}`)
    .orderBy(sql`rowid`)
    .limit(limit)
    .execute();
  return rows.map((row) => ({ position: row.position, event: toEvent(row) }));
}

/** SQLite: where the event `id` is in the log. */
export async function positionOfEvent(db: Db, id: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('events')
    .select(sql<number>`rowid`.as('position'))
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.position;
}
