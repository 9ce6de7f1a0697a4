import { Command, CommanderError } from 'commander';
import { AppError } from '../domain/errors.ts';
import { apiKeyCommand } from './commands/api-key.ts';
import { auditCommand } from './commands/audit.ts';
import { backupCommands } from './commands/backup.ts';
import { signingKeysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { offlineCommands } from './commands/offline.ts';
import { reportsCommand } from './commands/reports.ts';
import { serveCommand } from './commands/serve.ts';
import { userCommand } from './commands/user.ts';
import { verifyCommand } from './commands/verify.ts';

const program = new Command('licentia')
  .description('Licentia: entitlements, activation codes, web register keys and signed licences.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Environment:
  DATABASE_URL         sqlite:./data/licentia.db (default), sqlite::memory: or postgres://…
  PORT, HOST           where serve listens (default 8080, 127.0.0.1)
  LICENTIA_ADMIN_KEY   an admin API key that exists after start, for automation
  LICENTIA_ISSUER      the "iss" of licences (default licentia)
  LICENTIA_PUBLIC_URL  where people reach the server, for sign-in links (default http://HOST:PORT)
  LICENTIA_SECRET      seals the signing keys in the database (default: a key file beside it)

Examples:
  $ licentia serve
  $ DATABASE_URL=postgres://postgres@127.0.0.1/licentia licentia migrate
  $ licentia user create --admin ada@producer.example
  $ licentia api-key create --role partner --account acc_0193…
  $ licentia reports check
  $ licentia backup --to /var/backups/licentia-$(date +%F).db`,
  );

serveCommand(program);
migrateCommand(program);
apiKeyCommand(program);
userCommand(program);
signingKeysCommand(program);
auditCommand(program);
verifyCommand(program);
offlineCommands(program);
backupCommands(program);
reportsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const message = error instanceof AppError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`licentia: ${message}\n`);
  process.exit(1);
}
