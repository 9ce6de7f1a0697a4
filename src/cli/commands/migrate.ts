import type { Command } from 'commander';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('bring the database ($DATABASE_URL) up to the latest schema; serve does this too')
    .action(async () => {
      const { migrateToLatest } = await import('../../store/migrate.ts');
      const { withContext } = await import('../open-context.ts');
      const applied = await withContext(async (ctx) => (await migrateToLatest(ctx.store)).applied);
      // withContext already migrated; a second run reports nothing new, so say what is there.
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    });
}
