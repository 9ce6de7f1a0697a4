import { systemActor } from '../../domain/actors.ts';
import { isSealed, kekId } from '../../licensing/sealed-key.ts';
import { type EndpointSecrets, listPlainWebhookSecrets, replaceWebhookSecrets } from '../../store/webhook-endpoints.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';

/**
 * Webhook signing secrets are sealed at rest like the signing keys (the key-encryption key of
 * `KeyVault`), each bound to its endpoint: a copy of the database alone cannot sign a webhook, and
 * a sealed secret copied to another endpoint's row does not open.
 */
const bindingOf = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export function sealWebhookSecret(ctx: ServiceContext, endpointId: string, secret: string): Promise<string> {
  return ctx.keyVault.sealSecret(bindingOf(endpointId), secret);
}

/** A stored secret in plain; one stored by a version before sealing (sealed at the next start) is already plain. */
function openWebhookSecret(ctx: ServiceContext, endpointId: string, stored: string): Promise<string> {
  if (!isSealed(stored)) return Promise.resolve(stored);
  return ctx.keyVault.openSecret(bindingOf(endpointId), stored, `the signing secret of webhook endpoint ${endpointId}`);
}

/**
 * What signs a delivery at `now`: the current secret and, for a day after a rotation, the
 * previous one beside it. `opened` keeps what was opened (by endpoint and stored value), so that a
 * busy endpoint's secrets are opened once, not per delivery.
 */
export async function signingSecrets(
  ctx: ServiceContext,
  endpoint: { id: string } & EndpointSecrets,
  now: Date,
  opened?: Map<string, Promise<string>>,
): Promise<string[]> {
  const open = (stored: string) => {
    if (!opened) return openWebhookSecret(ctx, endpoint.id, stored);
    const key = `${endpoint.id}\u0000${stored}`;
    let secret = opened.get(key);
    if (!secret) {
      secret = openWebhookSecret(ctx, endpoint.id, stored);
      opened.set(key, secret);
      secret.catch(() => opened.delete(key));
    }
    return secret;
  };
  const secrets = [await open(endpoint.secret)];
  const { previousSecret, previousSecretUntil } = endpoint;
  if (previousSecret && previousSecretUntil && Date.parse(previousSecretUntil) > now.getTime())
    secrets.push(await open(previousSecret));
  return secrets;
}

/**
 * At start: seals the secrets still stored in plain (written before secrets were sealed). A
 * migration cannot do it: migrations run on the database alone, and the key-encryption key is the
 * server's (`LICENTIA_SECRET` or its key file), deliberately not in the database. Answers how many
 * endpoints it sealed.
 */
export async function sealPlainWebhookSecrets(ctx: ServiceContext): Promise<number> {
  const kek = await ctx.keyVault.kek();
  const plain = await listPlainWebhookSecrets(ctx.store.db);
  if (plain.length === 0) return 0;
  const sealed = await Promise.all(
    plain.map(async (row) => ({
      row,
      to: {
        secret: isSealed(row.secret) ? row.secret : await sealWebhookSecret(ctx, row.id, row.secret),
        previousSecret:
          row.previousSecret === null || isSealed(row.previousSecret)
            ? row.previousSecret
            : await sealWebhookSecret(ctx, row.id, row.previousSecret),
      },
    })),
  );
  return inTransaction(ctx, async (tx, at) => {
    let count = 0;
    for (const { row, to } of sealed) {
      if (!(await replaceWebhookSecrets(tx, row.id, row, to))) continue;
      count += 1;
      await audit(tx, systemActor, at, {
        action: 'webhook-endpoint.secrets-sealed',
        subjectType: 'webhook-endpoint',
        subjectId: row.id,
        after: { sealedWith: kekId(kek) },
      });
    }
    return count;
  });
}
