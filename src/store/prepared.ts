import { type Compilable, CompiledQuery } from 'kysely';
import { type Db, type Store, storeOf } from './database.ts';

type Args = Record<string, string | number | null>;

/**
 * A query on the hot path of activation and validation, written once with the query builder and
 * compiled once per database, then run with new arguments. Building and compiling a query costs
 * more than running it on SQLite; so does Kysely's asynchronous executor, which this skips inside
 * a transaction (where the one SQLite connection is ours) by running the prepared statement
 * directly. Outside transactions it goes through Kysely, which guards the connection.
 */
export function preparedQuery<A extends Args, R>(
  names: readonly (keyof A & string)[],
  build: (db: Db, args: A) => Compilable<R>,
) {
  const compiled = new WeakMap<Store, { sql: string; order: (keyof A)[] }>();

  const compile = (store: Store) => {
    let entry = compiled.get(store);
    if (entry) return entry;
    // Each argument is replaced by a marker, to learn where it lands among the parameters.
    const markers = Object.fromEntries(names.map((name) => [name, `\u0000arg:${name}`])) as unknown as A;
    const query = build(store.db, markers).compile();
    const order = query.parameters.map((p) => {
      if (typeof p !== 'string' || !p.startsWith('\u0000arg:'))
        throw new Error(`prepared query with a constant parameter: ${query.sql}`);
      return p.slice('\u0000arg:'.length) as keyof A;
    });
    entry = { sql: query.sql, order };
    compiled.set(store, entry);
    return entry;
  };

  return {
    async all(db: Db, args: A): Promise<R[]> {
      const store = storeOf(db);
      const { sql, order } = compile(store);
      const parameters = order.map((name) => args[name]);
      if (store.sqlite && db.isTransaction) {
        const statement = store.cachedStatement(sql);
        if (statement.reader) return statement.all(...parameters) as R[];
        statement.run(...parameters);
        return [];
      }
      const result = await db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
      return result.rows;
    },
    async first(db: Db, args: A): Promise<R | undefined> {
      return (await this.all(db, args))[0];
    },
    /** For statements without rows: answers how many rows they changed. */
    async run(db: Db, args: A): Promise<number> {
      const store = storeOf(db);
      const { sql, order } = compile(store);
      const parameters = order.map((name) => args[name]);
      if (store.sqlite && db.isTransaction) return store.cachedStatement(sql).run(...parameters).changes;
      const result = await db.executeQuery(CompiledQuery.raw(sql, parameters));
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}
