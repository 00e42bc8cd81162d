import type { JobFilter } from '@jobtrail/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './support/cli-database.js';

// A bulk action that fails part-way needs no real outage: a stubbed session's tracker throws what
// core's BulkActionError carries (code, matched, changed, cause), recognised by its shape.
const stub = vi.hoisted(() => ({
  failure: null as unknown,
  calls: [] as { method: string; filter: unknown }[],
  closed: 0,
}));

vi.mock('../src/store-session.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/store-session.js')>();
  const act = (method: string) => async (filter: JobFilter) => {
    stub.calls.push({ method, filter });
    if (stub.failure !== null) throw stub.failure;
    return { matched: 3, changed: 3 };
  };
  return {
    ...original,
    openStore: async () => ({
      tracker: { retryMany: act('retryMany'), cancelMany: act('cancelMany') },
      migrate: async () => {
        throw new Error('not stubbed');
      },
      now: async () => Date.now(),
      close: async () => {
        stub.closed += 1;
      },
    }),
  };
});

function interruption(matched: number, changed: number, cause: unknown): Error {
  return Object.assign(new Error(`stopped after ${changed} of ${matched}`), { code: 'bulk_action_interrupted', matched, changed, cause });
}

const flags = ['--database-url', 'postgres://u:secret@127.0.0.1:1/app', '--type', 'partners.sync'];

beforeEach(() => {
  stub.failure = null;
  stub.calls = [];
  stub.closed = 0;
});

describe('a bulk action interrupted part-way', () => {
  it('retry: says how many of the matched jobs were retried and why it stopped, exit 1, nothing on stdout', async () => {
    stub.failure = interruption(5000, 1000, new Error('Connection terminated unexpectedly\n    at Client.end'));
    const result = await run(['retry', ...flags, '--status', 'failed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('jobtrail: retried 1000 of 5000 matched jobs before failing: Connection terminated unexpectedly; run the same command again to finish\n');
    expect(stub.calls).toEqual([{ method: 'retryMany', filter: { status: ['failed'], type: ['partners.sync'] } }]);
    expect(stub.closed).toBe(1);
  });

  it('cancel --json: prints matched, changed and interrupted on stdout as well, exit 1', async () => {
    stub.failure = interruption(40, 0, new Error('canceling statement due to statement timeout'));
    const result = await run(['cancel', ...flags, '--json']);
    expect(result.code).toBe(1);
    expect(result.json()).toEqual({
      dryRun: false,
      filter: { type: ['partners.sync'] },
      matched: 40,
      changed: 0,
      interrupted: true,
      error: 'canceling statement due to statement timeout',
    });
    expect(result.stderr).toBe('jobtrail: cancelled 0 of 40 matched jobs before failing: canceling statement due to statement timeout; run the same command again to finish\n');
  });

  it("without a cause, the error's own message is the reason", async () => {
    stub.failure = interruption(2, 1, undefined);
    const result = await run(['retry', ...flags]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe('jobtrail: retried 1 of 2 matched jobs before failing: stopped after 1 of 2; run the same command again to finish\n');
  });

  it('any other failure, or one only partly shaped like an interruption, is reported as before (exit 1)', async () => {
    stub.failure = Object.assign(new Error('deadlock detected'), { code: 'bulk_action_interrupted', matched: '5', changed: 1 });
    const result = await run(['retry', ...flags, '--json']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'jobtrail: deadlock detected\n' });
  });

  it('a run that completes still answers as before (exit 0)', async () => {
    const result = await run(['retry', ...flags, '--json']);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ dryRun: false, filter: { type: ['partners.sync'] }, matched: 3, changed: 3 });
  });
});
