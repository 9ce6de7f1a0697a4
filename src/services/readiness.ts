import { isDatabaseUnavailable } from '../store/database.ts';
import { pingDatabase } from '../store/health.ts';
import { pendingMigrations } from '../store/migrate.ts';
import type { ServiceContext } from './context.ts';

export type NotReadyReason = 'shutting-down' | 'database-unreachable' | 'migrations-pending';

/**
 * Whether this server should be sent requests: it is not shutting down, its database answers,
 * and the database has every migration this version expects (a server started before an upgrade's
 * migration ran elsewhere is fine; one whose migrations have not run is not).
 */
export async function checkReadiness(
  ctx: ServiceContext,
  shuttingDown: boolean,
): Promise<{ ready: true } | { ready: false; reason: NotReadyReason; detail: string }> {
  if (shuttingDown) return { ready: false, reason: 'shutting-down', detail: 'This server is shutting down.' };
  try {
    await pingDatabase(ctx.store);
    const pending = await pendingMigrations(ctx.store);
    if (pending.length > 0) {
      return {
        ready: false,
        reason: 'migrations-pending',
        detail: `The database lacks ${pending.length} migration(s): ${pending.join(', ')}.`,
      };
    }
    return { ready: true };
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return { ready: false, reason: 'database-unreachable', detail: 'The database is out of reach.' };
  }
}
