import { randomBytes } from 'node:crypto';
import { withClient } from './start-postgres.js';

export interface TestSchema {
  schema: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema named `<prefix>_<random>` so each test file works in isolation on a
 * shared server. The prefix is lower-cased and reduced to [a-z0-9_].
 */
export async function createTestSchema(
  connectionString: string,
  prefix: string,
): Promise<TestSchema> {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40) || 'test';
  const schema = `${clean}_${randomBytes(5).toString('hex')}`;
  await withClient(connectionString, (client) =>
    client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`),
  );
  let dropped = false;
  return {
    schema,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withClient(connectionString, (client) =>
        client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`),
      );
    },
  };
}
