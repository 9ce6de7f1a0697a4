import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { generateSigningKey } from '../../src/licensing/signing-key.ts';
import { type ServiceContext, createServiceContext } from '../../src/services/context.ts';
import { ensureSigningKey, rotateSigningKey } from '../../src/services/signing-keys/ensure-signing-key.ts';
import { keyFilePath } from '../../src/services/signing-keys/key-vault.ts';
import { openStore } from '../../src/store/database.ts';
import { insertSigningKey } from '../../src/store/signing-keys.ts';
import { describeEachBackend } from '../support/suite.ts';

/** Another process over the same database, with `secret` (or the server's own key file when undefined). */
async function withOtherProcess<T>(
  ctx: ServiceContext,
  secret: string | undefined,
  work: (other: ServiceContext) => Promise<T>,
): Promise<T> {
  const store = openStore({ url: ctx.config.databaseUrl, poolSize: 2 });
  try {
    return await work(createServiceContext(store, { ...ctx.config, secret }));
  } finally {
    await store.close();
  }
}

/** What would let someone sign: the PEM of the private key and its 32-byte seed, in every encoding. */
function privateMaterial(ctx: ServiceContext): { seed: Buffer; needles: string[] } {
  const { privateKey } = ctx.keyRing.signingKey();
  const d = privateKey.export({ format: 'jwk' }).d ?? '';
  const seed = Buffer.from(d, 'base64url');
  const pemBody = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().split('\n')[1] ?? '';
  return { seed, needles: ['PRIVATE KEY', d, seed.toString('hex'), seed.toString('base64'), pemBody] };
}

async function storedPrivateHalves(ctx: ServiceContext): Promise<string[]> {
  const rows = await ctx.store.db.selectFrom('signing_keys').select('private_pkcs8').execute();
  return rows.map((r) => r.private_pkcs8);
}

describeEachBackend('the signing key at rest', (server, backend) => {
  it('keeps no private key material in the database, and its files and key file are the owner’s alone', async () => {
    const { ctx } = server().running;
    const { seed, needles } = privateMaterial(ctx);
    for (const stored of await storedPrivateHalves(ctx))
      for (const needle of needles) assert.ok(!stored.includes(needle), 'the stored half is sealed');
    if (backend.name === 'sqlite') {
      const path = ctx.config.databaseUrl.slice('sqlite:'.length);
      const files = [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f));
      assert.ok(files.length >= 2);
      for (const file of files) {
        const bytes = readFileSync(file);
        assert.equal(bytes.indexOf(seed), -1, `no seed bytes in ${file}`);
        for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `no ${needle.slice(0, 12)}… in ${file}`);
        assert.equal(statSync(file).mode & 0o777, 0o600, file);
      }
      const keyFile = join(dirname(path), 'licentia.key');
      assert.equal(keyFilePath(ctx.config), keyFile, 'the key file sits beside the database');
    }
    const keyFile = keyFilePath(ctx.config);
    assert.ok(keyFile && existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  });

  it('cannot sign from a copy of the database without the key-encryption key', async () => {
    const { ctx } = server().running;
    await withOtherProcess(ctx, 'not the secret of this server', async (other) => {
      await assert.rejects(() => other.keyRing.load(), /sealed with key-encryption key [0-9a-f]{16}.*keys rotate/);
    });
    await withOtherProcess(ctx, undefined, async (same) => {
      await same.keyRing.load();
      assert.equal(same.keyRing.signingKey().kid, ctx.keyRing.signingKey().kid, 'with the key file it can');
    });
  });

  it('seals a key stored in plain by an earlier version at the next start', async () => {
    const { ctx } = server().running;
    const plain = await generateSigningKey();
    await insertSigningKey(ctx.store.db, {
      kid: plain.kid,
      algorithm: 'EdDSA',
      publicJwk: plain.publicJwk as never,
      storedPrivateKey: plain.privatePkcs8Pem,
      createdAt: '2999-01-01T00:00:00.000Z',
      retiredAt: null,
    });
    await withOtherProcess(ctx, undefined, async (next) => {
      await ensureSigningKey(next);
      await next.keyRing.load();
      assert.equal(next.keyRing.signingKey().kid, plain.kid);
      assert.equal(
        next.keyRing.signingKey().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        plain.privatePkcs8Pem,
      );
    });
    for (const stored of await storedPrivateHalves(ctx)) assert.match(stored, /^sealed:v1:/);
    const events = await ctx.store.db
      .selectFrom('events')
      .select(['action', 'subject_id'])
      .where('action', '=', 'signing-key.sealed')
      .execute();
    assert.deepEqual(
      events.map((e) => e.subject_id),
      [plain.kid],
    );
  });

  it('recovers from a lost key-encryption key by rotating: new licences sign, old ones still verify', async () => {
    const { ctx } = server().running;
    const before = ctx.keyRing.signingKey().kid;
    await withOtherProcess(ctx, 'a new secret after the key file was lost', async (recovered) => {
      await assert.rejects(() => recovered.keyRing.load());
      const { kid } = await rotateSigningKey(recovered);
      await recovered.keyRing.load();
      assert.equal(recovered.keyRing.signingKey().kid, kid);
      assert.ok(recovered.keyRing.verificationKeys().has(before), 'the old public key stays published');
    });
  });
});
