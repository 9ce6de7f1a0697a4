import { invalidField } from './errors.ts';

/**
 * The last date Licentia takes. A date is usable through its whole day, so its end is the next
 * midnight, and the end of 9999-12-31 would be in year 10000, which ISO-8601 timestamps (and so
 * licences, activations and reports) cannot carry without an expanded year.
 */
export const LAST_DATE = '9999-12-30';

export function checkDate(date: string | null, field: string): void {
  if (date !== null && date > LAST_DATE)
    throw invalidField(field, `must be ${LAST_DATE} or earlier (leave the date out for no end)`);
}

/** Calendar dates are `YYYY-MM-DD` strings in UTC; they compare correctly as strings. */
export function checkDateRange(startDate: string | null, expirationDate: string | null, field = ''): void {
  checkDate(startDate, `${field}/startDate`);
  checkDate(expirationDate, `${field}/expirationDate`);
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
