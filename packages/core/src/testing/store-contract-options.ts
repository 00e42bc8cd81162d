import { afterAll, beforeAll, describe, expect } from 'vitest';
import { JobtrailError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { guardStore } from '../store/guarded-store.js';
import type { JobStore, StoreFilter } from '../store/job-store.js';

/** How a contract suite gets the store under test. */
export interface StoreContractOptions {
  /** Shown in the describe block: `jobtrail store contract (postgres)`. */
  name: string;
  /**
   * Called once per sub-suite (in `beforeAll`); every test of that sub-suite shares the store.
   * Tests never depend on each other's data — each one works under its own random types, tenants
   * and owners — so the store may also be backed by a database shared with other suites.
   */
  createStore: () => JobStore | Promise<JobStore>;
  /**
   * Called after the sub-suite, once its store has been closed: release whatever `createStore`
   * set up (drop a schema, close a connection). The store must not be used any more.
   */
  cleanup?: (store: JobStore) => void | Promise<void>;
}

/**
 * Wraps a sub-suite in a describe block that creates the store before its tests and closes it
 * after, so each sub-suite can also be run on its own. The tests get the store as every tracker
 * uses it, through `guardStore`; `cleanup` gets the store `createStore` made.
 */
export function describeWithStore(
  title: string,
  options: StoreContractOptions,
  body: (store: () => JobStore) => void,
): void {
  describe(title, () => {
    let current: JobStore | undefined;
    let created: JobStore | undefined;
    beforeAll(async () => {
      created = await options.createStore();
      current = guardStore(created);
    });
    afterAll(async () => {
      const store = current;
      const raw = created;
      current = undefined;
      created = undefined;
      if (store === undefined || raw === undefined) return;
      try {
        await store.close();
      } finally {
        await options.cleanup?.(raw);
      }
    });
    body(() => {
      if (current === undefined) throw new Error(`The ${options.name} store was not created (see createStore).`);
      return current;
    });
  });
}

/**
 * True for errors whose class derives from `JobtrailError`, from any copy of core: an adapter may
 * load core's CommonJS build while the suite runs from the ES module build (see
 * `JobtrailError.isInstance`).
 */
export function isJobtrailError(error: unknown): error is Error & { code: string } {
  return JobtrailError.isInstance(error) && typeof (error as { code?: unknown }).code === 'string';
}

/** Asserts that `action` fails (synchronously or by rejecting) with a JobtrailError of `code`. */
export async function expectJobtrailError(action: () => unknown, code: string): Promise<void> {
  let caught: unknown;
  let failed = false;
  try {
    await action();
  } catch (error) {
    caught = error;
    failed = true;
  }
  expect(failed, `expected a JobtrailError with code "${code}", but the call succeeded`).toBe(true);
  expect(isJobtrailError(caught), `expected a JobtrailError, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

/** Every row matching `filter`, following cursors to the end. */
export async function queryAll(store: JobStore, filter: StoreFilter, pageSize = 100): Promise<Job[]> {
  const rows: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.query({ ...filter, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    rows.push(...page.jobs);
    if (page.nextCursor === null) return rows;
    cursor = page.nextCursor;
  }
}

export function ids(jobs: readonly Job[]): string[] {
  return jobs.map((job) => job.id);
}

export function sortedIds(jobs: readonly Job[]): string[] {
  return ids(jobs).sort();
}

/** A Date `ms` after `base`. */
export function at(base: number, ms = 0): Date {
  return new Date(base + ms);
}
