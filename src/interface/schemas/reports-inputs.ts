import { Type } from 'typebox';
import { periodKinds } from '../../domain/periods.ts';
import { reportGroups } from '../../domain/reports.ts';
import { DateOnly, Strict, StringEnum } from './common.ts';

/** What a caller sends to the reports routes: the API validates requests with these, the portal its forms. */
export const ReportQuery = Strict({
  groupBy: Type.Optional(StringEnum(reportGroups)),
  period: Type.Optional(StringEnum(periodKinds)),
  from: Type.Optional(DateOnly),
  to: Type.Optional(DateOnly),
});

export const StatementQuery = Strict({
  period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2]|Q[1-4])$', examples: ['2026-11', '2026-Q4'] }),
});
