import { systemActor, type Actor } from '../../domain/actors.ts';
import { generateSigningKey } from '../../licensing/signing-key.ts';
import type { Db } from '../../store/database.ts';
import { kekId, sealPrivateKey } from '../../licensing/sealed-key.ts';
import { lockStartUp } from '../../store/start-up-lock.ts';
import {
  findCurrentSigningKey,
  insertSigningKey,
  listUnsealedSigningKeys,
  replacePrivateKey,
  retireSigningKeysExcept,
} from '../../store/signing-keys.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/**
 * At start: a signing key pair exists, created on the first start, and every private half in the
 * database is sealed (keys written before sealing existed are sealed now). Answers the kid.
 */
export async function ensureSigningKey(ctx: ServiceContext): Promise<{ kid: string; created: boolean }> {
  const kek = await ctx.keyVault.kek();
  const answer = await inTransaction(ctx, async (tx, at) => {
    await lockStartUp(tx);
    const current = await findCurrentSigningKey(tx);
    if (current) return { kid: current.kid, created: false };
    const kid = await addSigningKey(tx, kek, systemActor, at);
    return { kid, created: true };
  });
  await sealPlainSigningKeys(ctx);
  return answer;
}

/** Seals the private halves still stored in plain; answers how many it sealed. */
export async function sealPlainSigningKeys(ctx: ServiceContext): Promise<number> {
  const kek = await ctx.keyVault.kek();
  return inTransaction(ctx, async (tx, at) => {
    let sealed = 0;
    for (const row of await listUnsealedSigningKeys(tx)) {
      if (
        !(await replacePrivateKey(
          tx,
          row.kid,
          row.storedPrivateKey,
          sealPrivateKey(kek, row.kid, row.storedPrivateKey),
        ))
      )
        continue;
      sealed += 1;
      await audit(tx, systemActor, at, {
        action: 'signing-key.sealed',
        subjectType: 'signing-key',
        subjectId: row.kid,
        after: { kid: row.kid, sealedWith: kekId(kek) },
      });
    }
    return sealed;
  });
}

/**
 * Licences from now on are signed with a new key. The old public keys stay published, so licences
 * signed before keep verifying until they expire.
 */
export async function rotateSigningKey(ctx: ServiceContext, actor: Actor = systemActor): Promise<{ kid: string }> {
  const kek = await ctx.keyVault.kek();
  return inTransaction(ctx, async (tx, at) => {
    const kid = await addSigningKey(tx, kek, actor, at);
    await retireSigningKeysExcept(tx, kid, at);
    return { kid };
  });
}

async function addSigningKey(tx: Db, kek: Buffer, actor: Actor, at: string): Promise<string> {
  const key = await generateSigningKey();
  await insertSigningKey(tx, {
    kid: key.kid,
    algorithm: 'EdDSA',
    publicJwk: key.publicJwk,
    storedPrivateKey: sealPrivateKey(kek, key.kid, key.privatePkcs8Pem),
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
