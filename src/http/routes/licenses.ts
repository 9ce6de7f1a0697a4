import { Type } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import { disclosesCode, isFailedGuess, validateLicense } from '../../services/activations/validate-license.ts';
import type { App } from '../../interface/app.ts';
import { open, publicRoute } from '../../interface/public-limits.ts';
import { problemResponses } from '../../interface/schemas/common.ts';
import { ValidationSchema } from '../schemas/activations.ts';
import { Code, Fingerprint } from '../../interface/schemas/activations-inputs.ts';

export async function licenseRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/licenses/validate',
    {
      config: publicRoute({ guessLimited: 'validation' }),
      schema: {
        operationId: 'validateLicense',
        tags: ['Licences'],
        security: open,
        summary: 'Is this licence good now? (no API key needed)',
        description:
          'With the licence `{token, fingerprint?}` (the licence file is accepted too), or `{code, fingerprint}`. Always `200`; ' +
          '`code` is one of VALID, EXPIRED, NOT_YET_VALID, SUSPENDED, RETURNED, REVOKED, FINGERPRINT_MISMATCH, BAD_SIGNATURE, NOT_FOUND. ' +
          'A return, suspension or revocation shows in the next validation. ' +
          '`FINGERPRINT_MISMATCH` (the code was activated, on other devices) tells that the code exists, where `NOT_FOUND` ' +
          'would not: accepted because generated codes carry 100 bits, codes of 80 bits or more pass the guess budget, and failed guesses are limited per ' +
          'address and route family; for a shorter code (a key a partner loaded) a mismatch counts as a failed guess.',
        body: Type.Union([
          Type.Object(
            { token: Type.String({ minLength: 1, maxLength: 16 * 1024 }), fingerprint: Type.Optional(Fingerprint) },
            { additionalProperties: false },
          ),
          Type.Object({ code: Code, fingerprint: Fingerprint }, { additionalProperties: false }),
        ]),
        response: { 200: ValidationSchema, ...problemResponses },
      },
    },
    async (request) => {
      const answer = await validateLicense(ctx, request.actor, request.body);
      if (isFailedGuess(answer)) request.guessFailed = true;
      if (disclosesCode(answer)) request.guessDisclosed = true;
      return answer;
    },
  );
}
