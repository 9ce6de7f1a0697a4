import { AppError } from '../domain/errors.ts';
import { type ServiceContext, preview } from '../services/context.ts';

/**
 * Why the service would refuse `work`, or undefined if it would go through. It is asked by running
 * the service in a rolled-back transaction, so a page offers a form only to whom the service would
 * serve, and says why not otherwise, without a second copy of the rules.
 */
export async function refusalOf(
  ctx: ServiceContext,
  work: (previewCtx: ServiceContext) => Promise<unknown>,
): Promise<AppError | undefined> {
  try {
    await preview(ctx, work);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/** What a read answers, or undefined when the actor may not read it (a section the page then leaves out). */
export async function unlessForbidden<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof AppError && error.code === 'FORBIDDEN') return undefined;
    throw error;
  }
}
