import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LicenseStore } from '../../src/client/license-store.ts';
import { LicensingError } from '../../src/licensing/errors.ts';
import { toLicenseFile } from '../../src/licensing/license-file.ts';
import { signLicense } from '../../src/licensing/license-token.ts';
import { licenseClaims, type TestSigningKey, testSigningKey } from '../support/licences.ts';

let key: TestSigningKey;
let dir: string;
before(async () => {
  key = await testSigningKey();
  dir = mkdtempSync(join(tmpdir(), 'licentia-store-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('LicenseStore', () => {
  it('saves a licence file readable by its owner only, and loads it back', async () => {
    const token = signLicense(licenseClaims(), key);
    const file = toLicenseFile(token);
    const store = new LicenseStore(join(dir, 'nested', 'app', 'licence.lic'));
    assert.equal(await store.load(), undefined);
    assert.equal(await store.loadToken(), undefined);
    await store.save(file);
    assert.equal(await store.load(), file);
    assert.equal(await store.loadToken(), token);
    if (process.platform !== 'win32') assert.equal(statSync(store.path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'nested', 'app')), ['licence.lic'], 'no temporary file left behind');
    await store.remove();
    assert.equal(await store.load(), undefined);
    await store.remove();
  });

  it('saves a bare token as a licence file', async () => {
    const token = signLicense(licenseClaims(), key);
    const store = new LicenseStore(join(dir, 'bare.lic'));
    await store.save(`${token}\n`);
    assert.equal(await store.load(), toLicenseFile(token));
  });

  it('replaces a licence in one step, and refuses what is not a licence without touching the old one', async () => {
    const store = new LicenseStore(join(dir, 'replace.lic'));
    const first = toLicenseFile(signLicense(licenseClaims(), key));
    const second = toLicenseFile(signLicense(licenseClaims({ jti: 'act_second' }), key));
    await store.save(first);
    await store.save(second);
    assert.equal(await store.load(), second);
    await assert.rejects(store.save('not a licence'), LicensingError);
    await assert.rejects(store.save(''), LicensingError);
    assert.equal(await store.load(), second);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  it('says so when the file on disk is not a licence', async () => {
    const path = join(dir, 'garbled.lic');
    writeFileSync(path, 'garbled');
    await assert.rejects(
      new LicenseStore(path).loadToken(),
      (e) => e instanceof LicensingError && e.code === 'MALFORMED_LICENSE_FILE',
    );
    assert.equal(readFileSync(path, 'utf8'), 'garbled');
  });
});
