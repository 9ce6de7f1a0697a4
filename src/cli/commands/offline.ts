import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { computeFingerprint } from '../../client/fingerprint.ts';
import { publicJwkOf, sameEd25519Key } from '../../licensing/ed25519-jwk.ts';
import { readLicenseToken } from '../../licensing/license-file.ts';
import { decodeLicense } from '../../licensing/license-token.ts';
import { createActivationRequest, createDeviceKeyPair, createReturnRequest } from '../../licensing/offline-request.ts';

const DEFAULT_KEY_FILE = 'licentia-device-key.pem';

/** The device side of offline activation: no server, no database. */
export function offlineCommands(program: Command): void {
  program
    .command('activation-request')
    .description('write an offline activation request for this device, and the device key that will prove it later')
    .requiredOption('--code <code>', 'the activation code')
    .option(
      '--fingerprint <fingerprint>',
      'the device fingerprint (default: computed for this machine, as the client library does)',
    )
    .option('--device-name <name>', 'a name to recognise the device by (default: the host name)')
    .option('--out <file>', 'where to write the request', 'activation-request.txt')
    .option('--key-file <file>', "where to write the device's private key (mode 0600)", DEFAULT_KEY_FILE)
    .option('--force', 'replace an existing key file (its licence can then no longer be returned offline)')
    .action(
      async (options: {
        code: string;
        fingerprint?: string;
        deviceName?: string;
        out: string;
        keyFile: string;
        force?: boolean;
      }) => {
        if (existsSync(options.keyFile) && !options.force) {
          throw new Error(
            `${options.keyFile} exists: it may be the key of an earlier offline activation, needed to return that licence. ` +
              'Choose another file with --key-file, or replace it with --force.',
          );
        }
        const fingerprint = options.fingerprint ?? computeFingerprint();
        const device = createDeviceKeyPair();
        // Built (and so validated) before anything is written: a bad code leaves no stray key behind.
        const request = createActivationRequest({
          code: options.code,
          fingerprint,
          deviceName: options.deviceName ?? hostname(),
          devicePublicKey: device.publicJwk,
        });
        await writePrivateKey(options.keyFile, device.privateKey, options.force === true);
        await writeFile(options.out, request);
        process.stdout.write(
          `Wrote ${options.out} for fingerprint ${fingerprint}.\n` +
            `Wrote the device key to ${options.keyFile}: keep it on this machine; it proves this device when the licence is returned.\n` +
            `Next: upload ${options.out} to the licensing server (POST /api/v1/activations/offline) and bring the licence file back.\n`,
        );
      },
    );

  program
    .command('return-request')
    .description('write a return request for an offline-activated licence, signed with the device key')
    .requiredOption('--license <file>', 'the licence file to give back')
    .option('--key-file <file>', 'the device key written by activation-request', DEFAULT_KEY_FILE)
    .option('--fingerprint <fingerprint>', 'the device fingerprint (default: the one in the licence)')
    .option('--out <file>', 'where to write the request', 'return-request.txt')
    .action(async (options: { license: string; keyFile: string; fingerprint?: string; out: string }) => {
      const { claims } = decodeLicense(readLicenseToken(await readFile(options.license, 'utf8')));
      if (claims.cnf === undefined) {
        throw new Error(
          `${options.license} was activated online and carries no device key; return it online instead (POST /api/v1/activations/${claims.jti}/return with the licence).`,
        );
      }
      const privateKey = readPrivateKey(await readFile(options.keyFile, 'utf8'), options.keyFile);
      if (!sameEd25519Key(publicJwkOf(privateKey), claims.cnf.jwk)) {
        throw new Error(
          `${options.keyFile} is not the key this licence was issued to; use the key file written with its activation request.`,
        );
      }
      const request = createReturnRequest({
        activationId: claims.jti,
        fingerprint: options.fingerprint ?? claims.sub,
        devicePrivateKey: privateKey,
      });
      await writeFile(options.out, request);
      process.stdout.write(
        `Wrote ${options.out} for activation ${claims.jti}.\n` +
          `Next: upload it to the licensing server (POST /api/v1/activations/offline/return), then delete ${options.license} from this device.\n`,
      );
    });
}

function readPrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${file} is not a private key in PEM`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  return key;
}

/**
 * Never world-readable, not even for a moment: created with mode 0600. Without --force the key is
 * created exclusively, so two runs cannot both believe they wrote it; with it, it replaces the old
 * one in a single rename.
 */
async function writePrivateKey(path: string, key: KeyObject, replace: boolean): Promise<void> {
  const pem = key.export({ format: 'pem', type: 'pkcs8' });
  const target = replace ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`) : path;
  const handle = await open(target, 'wx', 0o600);
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (replace) {
    await rename(target, path).catch(async (error: unknown) => {
      await rm(target, { force: true });
      throw error;
    });
  }
}
