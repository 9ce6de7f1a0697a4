import { sql } from 'kysely';
import { MAIN_CHAIN, eventHash } from '../domain/audit-chain.ts';
import type { AuditEvent } from '../domain/events.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import { preparedQuery } from './prepared.ts';
import type { Row } from './schema.ts';

const appendEventQuery = preparedQuery(
  ['id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'seq', 'prev_hash', 'hash'],
  (db, row: Row<'events'>) => db.insertInto('events').values(row),
);

// Taking the next place locks the head row (PostgreSQL) until the transaction ends, so appends to
// one chain are serialised and every event sees the hash of the one committed before it.
const takePlaceQuery = preparedQuery(['chain'], (db, args: { chain: string }) =>
  db
    .updateTable('audit_chain_heads')
    .set({ seq: sql<number>`seq + 1` })
    .where('chain', '=', args.chain)
    .returning(['seq', 'hash']),
);

const moveHeadQuery = preparedQuery(['chain', 'hash'], (db, args: { chain: string; hash: string }) =>
  db.updateTable('audit_chain_heads').set({ hash: args.hash }).where('chain', '=', args.chain),
);

function storedJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Every change writes one of these, so its statements are prepared. A `chained` event carries its
 * place, the hash before it and its own hash (`eventHash`), all in the transaction of the change;
 * an unchained one (`LICENTIA_AUDIT_CHAIN` off) has none of them and takes no lock.
 */
export async function appendEvent(db: Db, event: AuditEvent, chained: boolean): Promise<void> {
  if (!chained) {
    await appendEventQuery.run(db, {
      id: event.id,
      at: event.at,
      actor: event.actor,
      action: event.action,
      subject_type: event.subjectType,
      subject_id: event.subjectId,
      before: storedJson(event.before),
      after: storedJson(event.after),
      seq: null,
      prev_hash: null,
      hash: null,
    });
    return;
  }
  const place = await takePlaceQuery.first(db, { chain: MAIN_CHAIN });
  if (!place) throw new Error(`the audit chain ${MAIN_CHAIN} has no head row (migration 0009)`);
  const seq = Number(place.seq);
  const fields = {
    seq,
    id: event.id,
    at: event.at,
    actor: event.actor,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    before: storedJson(event.before),
    after: storedJson(event.after),
  };
  const hash = eventHash(place.hash, fields);
  await moveHeadQuery.run(db, { chain: MAIN_CHAIN, hash });
  await appendEventQuery.run(db, {
    id: fields.id,
    at: fields.at,
    actor: fields.actor,
    action: fields.action,
    subject_type: fields.subjectType,
    subject_id: fields.subjectId,
    before: fields.before,
    after: fields.after,
    seq,
    prev_hash: place.hash,
    hash,
  });
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
