/**
 * What the activation report and the billing statement group their monthly counts by: `partner`,
 * the tier-1 partner billed; `holder`, the partner that held the stock (the tier-2 reseller it was
 * split to, else the tier-1 partner); `account`, the owner; `product`.
 */
export const reportGroups = ['partner', 'holder', 'account', 'product'] as const;
export type ReportGroup = (typeof reportGroups)[number];

/** What happened to prepaid stock (web register keys) in a period, per stock holder or product. */
export const keyEvents = ['loaded', 'generated', 'splitIn', 'redeemed', 'voided', 'splitOnward'] as const;
export type KeyEvent = (typeof keyEvents)[number];

/** `partner`: the partner that holds the stock (a tier-2 reseller, else the tier-1 partner). */
export const keyReportGroups = ['partner', 'product'] as const;
export type KeyReportGroup = (typeof keyReportGroups)[number];
