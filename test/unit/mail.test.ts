import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromEnv } from '../../src/config.ts';
import { classifyDeliveryError, headerText, isMailableAddress } from '../../src/domain/mail.ts';
import { entitlementCertificate } from '../../src/mail/templates/entitlement-certificate.ts';
import { mailDirectory } from '../../src/mail/transport.ts';

describe('mail rules', () => {
  it('accepts one plain address and nothing that could change a header', () => {
    for (const ok of ['a@b.example', 'first.last+tag@sub.example.co.uk', "o'brien@example.com"])
      assert.equal(isMailableAddress(ok), true, ok);
    for (const bad of [
      '',
      'a',
      'a@b',
      'a@b.example\r\nBcc: c@d.example',
      'a@b.example,c@d.example',
      'Name <a@b.example>',
      'a b@c.example',
      '"quoted"@b.example',
      `${'x'.repeat(65)}@b.example`,
      `a@${'x'.repeat(250)}.example`,
    ])
      assert.equal(isMailableAddress(bad), false, JSON.stringify(bad));
  });

  it('puts text into a header on one line', () => {
    assert.equal(headerText('Product\r\nBcc: x@y.example'), 'Product Bcc: x@y.example');
    assert.equal(headerText('a\u2028b\tc'), 'a b c');
    assert.equal(headerText('x'.repeat(300)).length, 200);
  });

  it('tells a permanent refusal (5xx) from what may pass (4xx, connection trouble)', () => {
    assert.equal(classifyDeliveryError({ responseCode: 550, message: 'no such user' }).permanent, true);
    assert.equal(classifyDeliveryError({ responseCode: 451, message: 'try later' }).permanent, false);
    assert.equal(classifyDeliveryError({ code: 'ECONNREFUSED', message: 'refused' }).permanent, false);
    assert.equal(classifyDeliveryError({ code: 'ETIMEDOUT' }).permanent, false);
    assert.equal(classifyDeliveryError({ responseCode: 550, message: 'x\r\ny' }).reason, '550: x y');
  });

  it('escapes everything a template puts into HTML, and keeps the subject on one line', () => {
    const mail = entitlementCertificate(
      { producerName: 'P <script>', supportEmail: 'help@p.example' },
      {
        entitlementId: 'E-1',
        description: '"quoted" & <b>bold</b>',
        activateUrl: 'https://licences.example/activate?x="y"',
        lines: [{ product: '<img src=x>', quantity: 1, startDate: null, expirationDate: null, activationId: 'A-1' }],
      },
    );
    assert.ok(!mail.html.includes('<script>') && !mail.html.includes('<img') && !mail.html.includes('<b>bold'));
    assert.ok(mail.html.includes('&lt;img src=x&gt;'));
    assert.ok(mail.html.includes('href="https://licences.example/activate?x=&quot;y&quot;"'));
    assert.ok(mail.text.includes('<img src=x>'), 'the text part is plain text');
    assert.ok(!/[\r\n]/.test(mail.subject));
  });
});

describe('mail configuration', () => {
  it('writes .eml files beside the SQLite file, in ./data/mail otherwise, or where LICENTIA_MAIL_DIR says', () => {
    const sqlite = configFromEnv({ DATABASE_URL: 'sqlite:/srv/licentia/db/licentia.db' });
    assert.equal(mailDirectory(sqlite), '/srv/licentia/db/mail');
    const postgres = configFromEnv({ DATABASE_URL: 'postgres://db/licentia' });
    assert.equal(mailDirectory(postgres), `${process.cwd()}/data/mail`);
    const chosen = configFromEnv({ DATABASE_URL: 'postgres://db/licentia', LICENTIA_MAIL_DIR: '/var/mail/out' });
    assert.equal(mailDirectory(chosen), '/var/mail/out');
    assert.equal(mailDirectory(configFromEnv({})), `${process.cwd()}/data/mail`);
  });

  it('reads SMTP_URL and the sender, refusing what would break a header or leak a password', () => {
    const config = configFromEnv({
      SMTP_URL: 'smtps://user:secret@mail.example:465',
      LICENTIA_MAIL_FROM: 'licences@producer.example',
      LICENTIA_PRODUCER_NAME: 'Producer Inc',
      LICENTIA_SUPPORT_EMAIL: 'help@producer.example',
    });
    assert.equal(config.mail.smtpUrl, 'smtps://user:secret@mail.example:465');
    assert.equal(config.mail.from, 'licences@producer.example');
    assert.equal(config.mail.producerName, 'Producer Inc');
    assert.throws(
      () => configFromEnv({ SMTP_URL: 'http://user:secret@mail.example' }),
      (error: Error) => {
        assert.ok(!error.message.includes('secret'));
        return true;
      },
    );
    assert.throws(() => configFromEnv({ LICENTIA_MAIL_FROM: 'a@b.example\r\nBcc: c@d.example' }));
    assert.throws(() => configFromEnv({ LICENTIA_MAIL_FROM: 'Name <a@b.example>' }));
    assert.throws(() => configFromEnv({ LICENTIA_PRODUCER_NAME: 'P\nBcc: x' }));
  });
});
