import { createTracker, type Clock, type Tracker } from '@jobtrail/core';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { createTestSchema } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { runCli } from '../../src/index.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` prints. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs the CLI in this process with captured output and the given environment (none by default). */
export async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

export function connectionString(): string {
  return inject('pgConnectionString');
}

export interface CliDatabase {
  url: string;
  schema: string;
  /** `--database-url <url> --schema <schema>`: what every command of the test is given. */
  flags: string[];
  store: PostgresJobStore;
  /** Seeds jobs as an application would. */
  tracker: Tracker;
  /** A tracker whose clock is `ms` behind: jobs it finishes look that old (for prune). */
  trackerInThePast(ms: number): Tracker;
  drop(): Promise<void>;
}

/** A fresh schema, migrated by `jobtrail migrate` itself when `migrate` is true (the default). */
export async function createCliDatabase(prefix: string, options: { migrate?: boolean } = {}): Promise<CliDatabase> {
  const url = connectionString();
  const schema = await createTestSchema(url, prefix);
  const flags = ['--database-url', url, '--schema', schema.schema];
  if (options.migrate !== false) {
    const migrated = await run(['migrate', ...flags]);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  }
  const dataSource = new DataSource({ type: 'postgres', url, schema: schema.schema, poolSize: 4 });
  await dataSource.initialize();
  const store = new PostgresJobStore({ dataSource, listen: false });
  const trackers: Tracker[] = [];
  const trackerWith = (clock?: Clock) => {
    const tracker = createTracker({ store, recoverIntervalMs: false, ...(clock ? { clock } : {}) });
    trackers.push(tracker);
    return tracker;
  };
  return {
    url,
    schema: schema.schema,
    flags,
    store,
    tracker: trackerWith(),
    trackerInThePast: (ms) =>
      trackerWith({
        now: () => Date.now() - ms,
        setTimeout: (callback, delay) => setTimeout(callback, delay).unref(),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      }),
    drop: async () => {
      for (const tracker of trackers) await tracker.close();
      await store.close();
      await dataSource.destroy();
      await schema.drop();
    },
  };
}

/** An error with a code, as a failed HTTP call would throw. */
export function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Enqueues a job of `type` and fails its only attempt with `error`. */
export async function failedJob(tracker: Tracker, type: string, error: Error, options: { tenantId?: string; metadata?: Record<string, string> } = {}) {
  const job = await tracker.enqueue(type, { n: 1 }, { maxAttempts: 1, ...options });
  await tracker.start(job.id);
  return tracker.fail(job.id, error);
}

/** Enqueues a job of `type` and completes it. */
export async function completedJob(tracker: Tracker, type: string) {
  const job = await tracker.enqueue(type, { n: 1 });
  await tracker.start(job.id);
  return tracker.complete(job.id, { result: { ok: true } });
}
