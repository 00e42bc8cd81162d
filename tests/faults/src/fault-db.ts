import { createTestSchema, startPostgres, type RunningPostgres, type TestSchema } from '@jobtrail/testkit-postgres';
import { openStack, type FaultStack } from './fault-stack.js';
import { JobTable } from './job-table.js';
import { StoppablePostgres, withoutDatabaseUrl } from './stoppable-postgres.js';

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
  return openOn(own ? await withoutDatabaseUrl(() => startPostgres()) : await startPostgres(), prefix);
}

export interface StoppableFaultDb extends FaultDb {
  /** Stop it with `pgCtlStop('fast' | 'immediate')`, keep it down, `pgCtlStart()` it again. */
  server: StoppablePostgres;
}

/** Like `openFaultDb(prefix, { own: true })`, on a server the test stops and starts with pg_ctl. */
export async function openStoppableFaultDb(prefix: string): Promise<StoppableFaultDb> {
  return openOn(await StoppablePostgres.start(), prefix);
}

async function openOn<S extends RunningPostgres>(server: S, prefix: string): Promise<FaultDb & { server: S }> {
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
