import { publicActor } from '../../domain/actors.ts';
import { normalizeEmail } from '../../domain/users.ts';
import { findUserCredentials } from '../../store/users.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { mailSignInLink } from './sign-in-links.ts';

/**
 * "Forgot password": mails a one-use sign-in link to the user with this address, if there is one
 * and it may sign in. Answers nothing either way, so that the form cannot tell who has an account;
 * the caller limits how often an address and a client may ask.
 */
export async function requestPasswordReset(
  ctx: ServiceContext,
  input: { email: string; linkFor: (secret: string) => string },
): Promise<void> {
  const email = normalizeEmail(input.email);
  await inTransaction(ctx, async (tx, at) => {
    const found = await findUserCredentials(tx, email);
    if (!found || found.user.disabledAt !== null) return;
    await mailSignInLink(ctx, tx, publicActor, at, { user: found.user, reason: 'reset', linkFor: input.linkFor });
  });
}
