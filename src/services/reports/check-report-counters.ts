import { type CounterDisagreement, counterDisagreements } from '../../store/report-counters.ts';
import type { ServiceContext } from '../context.ts';

export interface CounterCheck {
  /** How many counters are stored. */
  counters: number;
  /** Each counter that differs from a recount of the activation rows. */
  disagreements: CounterDisagreement[];
}

/**
 * Recounts the billing counters from the activation rows: the reports answer whole months from
 * the counters, so a disagreement is a report that would be wrong. For operators (`licentia
 * reports check`) and tests; it reads every activation, so it is not offered over HTTP.
 */
export async function checkReportCounters(ctx: ServiceContext): Promise<CounterCheck> {
  return counterDisagreements(ctx.store.db);
}
