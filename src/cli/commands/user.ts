import { type Command, Option } from 'commander';
import type { Config } from '../../config.ts';
import { type Role, roles, systemActor } from '../../domain/actors.ts';

/** Links printed here are opened later in a browser, so they name where the server is reached. */
function baseUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  const host =
    config.host === '0.0.0.0' || config.host === '::'
      ? 'localhost'
      : config.host.includes(':')
        ? `[${config.host}]`
        : config.host;
  return `http://${host}:${config.port}`;
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function userCommand(program: Command): void {
  const user = program.command('user').description('manage portal users');
  user
    .command('create')
    .description('create a portal user and print a one-use sign-in link (valid 72 hours)')
    .option('--admin <email>', 'make a producer admin with this email (the first user of a new installation)')
    .option('-e, --email <email>', 'the email of the user')
    .addOption(new Option('-r, --role <role>', 'what the user may do').choices(roles))
    .option('-a, --account <accountId>', 'the account a partner or customer user acts for')
    .option('-n, --name <name>', 'the name shown in the portal (default: the part of the email before @)')
    .option('--password-stdin', 'read a password from standard input instead of printing a sign-in link')
    .addHelpText(
      'after',
      '\nExamples:\n  $ licentia user create --admin ada@producer.example\n  $ licentia user create --email sam@reseller.example --role partner --account acc_0193…',
    )
    .action(
      async (options: {
        admin?: string;
        email?: string;
        role?: Role;
        account?: string;
        name?: string;
        passwordStdin?: boolean;
      }) => {
        const email = options.admin ?? options.email;
        const role = options.admin ? 'admin' : options.role;
        if (!email || !role || (options.admin && (options.email || options.role))) {
          throw new Error('give either --admin EMAIL, or --email EMAIL with --role ROLE');
        }
        const password = options.passwordStdin ? await readPassword() : undefined;
        const { createUser } = await import('../../services/users/create-user.ts');
        const { createSignInLink } = await import('../../services/users/sign-in-links.ts');
        const { signInLinkUrl } = await import('../../interface/public-url.ts');
        const { withContext } = await import('../open-context.ts');
        await withContext(async (ctx) => {
          const made = await createUser(ctx, systemActor, {
            email,
            role,
            accountId: options.account ?? null,
            name: options.name ?? email.split('@')[0] ?? email,
            password,
          });
          process.stderr.write(`created ${made.role} user ${made.id} (${made.email})\n`);
          if (password !== undefined) return;
          const link = await createSignInLink(ctx, systemActor, made.id);
          process.stdout.write(`${signInLinkUrl(baseUrl(ctx.config), link.secret)}\n`);
          process.stderr.write(`open the link above to sign in (once, before ${link.expiresAt}) and set a password\n`);
        });
      },
    );

  user
    .command('sign-in-link')
    .description('print a new one-use sign-in link for an existing user (e.g. a forgotten password)')
    .argument('<email>', 'the email of the user')
    .action(async (email: string) => {
      const { listUsers } = await import('../../services/users/read-users.ts');
      const { createSignInLink } = await import('../../services/users/sign-in-links.ts');
      const { normalizeEmail } = await import('../../domain/users.ts');
      const { signInLinkUrl } = await import('../../interface/public-url.ts');
      const { withContext } = await import('../open-context.ts');
      await withContext(async (ctx) => {
        const wanted = normalizeEmail(email);
        const found = (await listUsers(ctx, systemActor, { email: wanted }, { limit: 1000 })).items.find(
          (u) => u.email === wanted,
        );
        if (!found) throw new Error(`there is no user with the email ${wanted}`);
        const link = await createSignInLink(ctx, systemActor, found.id);
        process.stdout.write(`${signInLinkUrl(baseUrl(ctx.config), link.secret)}\n`);
        process.stderr.write(`valid once, until ${link.expiresAt}\n`);
      });
    });
}
