import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { simpleParser } from 'mailparser';
import { activatable } from '../support/activation-fixtures.ts';
import { created } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

// Without SMTP_URL: each message becomes an .eml file in the mail folder, and the Outbox lists it.
describeEachBackend('mail without SMTP', (server) => {
  it('writes each message as an .eml file and lists it as sent', async () => {
    const { api, running } = server();
    const dir = running.ctx.config.mail.dir ?? '';
    const { entitlement } = await activatable(api, { state: 'draft', fields: { shipToEmail: 'buyer@example.com' } });
    await created(api.post(`/entitlements/${entitlement.id}/state`, { state: 'deployed' }), 200);
    let listed: { id: string; status: string; to: string } | undefined;
    for (let i = 0; i < 500; i++) {
      listed = (await api.get('/messages')).body.items.find((m) => m.reference === entitlement.id);
      if (listed && listed.status !== 'queued') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(listed?.status, 'sent');
    const files = readdirSync(dir).filter((name) => name.endsWith('.eml'));
    assert.deepEqual(files, [`${listed?.id}.eml`]);
    const parsed = await simpleParser(readFileSync(join(dir, files[0] ?? '')));
    assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, 'buyer@example.com');
    assert.match(parsed.subject ?? '', new RegExp(`Your entitlement ${entitlement.id}`));
    assert.ok(parsed.text?.includes(entitlement.lineItems[0]!.activationId));
    assert.ok(String(parsed.html).includes(entitlement.lineItems[0]!.activationId));
  });
});
