import type { AuditEvent } from '../domain/events.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import { preparedQuery } from './prepared.ts';
import type { Row } from './schema.ts';

const appendEventQuery = preparedQuery(
  ['id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after'],
  (db, row: Row<'events'>) => db.insertInto('events').values(row),
);

/** Every change writes one of these, so it is a prepared statement. */
export async function appendEvent(db: Db, event: AuditEvent): Promise<void> {
  await appendEventQuery.run(db, {
    id: event.id,
    at: event.at,
    actor: event.actor,
    action: event.action,
    subject_type: event.subjectType,
    subject_id: event.subjectId,
    before: event.before === undefined || event.before === null ? null : JSON.stringify(event.before),
    after: event.after === undefined || event.after === null ? null : JSON.stringify(event.after),
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
