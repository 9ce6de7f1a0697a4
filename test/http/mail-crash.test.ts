import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { backends } from '../support/backends.ts';
import { spawnServer } from '../support/cli.ts';
import { activatable } from '../support/activation-fixtures.ts';
import { created } from '../support/fixtures.ts';
import { Api } from '../support/http.ts';
import { TestSmtpServer } from '../support/smtp.ts';

const KEY = 'mail-crash-admin-key-0123456789ab';
const smtp = await TestSmtpServer.start();
after(() => smtp.close());

for (const backend of backends) {
  it(`a message committed before a kill -9 is delivered, once, after the restart [${backend.name}]`, {
    skip: backend.skip,
  }, async () => {
    smtp.received.length = 0;
    smtp.attempts = 0;
    // The first delivery never gets an answer: the process dies in the middle of it.
    smtp.hold = (attempt) => attempt === 1;
    const db = await backend.freshDatabase();
    const env = {
      DATABASE_URL: db.url,
      LICENTIA_ADMIN_KEY: KEY,
      SMTP_URL: smtp.url,
      LICENTIA_MAIL_DIR: '/nonexistent-never-used',
      LICENTIA_OUTBOX_POLL_MS: '100',
      LICENTIA_OUTBOX_LEASE_MS: '5000',
      LOG_LEVEL: 'warn',
    };
    let server = await spawnServer(env);
    try {
      const api = new Api(`${server.url}/api/v1`, KEY);
      const { entitlement } = await activatable(api, {
        state: 'draft',
        fields: { shipToEmail: 'crash@customer.example' },
      });
      await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
      // Killed well within the lease (5 s), so that no second attempt of this process can have started.
      await smtp.waitForAttempts(1);
      server.child.kill('SIGKILL');
      await server.stop();
      assert.equal(smtp.received.length, 0, 'nothing was delivered before the crash');

      server = await spawnServer(env);
      const [message] = await smtp.waitFor(1, 40_000);
      assert.deepEqual(message?.to, ['crash@customer.example']);
      assert.match(message?.parsed.subject ?? '', new RegExp(entitlement.id));
      const restarted = new Api(`${server.url}/api/v1`, KEY);
      let listed: { status: string; attempts: number } | undefined;
      for (let i = 0; i < 200; i++) {
        listed = (await restarted.get('/messages')).body.items[0];
        if (listed?.status === 'sent') break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(listed?.status, 'sent');
      assert.equal(smtp.received.length, 1, 'delivered once');
    } finally {
      await server.stop();
      await db.drop();
    }
  });
}
