import { type Command, Option } from 'commander';
import { type Role, roles, systemActor } from '../../domain/actors.ts';

export function apiKeyCommand(program: Command): void {
  const apiKey = program.command('api-key').description('manage API keys');
  apiKey
    .command('create')
    .description('create an API key and print its secret (shown once)')
    .addOption(new Option('-r, --role <role>', 'what the key may do').choices(roles).default('admin'))
    .option('-a, --account <accountId>', 'the account a partner or customer key acts for')
    .option('-n, --name <name>', 'a name to recognise the key by')
    .action(async (options: { role: Role; account?: string; name?: string }) => {
      const { createApiKey } = await import('../../services/api-keys/create-api-key.ts');
      const { withContext } = await import('../open-context.ts');
      const created = await withContext((ctx) =>
        createApiKey(ctx, systemActor, { role: options.role, accountId: options.account ?? null, name: options.name }),
      );
      process.stdout.write(`${created.secret}\n`);
      process.stderr.write(`created ${created.apiKey.role} key ${created.apiKey.id} (${created.apiKey.name})\n`);
    });
}
