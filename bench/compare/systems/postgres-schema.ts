import { dropSchemas, Probe, rowsWritten } from '../services/postgres.js';
import type { BenchEnv, SystemFactory, SystemRef } from './system.js';

/** `writes` and `dispose` of a system that keeps each run in its own PostgreSQL schema (`ref.schema`). */
export const schemaStorage: Pick<SystemFactory, 'writes' | 'dispose'> = {
  writes: (env, ref) => rowsWritten(env.postgresUrl, [ref['schema']!]),
  dispose: (env, ref) => dropSchemas(env.postgresUrl, [ref['schema']!]),
};

/** A run in its own PostgreSQL schema, watched through one benchmark-side connection. */
export abstract class SchemaRun {
  readonly ref: SystemRef;
  protected readonly probe: Probe;

  constructor(
    env: BenchEnv,
    protected readonly schema: string,
  ) {
    this.ref = { schema };
    this.probe = new Probe(env.postgresUrl);
  }
}
