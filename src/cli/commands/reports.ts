import type { Command } from 'commander';

export function reportsCommand(program: Command): void {
  const reports = program.command('reports').description('the billing reports');
  reports
    .command('check')
    .description(
      'recount the billing counters from the activation rows; name every counter that disagrees (exit 1 if any)',
    )
    .action(async () => {
      const { checkReportCounters } = await import('../../services/reports/check-report-counters.ts');
      const { withContext } = await import('../open-context.ts');
      const check = await withContext((ctx) => checkReportCounters(ctx));
      for (const d of check.disagreements) {
        const key =
          d.table === 'report_counters'
            ? `tier1=${d.tier1AccountId ?? '-'} tier2=${d.tier2AccountId ?? '-'} account=${d.accountId} product=${d.productId}`
            : `account=${d.accountId} (per account)`;
        process.stderr.write(
          `counter ${d.month} ${d.event}${d.test ? ' (test)' : ''} ${key}: counted ${d.counted}, rows ${d.recounted}\n`,
        );
      }
      if (check.disagreements.length > 0) {
        process.stderr.write(`billing counters DISAGREE with the rows: ${check.disagreements.length} counters\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`billing counters agree with the rows: ${check.counters} counters\n`);
    });
}
