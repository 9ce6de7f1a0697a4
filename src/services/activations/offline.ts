import type { Activation } from '../../domain/activations.ts';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { LicensingError } from '../../licensing/errors.ts';
import { parseActivationRequest } from '../../licensing/offline-request.ts';
import { type ActivationResult, activate } from './activate.ts';
import { activationNamedBy, returnActivation } from './end-activation.ts';

/**
 * Offline activation: the `licentia activation-request` file made on a machine without network,
 * brought here by someone who has network. The device's public key goes into the licence, so that
 * the device alone can later sign its return.
 */
export async function activateOffline(
  ctx: Parameters<typeof activate>[0],
  actor: Actor,
  requestText: string,
): Promise<ActivationResult> {
  const request = await parsing(() => parseActivationRequest(requestText));
  return activate(ctx, actor, {
    code: request.code,
    fingerprint: request.fingerprint,
    deviceName: request.deviceName,
    publicKey: request.publicKey,
    offline: true,
  });
}

/** Offline return: a return request signed by the key the device activated with. */
export async function returnOffline(
  ctx: Parameters<typeof activate>[0],
  actor: Actor,
  requestText: string,
): Promise<Activation> {
  const id = await parsing(() => activationNamedBy(requestText));
  return parsing(() => returnActivation(ctx, actor, id, { returnRequest: requestText }));
}

/** Licensing's parse errors are bad input: `400 VALIDATION_FAILED` with the field. */
async function parsing<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof LicensingError)) throw error;
    throw new AppError('VALIDATION_FAILED', error.message, {
      fields: [{ field: `/request${error.field ?? ''}`, message: error.message }],
    });
  }
}
