import type { Command } from 'commander';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('migrate the database, then start the HTTP server (the API, /docs and the portals)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 8080)')
    .option('-H, --host <host>', 'address to listen on (default: $HOST or 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      // Loaded here, not at the top: the other commands should not pay for the whole server.
      const { configFromEnv } = await import('../../config.ts');
      const { createLogger } = await import('../../logger.ts');
      const { startServer } = await import('../../server.ts');
      const { redactUrl } = await import('../../store/database.ts');
      const config = configFromEnv({
        ...process.env,
        ...(options.port !== undefined && { PORT: options.port }),
        ...(options.host !== undefined && { HOST: options.host }),
      });
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger);
      logger.info({ url: server.url, database: redactUrl(config.databaseUrl) }, 'Licentia is listening');
      if (server.createdAdminKey) {
        // Printed, not logged: the secret must not end up in log files.
        process.stdout.write(
          `\nFirst start: an admin API key was created. It is shown this once; keep it safe:\n\n    ${server.createdAdminKey}\n\n` +
            `Try: curl -H "Authorization: Bearer ${server.createdAdminKey}" ${server.url}/api/v1/products\n\n`,
        );
      }
      let closing = false;
      const stop = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
        try {
          await server.close();
        } catch (error) {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        }
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
