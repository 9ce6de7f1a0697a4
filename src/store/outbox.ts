import { newId } from '../domain/ids.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import { sql } from 'kysely';
import { type Db, storeOf } from './database.ts';
import { withoutItsIndex } from './planner-hints.ts';
import { preparedQuery } from './prepared.ts';
import type { Row } from './schema.ts';

/** An outgoing delivery as the outbox keeps it (see migrations/0006-outbox-webhooks.ts). */
export interface OutboxMessage {
  id: string;
  kind: string;
  topic: string;
  target: string | null;
  eventId: string | null;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** `pending`: waiting for its next attempt; `skipped`: its handler found nothing to send. */
export const outboxStatuses = ['pending', 'delivered', 'failed', 'skipped'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

export interface NewOutboxMessage {
  kind: string;
  topic: string;
  target?: string | null;
  eventId?: string | null;
  payload: unknown;
  /**
   * What this process delivers from memory when it writes the row claimed, where that is more
   * than the row keeps (the row can be read back into it): the payload otherwise.
   */
  inMemory?: unknown;
  at: string;
  /** When the first attempt is due; by default at once. */
  notBefore?: string;
  /**
   * Written as already claimed (the lease of `claimDue`): the process that writes it delivers it
   * from memory after the commit, without claiming or reading it again. If that process dies, the
   * lease runs out and any dispatcher takes the row up.
   */
  claim?: { by: string; until: string };
}

export function toOutboxMessage(row: Row<'outbox'>): OutboxMessage {
  return messageOf(row, JSON.parse(row.payload));
}

/** A row as a message, its payload already parsed (or, for a row just written, never serialised back). */
function messageOf(row: Row<'outbox'>, payload: unknown): OutboxMessage {
  return {
    id: row.id,
    kind: row.kind,
    topic: row.topic,
    target: row.target,
    eventId: row.event_id,
    payload,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

type InsertedOutboxRow = Pick<
  Row<'outbox'>,
  | 'id'
  | 'kind'
  | 'topic'
  | 'target'
  | 'event_id'
  | 'payload'
  | 'status'
  | 'next_attempt_at'
  | 'claimed_by'
  | 'claimed_until'
  | 'created_at'
  | 'updated_at'
>;

const insertedColumns = [
  'id',
  'kind',
  'topic',
  'target',
  'event_id',
  'payload',
  'status',
  'next_attempt_at',
  'claimed_by',
  'claimed_until',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof InsertedOutboxRow)[];

/** Without `returning`: on SQLite the count of rows changed says whether it was written, for less. */
const insertOutboxQuery = preparedQuery(insertedColumns, (db, row: InsertedOutboxRow) =>
  db
    .insertInto('outbox')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'target', 'event_id']).doNothing()),
);

/**
 * Inserts deliveries. A row whose (kind, target, event) is already there is left alone, so an
 * event fanned out twice (a lease taken over) is still delivered once per target. Inside a SQLite
 * transaction each row is one prepared statement (cheaper there than building one statement for
 * all); elsewhere all rows are one statement (one round trip to PostgreSQL).
 */
export async function insertOutboxRows(db: Db, rows: readonly NewOutboxMessage[]): Promise<string[]> {
  return (await insertOutboxMessages(db, rows)).flatMap((message) => (message ? [message.id] : []));
}

/**
 * `insertOutboxRows`, answering each row as the message written (for a delivery from memory), or
 * undefined where one was there already: in the order of `rows`.
 */
export async function insertOutboxMessages(
  db: Db,
  rows: readonly NewOutboxMessage[],
): Promise<(OutboxMessage | undefined)[]> {
  if (rows.length === 0) return [];
  const values: InsertedOutboxRow[] = rows.map((row) => ({
    id: newId('outbox'),
    kind: row.kind,
    topic: row.topic,
    target: row.target ?? null,
    event_id: row.eventId ?? null,
    payload: JSON.stringify(row.payload),
    status: 'pending',
    // A claimed row is next due when its claim runs out (see `claimDue`).
    next_attempt_at: row.claim?.until ?? row.notBefore ?? row.at,
    claimed_by: row.claim?.by ?? null,
    claimed_until: row.claim?.until ?? null,
    created_at: row.at,
    updated_at: row.at,
  }));
  /** A row as it was written: never attempted yet. */
  const written = (index: number): OutboxMessage =>
    messageOf(
      {
        ...(values[index] as InsertedOutboxRow),
        attempts: 0,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        delivered_at: null,
      },
      rows[index]?.inMemory ?? rows[index]?.payload,
    );
  if (storeOf(db).sqlite && db.isTransaction) {
    const messages: (OutboxMessage | undefined)[] = [];
    for (const [index, row] of values.entries())
      messages.push((await insertOutboxQuery.run(db, row)) > 0 ? written(index) : undefined);
    return messages;
  }
  const inserted = new Set(
    (
      await db
        .insertInto('outbox')
        .values(values)
        .onConflict((oc) => oc.columns(['kind', 'target', 'event_id']).doNothing())
        .returning('id')
        .execute()
    ).map((row) => row.id),
  );
  return values.map((row, index) => (inserted.has(row.id) ? written(index) : undefined));
}

export interface Claim {
  now: string;
  /** The claim's lease ends then; after it another process may take the row. */
  until: string;
  by: string;
  kinds: readonly string[];
  limit: number;
}

/**
 * Claims up to `limit` due rows for this process. On PostgreSQL the rows are locked with
 * `FOR UPDATE SKIP LOCKED`, so processes claiming at once never take the same row and never wait
 * for each other; on SQLite the one writer makes the update atomic anyway. A claimed row is next
 * due when its claim runs out: the rows being attempted are out of the range the next claim scans
 * (`outbox_due`), however many there are, and a row whose process died (or hung) is due again
 * then. Its outcome sets its next attempt (`settle`).
 */
export async function claimDue(db: Db, claim: Claim): Promise<OutboxMessage[]> {
  if (claim.kinds.length === 0) return [];
  let due = dueMessages(db, claim);
  if (storeOf(db).dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('outbox')
    .set({ claimed_by: claim.by, claimed_until: claim.until, next_attempt_at: claim.until })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  return rows.map(toOutboxMessage);
}

/** The ids `claimDue` claims: found by `outbox_due`, however many messages were delivered before. */
export function dueMessages(db: Db, claim: Claim) {
  return db
    .selectFrom('outbox')
    .select('id')
    .where('next_attempt_at', '<=', claim.now)
    .where('status', '=', 'pending')
    .where(withoutItsIndex(db, 'kind'), 'in', claim.kinds)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', claim.now)]))
    .orderBy('next_attempt_at')
    .limit(claim.limit);
}

export interface AttemptRecord {
  at: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  response: string | null;
}

export interface Settlement {
  id: string;
  by: string;
  at: string;
  /**
   * When the attempt began. A row changed after that (a manual retry, `makeDueNow`) stays due
   * as that change made it: the attempt is recorded, the retry still happens.
   */
  startedAt: string;
  status: OutboxStatus;
  nextAttemptAt: string | null;
  /** Absent when nothing was sent (skipped, or given up before sending). */
  attempt?: AttemptRecord;
  /** The message's payload from now on, if it changes. */
  payload?: unknown;
}

type SettleArgs = {
  id: string;
  by: string;
  at: string;
  startedAt: string;
  status: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  payload: string | null;
  attempted: number;
  attemptAt: string | null;
  statusCode: number | null;
  error: string | null;
};

/** One statement for every outcome, so that it is prepared once: what does not apply keeps its value. */
const settleQuery = preparedQuery(
  [
    'id',
    'by',
    'at',
    'startedAt',
    'status',
    'nextAttemptAt',
    'deliveredAt',
    'payload',
    'attempted',
    'attemptAt',
    'statusCode',
    'error',
  ],
  (db, a: SettleArgs) =>
    db
      .updateTable('outbox')
      .set({
        status: sql<string>`case when status = 'pending' and updated_at > ${a.startedAt} then status else ${a.status} end`,
        next_attempt_at: sql<
          string | null
        >`case when status = 'pending' and updated_at > ${a.startedAt} then next_attempt_at else ${a.nextAttemptAt} end`,
        claimed_by: sql<null>`null`,
        claimed_until: sql<null>`null`,
        updated_at: a.at,
        delivered_at: sql<string | null>`coalesce(${a.deliveredAt}, delivered_at)`,
        payload: sql<string>`coalesce(${a.payload}, payload)`,
        attempts: sql<number>`attempts + ${a.attempted}`,
        last_attempt_at: sql<string | null>`case when ${a.attempted} = 1 then ${a.attemptAt} else last_attempt_at end`,
        last_status_code: sql<
          number | null
        >`case when ${a.attempted} = 1 then ${a.statusCode} else last_status_code end`,
        last_error: sql<string | null>`case when ${a.attempted} = 1 then ${a.error} else last_error end`,
      })
      .where('id', '=', a.id)
      .where('claimed_by', '=', a.by),
);

const insertAttemptQuery = preparedQuery(
  ['id', 'outbox_id', 'at', 'duration_ms', 'status_code', 'error', 'response'],
  (db, a: Row<'outbox_attempts'>) => db.insertInto('outbox_attempts').values(a),
);

/**
 * Records what became of a claimed row, if this process still holds its claim: a lease taken
 * over by another process means that one now decides. Answers whether the claim was still held;
 * the attempt, if held, is then for `logAttempts` (one statement for a batch's attempts).
 */
export async function settle(db: Db, settlement: Settlement): Promise<boolean> {
  const { attempt } = settlement;
  const held = await settleQuery.run(db, {
    id: settlement.id,
    by: settlement.by,
    at: settlement.at,
    startedAt: settlement.startedAt,
    status: settlement.status,
    nextAttemptAt: settlement.nextAttemptAt,
    deliveredAt: settlement.status === 'delivered' ? settlement.at : null,
    payload: settlement.payload === undefined ? null : JSON.stringify(settlement.payload),
    attempted: attempt ? 1 : 0,
    attemptAt: attempt?.at ?? null,
    statusCode: attempt?.statusCode ?? null,
    error: attempt?.error ?? null,
  });
  return held > 0;
}

/**
 * `settle` for a claimed batch; answers the ids whose claim was still held. Row by row (prepared)
 * in a SQLite transaction; one statement on PostgreSQL, where a statement per row is a round trip
 * per delivery.
 */
export async function settleAll(db: Db, settlements: readonly Settlement[]): Promise<Set<string>> {
  const held = new Set<string>();
  if (settlements.length === 0) return held;
  if (storeOf(db).dialect !== 'postgres') {
    for (const settlement of settlements) if (await settle(db, settlement)) held.add(settlement.id);
    return held;
  }
  const by = settlements[0]?.by ?? '';
  const values = settlements.map((s) => {
    const { attempt } = s;
    const payload = s.payload === undefined ? null : JSON.stringify(s.payload);
    return sql`(${s.id}::text, ${s.startedAt}::text, ${s.status}::text, ${s.nextAttemptAt}::text, ${s.at}::text, ${
      s.status === 'delivered' ? s.at : null
    }::text, ${payload}::text, ${attempt ? 1 : 0}::integer, ${attempt?.at ?? null}::text, ${
      attempt?.statusCode ?? null
    }::integer, ${attempt?.error ?? null}::text)`;
  });
  const result = await sql<{ id: string }>`
    update outbox as o set
      status = case when o.status = 'pending' and o.updated_at > v.started_at then o.status else v.status end,
      next_attempt_at = case when o.status = 'pending' and o.updated_at > v.started_at
        then o.next_attempt_at else v.next_attempt_at end,
      claimed_by = null,
      claimed_until = null,
      updated_at = v.at,
      delivered_at = coalesce(v.delivered_at, o.delivered_at),
      payload = coalesce(v.payload, o.payload),
      attempts = o.attempts + v.attempted,
      last_attempt_at = case when v.attempted = 1 then v.attempt_at else o.last_attempt_at end,
      last_status_code = case when v.attempted = 1 then v.status_code else o.last_status_code end,
      last_error = case when v.attempted = 1 then v.error else o.last_error end
    from (values ${sql.join(values)})
      as v(id, started_at, status, next_attempt_at, at, delivered_at, payload, attempted, attempt_at, status_code, error)
    where o.id = v.id and o.claimed_by = ${by}
    returning o.id`.execute(db);
  for (const row of result.rows) held.add(row.id);
  return held;
}

/** Logs attempts of settled rows: prepared, row by row, in a SQLite transaction; one statement elsewhere. */
export async function logAttempts(
  db: Db,
  attempts: readonly { outboxId: string; attempt: AttemptRecord }[],
): Promise<void> {
  if (attempts.length === 0) return;
  const rows: Row<'outbox_attempts'>[] = attempts.map(({ outboxId, attempt }) => ({
    id: newId('outboxAttempt'),
    outbox_id: outboxId,
    at: attempt.at,
    duration_ms: attempt.durationMs,
    status_code: attempt.statusCode,
    error: attempt.error,
    response: attempt.response,
  }));
  if (storeOf(db).sqlite && db.isTransaction) {
    for (const row of rows) await insertAttemptQuery.run(db, row);
    return;
  }
  await db.insertInto('outbox_attempts').values(rows).execute();
}

/** How many messages of one kind wait, and since when the oldest has waited. */
export interface OutboxBacklog {
  kind: string;
  depth: number;
  /** `created_at` of the oldest waiting message; null when none waits. */
  oldestCreatedAt: string | null;
}

/**
 * The waiting (`pending`) messages by kind, for the metrics. Only waiting rows have a next
 * attempt, so the scan walks the `outbox_due` index over them and never the delivered history:
 * asked as "at or after the smallest text" rather than "not null", which SQLite answered by
 * reading the whole table.
 */
export function backlogQuery(db: Db) {
  // Not grouped along `outbox_once` either, which would walk all of it in kind order.
  const byKind = withoutItsIndex(db, 'kind');
  return db
    .selectFrom('outbox')
    .select((eb) => ['kind', eb.fn.countAll<number | string>().as('depth'), eb.fn.min('created_at').as('oldest')])
    .where('next_attempt_at', '>=', '')
    .where('status', '=', 'pending')
    .groupBy(byKind);
}

export async function outboxBacklog(db: Db): Promise<OutboxBacklog[]> {
  const rows = await backlogQuery(db).execute();
  return rows.map((row) => ({ kind: row.kind, depth: Number(row.depth), oldestCreatedAt: row.oldest }));
}

/** Makes a finished or waiting row due now again (a manual retry). */
export async function makeDueNow(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'pending', next_attempt_at: at, updated_at: at })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findOutboxMessage(db: Db, id: string): Promise<OutboxMessage | undefined> {
  const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toOutboxMessage(row);
}

export interface OutboxFilter {
  kind: string;
  target?: string | undefined;
  status?: OutboxStatus | undefined;
  topic?: string | undefined;
}

/** Newest first. */
export async function listOutboxRows(db: Db, filter: OutboxFilter, page: PageRequest): Promise<Page<OutboxMessage>> {
  const limit = pageSize(page);
  const before = decodeCursor(page.cursor, 'outbox');
  let query = db.selectFrom('outbox').selectAll().where('kind', '=', filter.kind);
  if (filter.target !== undefined) query = query.where('target', '=', filter.target);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.topic) query = query.where('topic', '=', filter.topic);
  if (before) query = query.where('id', '<', before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toOutboxMessage);
}

export interface OutboxAttempt extends AttemptRecord {
  id: string;
}

export async function listAttempts(db: Db, outboxId: string): Promise<OutboxAttempt[]> {
  const rows = await db
    .selectFrom('outbox_attempts')
    .selectAll()
    .where('outbox_id', '=', outboxId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
    response: row.response,
  }));
}

/** Forgets finished deliveries and attempts older than `before` (the retention of the log). */
export async function pruneOutbox(db: Db, before: string): Promise<void> {
  await db.deleteFrom('outbox_attempts').where('at', '<', before).execute();
  await db
    .deleteFrom('outbox')
    .where('status', 'in', ['delivered', 'failed', 'skipped'])
    .where('updated_at', '<', before)
    .execute();
}
