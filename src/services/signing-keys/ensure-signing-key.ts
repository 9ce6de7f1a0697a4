import { systemActor, type Actor } from '../../domain/actors.ts';
import { generateSigningKey } from '../../licensing/signing-key.ts';
import type { Db } from '../../store/database.ts';
import { lockStartUp } from '../../store/start-up-lock.ts';
import { findCurrentSigningKey, insertSigningKey, retireSigningKeysExcept } from '../../store/signing-keys.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/** At start: a signing key pair exists, created on the first start. Answers its kid. */
export async function ensureSigningKey(ctx: ServiceContext): Promise<{ kid: string; created: boolean }> {
  return inTransaction(ctx, async (tx, at) => {
    await lockStartUp(tx);
    const current = await findCurrentSigningKey(tx);
    if (current) return { kid: current.kid, created: false };
    const kid = await addSigningKey(tx, systemActor, at);
    return { kid, created: true };
  });
}

/**
 * Licences from now on are signed with a new key. The old public keys stay published, so licences
 * signed before keep verifying until they expire.
 */
export async function rotateSigningKey(ctx: ServiceContext, actor: Actor = systemActor): Promise<{ kid: string }> {
  return inTransaction(ctx, async (tx, at) => {
    const kid = await addSigningKey(tx, actor, at);
    await retireSigningKeysExcept(tx, kid, at);
    return { kid };
  });
}

async function addSigningKey(tx: Db, actor: Actor, at: string): Promise<string> {
  const key = await generateSigningKey();
  await insertSigningKey(tx, {
    kid: key.kid,
    algorithm: 'EdDSA',
    publicJwk: key.publicJwk,
    privatePkcs8Pem: key.privatePkcs8Pem,
    createdAt: at,
    retiredAt: null,
  });
  await audit(tx, actor, at, {
    action: 'signing-key.created',
    subjectType: 'signing-key',
    subjectId: key.kid,
    after: { kid: key.kid, publicJwk: key.publicJwk },
  });
  return key.kid;
}
