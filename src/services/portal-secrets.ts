import { randomBytes } from 'node:crypto';
import { systemActor } from '../domain/actors.ts';
import { ensureServerSecret } from '../store/server-secrets.ts';
import { audit } from './audit.ts';
import { type ServiceContext, inTransaction } from './context.ts';

/**
 * The key the portal's CSRF tokens are bound with. Made by the first server to start and shared
 * through the database, so a form rendered by one process is accepted by another.
 */
export async function portalCsrfKey(ctx: ServiceContext): Promise<string> {
  return inTransaction(ctx, async (tx, at) => {
    const candidate = randomBytes(32).toString('base64url');
    const value = await ensureServerSecret(tx, 'portal-csrf', candidate, at);
    if (value === candidate)
      await audit(tx, systemActor, at, {
        action: 'server-secret.created',
        subjectType: 'server-secret',
        subjectId: 'portal-csrf',
      });
    return value;
  });
}
