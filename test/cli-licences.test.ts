import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { computeFingerprint } from '../src/client/fingerprint.ts';
import { publicJwkOf } from '../src/licensing/ed25519-jwk.ts';
import { toLicenseFile } from '../src/licensing/license-file.ts';
import { signLicense } from '../src/licensing/license-token.ts';
import {
  createDeviceKeyPair,
  parseActivationRequest,
  parseAndVerifyReturnRequest,
} from '../src/licensing/offline-request.ts';
import { BIN } from './support/cli.ts';
import { DAY, licenseClaims, type TestSigningKey, testSigningKey } from './support/licences.ts';

// These commands work on a machine with no server and no database: DATABASE_URL points at a file
// that must still not exist when the tests are done.
const dir = mkdtempSync(join(tmpdir(), 'licentia-cli-licences-'));
const databaseFile = join(dir, 'must-not-be-created.db');
const path = (name: string) => join(dir, name);

/** Asynchronous, unlike support/cli.ts's runCli, so that the commands of one block run side by side. */
function licentia(args: string[], cwd = dir): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, DATABASE_URL: `sqlite:${databaseFile}`, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

let key: TestSigningKey;
const now = Math.floor(Date.now() / 1000);
before(async () => {
  key = await testSigningKey();
  writeFileSync(path('jwks.json'), JSON.stringify(key.jwks));
  writeFileSync(
    path('valid.lic'),
    toLicenseFile(signLicense(licenseClaims({ iat: now - DAY, nbf: now - DAY, exp: now + DAY }), key)),
  );
  writeFileSync(
    path('expired.lic'),
    toLicenseFile(signLicense(licenseClaims({ iat: now - 3 * DAY, nbf: now - 3 * DAY, exp: now - DAY }), key)),
  );
  const valid = readFileSync(path('valid.lic'), 'utf8');
  const lines = valid.split('\n');
  const middle = lines.findIndex((l) => l.startsWith('-----BEGIN')) + 3;
  lines[middle] = `${lines[middle]?.slice(0, 10)}${lines[middle]?.[10] === 'A' ? 'B' : 'A'}${lines[middle]?.slice(11)}`;
  writeFileSync(path('tampered.lic'), lines.join('\n'));
});
after(() => {
  assert.equal(existsSync(databaseFile), false, 'no command opened a database');
  rmSync(dir, { recursive: true, force: true });
});

describe('licentia verify', { concurrency: true }, () => {
  it('prints the licence and VALID, and exits 0, with a JWKS file', async () => {
    const r = await licentia([
      'verify',
      path('valid.lic'),
      '--jwks',
      path('jwks.json'),
      '--fingerprint',
      licenseClaims().sub,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Product: +CAD Studio 5\.0/);
    assert.match(r.stdout, /Activation code: +NRB08-1GDWQ-74RSX-M4D54/);
    assert.match(r.stdout, new RegExp(`Signing key: +${key.kid}`));
    assert.match(r.stdout, /\nVALID: the licence is valid until /);
  });

  it('fetches a JWKS URL once', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(key.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const r = await licentia(['verify', path('valid.lic'), '--jwks', url]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\nVALID/);
      assert.equal(requests, 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits 1 with the code when the licence is not valid', async () => {
    const cases: [string[], RegExp][] = [
      [['verify', path('expired.lic'), '--jwks', path('jwks.json')], /\nEXPIRED: the licence expired at /],
      [
        ['verify', path('valid.lic'), '--jwks', path('jwks.json'), '--fingerprint', 'another-device'],
        /Checked against: +another-device[\s\S]*\nFINGERPRINT_MISMATCH/,
      ],
    ];
    await Promise.all(
      cases.map(async ([args, expected]) => {
        const r = await licentia(args);
        assert.equal(r.status, 1, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, expected);
      }),
    );
    const tampered = await licentia(['verify', path('tampered.lic'), '--jwks', path('jwks.json')]);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stdout, /not shown[\s\S]*\nBAD_SIGNATURE: the signature does not match/);
    assert.doesNotMatch(tampered.stdout, /Product:/, 'nothing unverified is shown as if it were true');
  });

  it('exits 2 when it cannot check: no licence file, no JWKS', async () => {
    const cases: [string[], RegExp][] = [
      [['verify', path('missing.lic'), '--jwks', path('jwks.json')], /missing\.lic/],
      [['verify', path('valid.lic'), '--jwks', 'http://127.0.0.1:1/.well-known/jwks.json'], /could not fetch the JWKS/],
    ];
    await Promise.all(
      cases.map(async ([args, expected]) => {
        const r = await licentia(args);
        assert.equal(r.status, 2, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
        assert.match(r.stderr, expected);
      }),
    );
  });
});

describe('licentia activation-request and return-request', { concurrency: true }, () => {
  it('write a request and a private key only the owner can read, and refuse to overwrite the key', async () => {
    const r = await licentia([
      'activation-request',
      '--code',
      'NRB08-1GDWQ-74RSX-M4D54',
      '--fingerprint',
      'fp-lab-07',
      '--device-name',
      'Lab PC 7',
      '--out',
      'req.txt',
      '--key-file',
      'lab.pem',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Wrote req\.txt/);
    const request = parseActivationRequest(readFileSync(path('req.txt'), 'utf8'));
    assert.equal(request.code, 'NRB08-1GDWQ-74RSX-M4D54');
    assert.equal(request.fingerprint, 'fp-lab-07');
    assert.equal(request.deviceName, 'Lab PC 7');
    const pem = readFileSync(path('lab.pem'), 'utf8');
    assert.deepEqual(
      publicJwkOf(createPrivateKey(pem)),
      request.publicKey,
      'the request carries the public half of the key written',
    );
    if (process.platform !== 'win32') assert.equal(statSync(path('lab.pem')).mode & 0o777, 0o600);

    const again = await licentia([
      'activation-request',
      '--code',
      'NRB08-1GDWQ-74RSX-M4D54',
      '--out',
      'req2.txt',
      '--key-file',
      'lab.pem',
    ]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /lab\.pem exists[\s\S]*--force/);
    assert.equal(readFileSync(path('lab.pem'), 'utf8'), pem, 'the old key is untouched');
    assert.equal(existsSync(path('req2.txt')), false);

    const forced = await licentia([
      'activation-request',
      '--code',
      'NRB08-1GDWQ-74RSX-M4D54',
      '--out',
      'req2.txt',
      '--key-file',
      'lab.pem',
      '--force',
    ]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.notEqual(readFileSync(path('lab.pem'), 'utf8'), pem);
    if (process.platform !== 'win32') assert.equal(statSync(path('lab.pem')).mode & 0o777, 0o600);
    assert.deepEqual(
      publicJwkOf(createPrivateKey(readFileSync(path('lab.pem'), 'utf8'))),
      parseActivationRequest(readFileSync(path('req2.txt'), 'utf8')).publicKey,
    );
  });

  it('default to this machine’s fingerprint and name, and to files in the working directory', async () => {
    const cwd = mkdtempSync(join(dir, 'defaults-'));
    const r = await licentia(['activation-request', '--code', 'ABCDE-FGHJK'], cwd);
    assert.equal(r.status, 0, r.stderr);
    const request = parseActivationRequest(readFileSync(join(cwd, 'activation-request.txt'), 'utf8'));
    assert.equal(request.fingerprint, computeFingerprint());
    assert.equal(request.deviceName, hostname());
    assert.ok(existsSync(join(cwd, 'licentia-device-key.pem')));
  });

  it('refuse a code the server would refuse, writing nothing', async () => {
    const r = await licentia([
      'activation-request',
      '--code',
      'not/a/code',
      '--out',
      'bad.txt',
      '--key-file',
      'bad.pem',
    ]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /code must be/);
    assert.equal(existsSync(path('bad.pem')), false);
    assert.equal(existsSync(path('bad.txt')), false);
  });

  it('sign a return request the server can verify against the key in the licence', async () => {
    // The key activation-request would have written (tested above), and the licence the server
    // answers to its request: bound to the fingerprint and to the device key.
    const device = createDeviceKeyPair();
    writeFileSync(path('ret.pem'), device.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const intruder = createDeviceKeyPair();
    writeFileSync(path('intruder.pem'), intruder.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const request = { fingerprint: 'fp-ret', publicKey: device.publicJwk };
    const claims = licenseClaims({
      sub: request.fingerprint,
      jti: 'act_0193ffff0000700080000000000000aa',
      cnf: { jwk: request.publicKey },
    });
    writeFileSync(path('offline.lic'), toLicenseFile(signLicense(claims, key)));

    const r = await licentia([
      'return-request',
      '--license',
      'offline.lic',
      '--key-file',
      'ret.pem',
      '--out',
      'return.txt',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /act_0193ffff0000700080000000000000aa/);
    const returned = parseAndVerifyReturnRequest(readFileSync(path('return.txt'), 'utf8'), request.publicKey);
    assert.equal(returned.activationId, claims.jti);
    assert.equal(returned.fingerprint, 'fp-ret');

    const wrongKey = await licentia([
      'return-request',
      '--license',
      'offline.lic',
      '--key-file',
      'intruder.pem',
      '--out',
      'return2.txt',
    ]);
    assert.notEqual(wrongKey.status, 0);
    assert.match(wrongKey.stderr, /not the key this licence was issued to/);
    assert.equal(existsSync(path('return2.txt')), false);

    writeFileSync(path('online.lic'), toLicenseFile(signLicense(licenseClaims(), key)));
    const online = await licentia([
      'return-request',
      '--license',
      'online.lic',
      '--key-file',
      'ret.pem',
      '--out',
      'return3.txt',
    ]);
    assert.notEqual(online.status, 0);
    assert.match(online.stderr, /activated online/);
  });
});
