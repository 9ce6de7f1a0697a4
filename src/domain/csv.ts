import { stringify } from 'csv-stringify/sync';

/** A cell of a CSV file: text, a number, or nothing. */
export type CsvCell = string | number | boolean | null | undefined;

/**
 * A spreadsheet evaluates a cell that starts with one of these as a formula, quoted or not, so a
 * partner-chosen account name such as `=HYPERLINK(…)` would run in the producer's spreadsheet
 * (OWASP "CSV injection"). Such text gets a leading apostrophe, which spreadsheets show as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizedCell(cell: CsvCell): string | number | boolean {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'string') return cell;
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** Rows as CSV text (RFC 4180 quoting), every text cell neutralised: the one CSV writer. */
export function csvText(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(rows.map((row) => row.map(neutralizedCell)));
}
