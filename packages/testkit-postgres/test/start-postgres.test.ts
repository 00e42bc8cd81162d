import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestSchema, startPostgres, withClient } from '../src/index.js';

async function queryOne<T>(connectionString: string, sql: string): Promise<T> {
  return withClient(connectionString, async (client) => (await client.query(sql)).rows[0] as T);
}

describe('startPostgres', () => {
  it('starts two servers at once on distinct ports, with fsync on', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.connectionString).not.toBe(b.connectionString);
      const fsync = await queryOne<{ fsync: string }>(a.connectionString, 'SHOW fsync');
      expect(fsync.fsync).toBe('on');
      const one = await queryOne<{ one: number }>(b.connectionString, 'SELECT 1 AS one');
      expect(one.one).toBe(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('keeps data across restart and removes a temp data dir on stop unless persistent', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'jobtrail-testkit-'));
    const dataDir = join(parent, 'data');
    const server = await startPostgres({ dataDir, persistent: true });
    try {
      if (server.external) return;
      await queryOne(server.connectionString, 'CREATE TABLE kept (n int)');
      await queryOne(server.connectionString, 'INSERT INTO kept VALUES (7)');
      await server.restart();
      const row = await queryOne<{ n: number }>(server.connectionString, 'SELECT n FROM kept');
      expect(row.n).toBe(7);
      await server.stop();
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    } finally {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('createTestSchema', () => {
  it('creates an isolated schema and drops it', async () => {
    const server = await startPostgres();
    try {
      const schema = await createTestSchema(server.connectionString, 'My-Test');
      expect(schema.schema).toMatch(/^my_test_[0-9a-f]{10}$/);
      const found = await queryOne<{ count: string }>(
        server.connectionString,
        `SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${schema.schema}'`,
      );
      expect(found.count).toBe('1');
      await schema.drop();
      const gone = await queryOne<{ count: string }>(
        server.connectionString,
        `SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${schema.schema}'`,
      );
      expect(gone.count).toBe('0');
    } finally {
      await server.stop();
    }
  });
});
