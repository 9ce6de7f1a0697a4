import type { Command } from 'commander';

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description(
      'walk every chain and the signed checkpoints; name the first event altered, deleted or inserted in each chain',
    )
    .action(async () => {
      const { verifyAuditChain } = await import('../../services/events/audit-chain.ts');
      const { withContext } = await import('../open-context.ts');
      const { report, chainOn } = await withContext(async (ctx) => ({
        report: await verifyAuditChain(ctx),
        chainOn: ctx.config.auditChain,
      }));
      if (report.breaks.length > 0) {
        for (const broken of report.breaks)
          process.stderr.write(`audit log BROKEN (${broken.kind}): ${broken.detail}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `audit log intact: ${report.events} events in ${report.chains} chains, ${report.checkpoints} signed checkpoints\n`,
      );
      if (!chainOn)
        process.stdout.write(
          'LICENTIA_AUDIT_CHAIN is off: events written meanwhile are in no chain and were not checked\n',
        );
    });
  audit
    .command('checkpoint')
    .description(
      "sign a checkpoint of the chains' heads now (the server also does so every LICENTIA_AUDIT_CHECKPOINT_SECONDS)",
    )
    .action(async () => {
      const { writeCheckpoint } = await import('../../services/events/audit-chain.ts');
      const { withContext } = await import('../open-context.ts');
      const checkpoint = await withContext(async (ctx) => {
        await ctx.keyRing.load();
        return writeCheckpoint(ctx);
      });
      process.stdout.write(
        checkpoint
          ? `checkpoint of ${checkpoint.count} events signed by ${checkpoint.kid}\n`
          : 'no new events since the last checkpoint\n',
      );
    });
}
