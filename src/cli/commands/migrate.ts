import type { Command } from 'commander';
import { migrateToLatest } from '../../store/migrate.ts';
import { withContext } from '../open-context.ts';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('bring the database ($DATABASE_URL) up to the latest schema; serve does this too')
    .action(async () => {
      const applied = await withContext(async (ctx) => (await migrateToLatest(ctx.store)).applied);
      // withContext already migrated; a second run reports nothing new, so say what is there.
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    });
}
