import type { Command } from 'commander';

export function backupCommands(program: Command): void {
  program
    .command('backup')
    .description('back up the database ($DATABASE_URL) to a new file while servers keep running')
    .requiredOption('--to <file>', 'the backup file to write (must not exist)')
    .action(async (options: { to: string }) => {
      const { configFromEnv } = await import('../../config.ts');
      const { backupDatabase } = await import('../../store/backup.ts');
      backupDatabase(configFromEnv().databaseUrl, options.to);
      process.stdout.write(`backed up to ${options.to}\n`);
    });
  program
    .command('restore')
    .description('restore a backup into a new database ($DATABASE_URL), then bring it up to date')
    .requiredOption('--from <file>', 'a file written by licentia backup')
    .action(async (options: { from: string }) => {
      const { configFromEnv } = await import('../../config.ts');
      const { restoreDatabase } = await import('../../store/backup.ts');
      const { migrateToLatest } = await import('../../store/migrate.ts');
      const { openStore } = await import('../../store/database.ts');
      const config = configFromEnv();
      restoreDatabase(config.databaseUrl, options.from);
      // A backup of an older version is brought up to this one's schema.
      const store = openStore({ url: config.databaseUrl, poolSize: 1 });
      try {
        await migrateToLatest(store);
      } finally {
        await store.close();
      }
      process.stdout.write(`restored from ${options.from}\n`);
    });
}
