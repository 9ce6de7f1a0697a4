import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { activatable } from '../support/activation-fixtures.ts';
import { runCli, runCliAsync } from '../support/cli.ts';
import { assertProblem } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';
import { fetchJwks } from '../support/licences.ts';

const dir = mkdtempSync(join(tmpdir(), 'licentia-offline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describeEachBackend('offline activation and licence compatibility', (server, backend) => {
  const device = () => server().api.as(null);

  it('activates an offline machine from its request file, verifies with no server, and returns with a signed request', async () => {
    const { api, url } = server();
    const { code } = await activatable(api, { quantity: 1 });
    const work = mkdtempSync(join(dir, `${backend.name}-`));
    const requestFile = join(work, 'request.txt');
    const keyFile = join(work, 'device-key.pem');
    const made = runCli([
      'activation-request',
      '--code',
      code,
      '--fingerprint',
      'offline-box-1',
      '--device-name',
      'lab PC',
      '--out',
      requestFile,
      '--key-file',
      keyFile,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const request = readFileSync(requestFile, 'utf8');
    assert.match(request, /BEGIN LICENTIA ACTIVATION REQUEST/);

    const r = await device().request('POST', '/activations/offline', { raw: request, contentType: 'text/plain' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.activation.offline, true);
    assert.equal(r.body.activation.fingerprint, 'offline-box-1');
    assert.equal(r.body.activation.deviceName, 'lab PC');
    const licenseFile = join(work, 'licence.lic');
    writeFileSync(licenseFile, r.body.license.file);
    writeFileSync(join(work, 'jwks.json'), await (await fetch(`${url}/.well-known/jwks.json`)).text());

    const verified = runCli([
      'verify',
      licenseFile,
      '--jwks',
      join(work, 'jwks.json'),
      '--fingerprint',
      'offline-box-1',
    ]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /VALID/);
    const viaUrl = await runCliAsync([
      'verify',
      licenseFile,
      '--jwks',
      `${url}/.well-known/jwks.json`,
      '--fingerprint',
      'other-box',
    ]);
    assert.equal(viaUrl.status, 1);
    assert.match(viaUrl.stdout, /FINGERPRINT_MISMATCH/);

    assert.equal(
      (await device().request('POST', '/activations/offline', { raw: request, contentType: 'text/plain' })).status,
      200,
      'a resubmitted request gets the same licence',
    );

    const returnFile = join(work, 'return.txt');
    const signed = runCli(['return-request', '--license', licenseFile, '--key-file', keyFile, '--out', returnFile]);
    assert.equal(signed.status, 0, signed.stderr);
    const returned = await device().post('/activations/offline/return', { request: readFileSync(returnFile, 'utf8') });
    assert.equal(returned.status, 200, returned.text);
    assert.equal(returned.body.state, 'returned');
    assert.equal((await device().post('/licenses/validate', { token: r.body.license.token })).body.code, 'RETURNED');
  });

  it('refuses garbled requests and return requests signed by another device', async () => {
    const { api } = server();
    const { code } = await activatable(api, { quantity: 2 });
    const work = mkdtempSync(join(dir, `${backend.name}-bad-`));
    assertProblem(
      await device().request('POST', '/activations/offline', { raw: 'hello', contentType: 'text/plain' }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await device().post('/activations/offline', {
        request: '-----BEGIN LICENTIA ACTIVATION REQUEST-----\nAAAA\n-----END LICENTIA ACTIVATION REQUEST-----',
      }),
      400,
      'VALIDATION_FAILED',
    );
    for (const name of ['a', 'b']) {
      assert.equal(
        runCli([
          'activation-request',
          '--code',
          code,
          '--fingerprint',
          `box-${name}`,
          '--out',
          join(work, `${name}.txt`),
          '--key-file',
          join(work, `${name}.pem`),
        ]).status,
        0,
      );
    }
    const a = (
      await device().request('POST', '/activations/offline', { raw: readFileSync(join(work, 'a.txt'), 'utf8') })
    ).body;
    writeFileSync(join(work, 'a.lic'), a.license.file);
    const forged = runCli([
      'return-request',
      '--license',
      join(work, 'a.lic'),
      '--key-file',
      join(work, 'b.pem'),
      '--out',
      join(work, 'forged.txt'),
    ]);
    assert.notEqual(forged.status, 0, 'the command refuses a key that does not match the licence');
    assertProblem(
      await device().request('POST', '/activations/offline/return', { raw: 'garbage' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('issues licences that the openssl command line verifies (Ed25519 over header.payload)', async () => {
    const { api, url } = server();
    const { code } = await activatable(api);
    const token: string = (await device().post('/activations', { code, fingerprint: 'openssl-box' })).body.license
      .token;
    const jwks = await fetchJwks(url);
    const [h, p, s] = token.split('.') as [string, string, string];
    const kid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid);
    const { createPublicKey } = await import('node:crypto');
    const pem = createPublicKey({ key: { kty: jwk!.kty, crv: jwk!.crv, x: jwk!.x }, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const work = mkdtempSync(join(dir, `${backend.name}-openssl-`));
    writeFileSync(join(work, 'pub.pem'), pem);
    writeFileSync(join(work, 'data'), `${h}.${p}`);
    writeFileSync(join(work, 'sig'), Buffer.from(s, 'base64url'));
    const ok = execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        join(work, 'pub.pem'),
        '-rawin',
        '-in',
        join(work, 'data'),
        '-sigfile',
        join(work, 'sig'),
      ],
      { encoding: 'utf8' },
    );
    assert.match(ok, /Signature Verified Successfully/);
    writeFileSync(join(work, 'data'), `${h}.${p}x`);
    assert.throws(() =>
      execFileSync(
        'openssl',
        [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          join(work, 'pub.pem'),
          '-rawin',
          '-in',
          join(work, 'data'),
          '-sigfile',
          join(work, 'sig'),
        ],
        { stdio: 'pipe' },
      ),
    );
  });
});
