import { createTestSchema, startPostgres, type RunningPostgres, type TestSchema } from '@jobtrail/testkit-postgres';
import { openStack, type FaultStack } from './fault-stack.js';
import { JobTable } from './job-table.js';

export interface FaultDb {
  server: RunningPostgres;
  schema: TestSchema;
  /** A direct (un-faulted) stack: enqueues jobs and migrated the table. */
  producer: FaultStack;
  table: JobTable;
  close(): Promise<void>;
}

/**
 * A PostgreSQL server (DATABASE_URL when set, unless `own`), a fresh schema and the migrated
 * job table. `own: true` always starts an embedded server, for tests that restart it.
 */
export async function openFaultDb(prefix: string, { own = false }: { own?: boolean } = {}): Promise<FaultDb> {
  const saved = process.env['DATABASE_URL'];
  if (own) delete process.env['DATABASE_URL'];
  let server: RunningPostgres;
  try {
    server = await startPostgres();
  } finally {
    if (own && saved !== undefined) process.env['DATABASE_URL'] = saved;
  }
  const schema = await createTestSchema(server.connectionString, prefix);
  const producer = await openStack({ url: server.connectionString, schema: schema.schema });
  await producer.store.migrate();
  const table = new JobTable(server.connectionString, schema.schema);
  return {
    server,
    schema,
    producer,
    table,
    close: async () => {
      await producer.close();
      await table.close();
      await schema.drop().catch(() => {});
      await server.stop();
    },
  };
}

/** Enqueues jobs numbered 0..count-1 (payload `{ n }`) in concurrent chunks. */
export async function enqueueNumbered(stack: FaultStack, type: string, count: number, from = 0): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    await Promise.all(Array.from({ length: size }, (_, k) => stack.tracker.enqueue(type, { n: from + start + k })));
  }
}
