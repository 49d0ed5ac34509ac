import pg from 'pg';
import { PG_URL, uniqueName } from './fixture';

/** A throw-away orders table for one test file, on the real Shop DB. */
export async function createOrdersTable(): Promise<{ table: string; drop: () => Promise<void>; query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult> }> {
  const table = uniqueName('test_orders');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`CREATE TABLE ${table} (id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, email text)`);
  return {
    table,
    query: (sql, params) => client.query(sql, params),
    drop: async () => {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    },
  };
}
