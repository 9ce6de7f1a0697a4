import type { Command } from 'commander';

export function signingKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage the keys licences are signed with');
  keys
    .command('rotate')
    .description('sign new licences with a new key; old public keys stay in the JWKS so issued licences still verify')
    .action(async () => {
      const { rotateSigningKey } = await import('../../services/signing-keys/ensure-signing-key.ts');
      const { withContext } = await import('../open-context.ts');
      const { kid } = await withContext((ctx) => rotateSigningKey(ctx));
      process.stdout.write(`new signing key ${kid}; running servers sign with it within a minute\n`);
    });
}
