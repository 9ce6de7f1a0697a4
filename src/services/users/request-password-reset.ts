import { setTimeout as sleep } from 'node:timers/promises';
import { publicActor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { normalizeEmail } from '../../domain/users.ts';
import { findUserCredentials } from '../../store/users.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { mailSignInLink } from './sign-in-links.ts';

/**
 * How often one address may be sent a link (more asks are answered the same, and send nothing),
 * and how often one client may ask at all, for any address. Counted where the other limits are
 * (`ctx.rateCounters`): shared by every server of a PostgreSQL or Redis deployment.
 */
export const LINKS_PER_ADDRESS = 3;
export const ASKS_PER_CLIENT = 10;
const WINDOW_MS = 60 * 60 * 1000;
/**
 * Every accepted ask is answered after at least this long, well past the time it takes to mail a
 * link, so that how soon the answer comes says nothing of whether the address has an account.
 */
export const RESET_ANSWER_FLOOR_MS = 250;

function limitsOf(ctx: ServiceContext) {
  return {
    linksToAddress: ctx.rateCounters.counter('password-reset-address', LINKS_PER_ADDRESS, WINDOW_MS),
    asksFromClient: ctx.rateCounters.counter('password-reset-client', ASKS_PER_CLIENT, WINDOW_MS),
  };
}

/**
 * "Forgot password": mails a one-use sign-in link to the user with this address, if there is one,
 * it may sign in, and it was not sent too many links lately. Answers nothing either way, and never
 * sooner than `RESET_ANSWER_FLOOR_MS`, so that nobody can tell who has an account or fill a
 * mailbox. RATE_LIMITED (with `retryAfter` seconds) when the client `address` asked too often.
 */
export async function requestPasswordReset(
  ctx: ServiceContext,
  input: { email: string; address: string; linkFor: (secret: string) => string },
): Promise<void> {
  const { linksToAddress, asksFromClient } = limitsOf(ctx);
  const wait = asksFromClient.retryAfter(input.address);
  if (wait > 0)
    throw new AppError('RATE_LIMITED', `Too many requests from here; try again in ${Math.ceil(wait / 60)} minutes.`, {
      extensions: { retryAfter: wait },
    });
  asksFromClient.add(input.address);
  const answerAt = performance.now() + RESET_ANSWER_FLOOR_MS;
  const email = normalizeEmail(input.email);
  if (linksToAddress.retryAfter(email) === 0) {
    linksToAddress.add(email);
    await inTransaction(ctx, async (tx, at) => {
      const found = await findUserCredentials(tx, email);
      if (!found || found.user.disabledAt !== null) return;
      await mailSignInLink(ctx, tx, publicActor, at, { user: found.user, reason: 'reset', linkFor: input.linkFor });
    });
  }
  await sleep(Math.max(0, answerAt - performance.now()));
}
