import { AppError } from '../domain/errors.ts';
import { isUniqueViolation } from '../store/database.ts';

/**
 * Runs an insert or update whose uniqueness the database guards, turning a violation into
 * `409 ALREADY_EXISTS`. Relying on the constraint rather than a prior read keeps it race-free.
 */
export async function unlessDuplicate<T>(write: Promise<T>, message: string, field?: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError('ALREADY_EXISTS', message, field ? { fields: [{ field, message: 'already exists' }] } : {});
  }
}
