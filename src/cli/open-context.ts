import { type Config, configFromEnv } from '../config.ts';
import { type ServiceContext, createServiceContext } from '../services/context.ts';
import { openStore } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';

/** A service context for one-off commands: the same database the server uses, migrated. */
export async function withContext<T>(
  work: (ctx: ServiceContext) => Promise<T>,
  config: Config = configFromEnv(),
): Promise<T> {
  const store = openStore({ url: config.databaseUrl, poolSize: 2 });
  try {
    await migrateToLatest(store);
    return await work(createServiceContext(store, config));
  } finally {
    await store.close();
  }
}
