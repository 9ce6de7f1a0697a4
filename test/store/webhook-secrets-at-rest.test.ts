import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import { createServiceContext } from '../../src/services/context.ts';
import { forgetWebhookEndpoints } from '../../src/services/webhooks/publish.ts';
import { sealPlainWebhookSecrets } from '../../src/services/webhooks/webhook-secrets.ts';
import { openStore } from '../../src/store/database.ts';
import { created } from '../support/fixtures.ts';
import type { Api } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const receivers: WebhookReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function endpoint(api: Api) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const made = await created(api.post('/webhook-endpoints', { url: receiver.url, events: ['account.*'] }));
  receiver.secrets.push(made.secret);
  return { receiver, id: made.id as string, secret: made.secret as string };
}

async function pinged(api: Api, receiver: WebhookReceiver, id: string) {
  const { deliveryId } = await created(api.post(`/webhook-endpoints/${id}/test`, {}), 202);
  await receiver.until((r) => r.some((x) => x.id === deliveryId));
  return receiver.received.find((x) => x.id === deliveryId);
}

/** A secret in every form it could be stored in: as shown, its key bytes in base64 and in hex. */
function needles(secret: string): string[] {
  const key = secret.slice('whsec_'.length);
  return ['whsec_', key, Buffer.from(key, 'base64').toString('hex')];
}

describeEachBackend(
  'webhook signing secrets at rest',
  (server, backend) => {
    it('keeps no secret material in the database; deliveries verify, also after a rotation', async () => {
      const { api, running } = server();
      const { receiver, id, secret } = await endpoint(api);
      assert.ok((await pinged(api, receiver, id))?.verified, 'standardwebhooks verifies it');
      const rotated = await created(api.post(`/webhook-endpoints/${id}/rotate-secret`, {}), 200);
      receiver.secrets = [rotated.secret];
      const afterRotation = await pinged(api, receiver, id);
      assert.ok(afterRotation?.verified, 'the new secret verifies');
      assert.equal(afterRotation?.signature.split(' ').length, 2, 'the old one signs beside it');
      receiver.secrets = [secret];
      assert.ok((await pinged(api, receiver, id))?.verified, 'and the old one still verifies, for a day');

      const db = running.ctx.store.db;
      const [row] = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).execute();
      assert.match(row?.secret ?? '', /^sealed:v1:/);
      assert.match(row?.previous_secret ?? '', /^sealed:v1:/);
      const tables = await Promise.all([
        db.selectFrom('webhook_endpoints').selectAll().execute(),
        db.selectFrom('outbox').selectAll().execute(),
        db.selectFrom('events').selectAll().execute(),
      ]);
      const stored = JSON.stringify(tables);
      for (const needle of [...needles(secret), ...needles(rotated.secret)])
        assert.ok(!stored.includes(needle), `no ${needle.slice(0, 10)}… in the database`);
      if (backend.name === 'sqlite') {
        const path = running.ctx.config.databaseUrl.slice('sqlite:'.length);
        for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
          const bytes = readFileSync(file);
          for (const needle of [...needles(secret), ...needles(rotated.secret)])
            assert.equal(bytes.indexOf(needle), -1, `no ${needle.slice(0, 10)}… in ${file}`);
        }
      }
    });

    it('seals, at the next start, secrets stored in plain by an earlier version; they go on signing', async () => {
      const { api, running } = server();
      const { ctx } = running;
      const { receiver, id } = await endpoint(api);
      // As an earlier version stored them: in plain, the rotated one beside the current.
      const plain = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const previous = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
      await ctx.store.db
        .updateTable('webhook_endpoints')
        .set({
          secret: plain,
          previous_secret: previous,
          previous_secret_until: new Date(Date.now() + 3_600_000).toISOString(),
        })
        .where('id', '=', id)
        .execute();
      forgetWebhookEndpoints(ctx.store);
      receiver.secrets = [plain];
      assert.ok((await pinged(api, receiver, id))?.verified, 'a plain secret still signs until it is sealed');

      // The next start of a server (another process over the same database and key file).
      const store = openStore({ url: ctx.config.databaseUrl, poolSize: 2 });
      try {
        const next = createServiceContext(store, ctx.config);
        assert.equal(await sealPlainWebhookSecrets(next), 1);
        assert.equal(await sealPlainWebhookSecrets(next), 0, 'once');
      } finally {
        await store.close();
      }
      forgetWebhookEndpoints(ctx.store);
      const [row] = await ctx.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).execute();
      assert.match(row?.secret ?? '', /^sealed:v1:/);
      assert.match(row?.previous_secret ?? '', /^sealed:v1:/);
      const rows = JSON.stringify(await ctx.store.db.selectFrom('webhook_endpoints').selectAll().execute());
      assert.ok(!rows.includes('whsec_'));
      const events = await ctx.store.db
        .selectFrom('events')
        .select('subject_id')
        .where('action', '=', 'webhook-endpoint.secrets-sealed')
        .execute();
      assert.deepEqual(
        events.map((e) => e.subject_id),
        [id],
      );

      const sealed = await pinged(api, receiver, id);
      assert.ok(sealed?.verified, 'the sealed secret signs as before');
      assert.equal(sealed?.signature.split(' ').length, 2, 'and the previous one beside it');
      receiver.secrets = [previous];
      assert.ok((await pinged(api, receiver, id))?.verified, 'the sealed previous secret verifies too');
    });
  },
  { webhooksAllowPrivate: true, outboxPollMs: 50 },
);
