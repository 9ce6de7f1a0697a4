import { invalidField } from './errors.ts';

/** Calendar dates are `YYYY-MM-DD` strings in UTC; they compare correctly as strings. */
export function checkDateRange(startDate: string | null, expirationDate: string | null, field = ''): void {
  if (startDate !== null && expirationDate !== null && expirationDate < startDate) {
    throw invalidField(`${field}/expirationDate`, 'must not be before startDate');
  }
}

export function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The first instant after a calendar date: a line item expiring on a date is usable through that whole day. */
export function endOfDate(date: string): Date {
  const end = new Date(`${date}T00:00:00.000Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return end;
}

export function startOfDate(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}
