import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db, Store } from './database.ts';
import { processRuns } from './processes.ts';

/**
 * Who writes a pending load, in a form another process can check later: whether that writer is
 * still alive decides whether its pending load may be swept away.
 *  - PostgreSQL: a session advisory lock held on a connection of its own for as long as the owner
 *    lives. PostgreSQL drops it when the session ends, killed process included, so any server on
 *    the database can tell, with `pg_try_advisory_lock`, that the owner is gone.
 *  - SQLite (one machine): the process ID, plus a token of the owner within that process, so that
 *    a restarted server that happens to get the dead one's process ID still tells them apart.
 */
export interface LoadOwner {
  readonly id: string;
  release(): Promise<void>;
}

/** The first key of the two-key advisory locks of load owners: "LLOD" in ASCII. */
const LOAD_OWNER_LOCK = 0x4c4c4f44;

/** The owners alive in this process (SQLite), by token. */
const liveTokens = new Set<string>();

export async function becomeLoadOwner(store: Store): Promise<LoadOwner> {
  if (!store.pool) {
    const token = randomBytes(6).toString('hex');
    liveTokens.add(token);
    return {
      id: `pid:${process.pid}:${token}`,
      release: async () => {
        liveTokens.delete(token);
      },
    };
  }
  // Its own connection, not one of the pool's: loads in progress must not starve requests of
  // connections, nor their own chunks.
  const client = new pg.Client(store.pool.options);
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (;;) {
      const n = randomInt(1, 2 ** 31 - 1);
      const taken = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as ok', [
        LOAD_OWNER_LOCK,
        n,
      ]);
      if (taken.rows[0]?.ok) {
        return {
          id: `pg:${n}`,
          // Ending the session releases the lock.
          release: () => client.end().catch(() => undefined),
        };
      }
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Whether the owner of a pending load is gone, so that nobody will finish or discard it. */
export async function ownerIsGone(store: Store, owner: string): Promise<boolean> {
  const [kind, first, second] = owner.split(':');
  if (kind === 'pid') {
    const pid = Number(first);
    if (pid === process.pid) return !liveTokens.has(second ?? '');
    return !processRuns(pid);
  }
  if (kind === 'pg' && store.pool) {
    const client = await store.pool.connect();
    try {
      const taken = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as ok', [
        LOAD_OWNER_LOCK,
        Number(first),
      ]);
      if (!taken.rows[0]?.ok) return false;
      await client.query('select pg_advisory_unlock($1::int, $2::int)', [LOAD_OWNER_LOCK, Number(first)]);
      return true;
    } finally {
      client.release();
    }
  }
  // Written by a process on the other database kind: cannot be alive here.
  return true;
}

export interface PendingLoad {
  id: string;
  entitlementPk: string;
  owner: string;
  firstSeq: number;
  idempotency: { scope: string; key: string } | null;
}

export async function insertPendingLoad(db: Db, load: PendingLoad, at: string): Promise<void> {
  await db
    .insertInto('pending_key_loads')
    .values({
      id: load.id,
      entitlement_pk: load.entitlementPk,
      owner: load.owner,
      first_seq: load.firstSeq,
      idempotency_scope: load.idempotency?.scope ?? null,
      idempotency_key: load.idempotency?.key ?? null,
      created_at: at,
      touched_at: at,
    })
    .execute();
}

/**
 * Inside a chunk's transaction: true while the load is still this owner's. A sweep that took it
 * over (believing the owner dead) or a deleted entitlement makes it false, and the chunk stops.
 * On PostgreSQL the row lock it takes also orders it against such a take-over.
 */
export async function stillOwned(db: Db, loadId: string, owner: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('pending_key_loads')
    .set({ touched_at: at })
    .where('id', '=', loadId)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Makes `owner` the owner of a pending load if `from` still owns it: one sweeper takes it over. */
export async function takeOverPendingLoad(db: Db, loadId: string, from: string, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('pending_key_loads')
    .set({ owner })
    .where('id', '=', loadId)
    .where('owner', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Ends a pending load (made visible, or discarded): true if `owner` still owned it. */
export async function endPendingLoad(db: Db, loadId: string, owner: string): Promise<boolean> {
  const result = await db
    .deleteFrom('pending_key_loads')
    .where('id', '=', loadId)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function pendingLoads(db: Db): Promise<PendingLoad[]> {
  const rows = await db.selectFrom('pending_key_loads').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    entitlementPk: r.entitlement_pk,
    owner: r.owner,
    firstSeq: r.first_seq,
    idempotency:
      r.idempotency_scope !== null && r.idempotency_key !== null
        ? { scope: r.idempotency_scope, key: r.idempotency_key }
        : null,
  }));
}

/**
 * Deletes the keys of a load whose positions lie in [from, from + span): a discarded load's keys
 * are removed a window at a time, each its own short transaction, walking the position index
 * (the keys of a load lie at or after the position its entitlement had when it began).
 */
export async function deleteLoadKeysIn(
  db: Db,
  load: { id: string; entitlementPk: string },
  from: number,
  span: number,
): Promise<number> {
  const result = await db
    .deleteFrom('web_register_keys')
    .where('entitlement_pk', '=', load.entitlementPk)
    .where('seq', '>=', from)
    .where('seq', '<', from + span)
    .where('load_id', '=', load.id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Reserves `count` key positions in a bulk entitlement (answers the first). Concurrent loads into
 * one bulk entitlement each get positions of their own; positions of a load discarded after its
 * chunks committed are not handed out again.
 */
export async function reserveKeySeqs(db: Db, entitlementPk: string, count: number): Promise<number> {
  const row = await db
    .updateTable('entitlements')
    .set({ key_seq: sql`key_seq + ${count}` })
    .where('pk', '=', entitlementPk)
    .returning('key_seq')
    .executeTakeFirstOrThrow();
  return row.key_seq - count;
}

/** The position the next key of a bulk entitlement gets; undefined if the entitlement is gone. */
export async function nextKeySeq(db: Db, entitlementPk: string): Promise<number | undefined> {
  const row = await db.selectFrom('entitlements').select('key_seq').where('pk', '=', entitlementPk).executeTakeFirst();
  return row?.key_seq;
}
