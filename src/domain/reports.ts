/** What the activation report and the billing statement group their monthly counts by. */
export const reportGroups = ['partner', 'account', 'product'] as const;
export type ReportGroup = (typeof reportGroups)[number];
