import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOB_POLL_INTERVALS, type JobJson } from '@jobtrail/core/client';
import { setPageHidden, startFixture, type Fixture } from '../test/fixture.js';
import { JobtrailProvider } from './jobtrail-provider.js';
import { useJob, type UseJobOptions } from './use-job.js';

let f: Fixture;
beforeEach(async () => {
  f = await startFixture();
});
afterEach(async () => {
  cleanup();
  setPageHidden(false);
  await f.close();
});

function Progress({ id, label = 'job', ...options }: { id: string; label?: string } & UseJobOptions) {
  const { status, progress, stage, isTerminal, isLoading, error } = useJob(id, options);
  return (
    <p data-testid={label}>
      {isLoading ? 'loading' : `${status} ${Math.round(progress * 100)}% ${stage ?? '-'}${isTerminal ? ' done' : ''}`}
      {error ? ` error:${(error as { code?: string }).code}` : ''}
    </p>
  );
}

/** Calls the latest `onComplete` it was rendered with; each call records the render's `round`. */
function Tracked({ jobId, round, calls }: { jobId: string; round: number; calls: string[] }) {
  useJob(jobId, { onComplete: (done: JobJson) => calls.push(`${round}:${done.status}`) });
  return <span>{round}</span>;
}

function Idle({ jobId }: { jobId: string }) {
  const disabled = useJob(jobId, { enabled: false });
  const none = useJob(null);
  return <p data-testid="job">{`${disabled.isLoading} ${none.isLoading} ${String(disabled.job)}`}</p>;
}

const text = (label = 'job') => screen.getByTestId(label).textContent;
const path = (id: string) => `/api/jobs/${id}`;

/** Moves the client's poll clock on; React sees the answers once they arrive. */
async function tick(ms: number) {
  await act(() => f.clock.advance(ms));
}

async function nextPollScheduled() {
  await waitFor(() => expect(f.clock.pendingTimers()).toBe(1));
}

/** A started job drawn by one `<Progress>`, its first answer shown and the next poll scheduled. */
async function renderRunningJob() {
  const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
  await f.tracker.start(job.id);
  render(
    <JobtrailProvider client={f.client}>
      <Progress id={job.id} />
    </JobtrailProvider>,
  );
  await waitFor(() => expect(text()).toBe('running 0% -'));
  await nextPollScheduled();
  return job;
}

describe('useJob', () => {
  it('draws progress 0 → 1 as the server-side job advances, then stops polling', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const onComplete = vi.fn();
    render(
      <JobtrailProvider client={f.client}>
        <Progress id={job.id} onComplete={onComplete} />
      </JobtrailProvider>,
    );
    expect(text()).toBe('loading');
    await waitFor(() => expect(text()).toBe('queued 0% -'));

    await f.tracker.start(job.id);
    await nextPollScheduled();
    await tick(JOB_POLL_INTERVALS.queued);
    await waitFor(() => expect(text()).toBe('running 0% -'));

    for (const [fraction, stage] of [[0.2, 'Validating'], [0.4, 'Uploading'], [0.9, 'Storing']] as const) {
      f.tracker.progress(job.id, fraction, stage);
      await f.tracker.flush(job.id);
      await nextPollScheduled();
      await tick(JOB_POLL_INTERVALS.running);
      await waitFor(() => expect(text()).toBe(`running ${fraction * 100}% ${stage}`));
    }

    await f.tracker.complete(job.id);
    await nextPollScheduled();
    await tick(JOB_POLL_INTERVALS.running);
    await waitFor(() => expect(text()).toBe('completed 100% Storing done'));
    expect(onComplete).toHaveBeenCalledTimes(1);
    expect(onComplete.mock.calls[0]![0]).toMatchObject({ id: job.id, status: 'completed', progress: 1 });

    // Terminal: no poll scheduled, and the server sees no request however long the page stays open.
    await waitFor(() => expect(f.clock.pendingTimers()).toBe(0));
    const requests = f.hits(path(job.id));
    await tick(30 * 60_000);
    expect(f.hits(path(job.id))).toBe(requests);
    expect(onComplete).toHaveBeenCalledTimes(1);
  });

  it('makes one request per tick for two components on the same job', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    render(
      <JobtrailProvider client={f.client}>
        <Progress id={job.id} label="bar" />
        <Progress id={job.id} label="badge" />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('bar')).toBe('running 0% -'));
    expect(text('badge')).toBe('running 0% -');
    expect(f.hits(path(job.id))).toBe(1);
    for (let n = 2; n <= 4; n++) {
      f.tracker.progress(job.id, n / 10);
      await f.tracker.flush(job.id);
      await nextPollScheduled();
      await tick(JOB_POLL_INTERVALS.running);
      await waitFor(() => expect(text('badge')).toBe(`running ${n * 10}% -`));
      expect(text('bar')).toBe(`running ${n * 10}% -`);
      expect(f.hits(path(job.id))).toBe(n);
    }
  });

  it('makes one request on mount under StrictMode', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    render(
      <StrictMode>
        <JobtrailProvider client={f.client}>
          <Progress id={job.id} />
        </JobtrailProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(text()).toBe('queued 0% -'));
    await nextPollScheduled();
    expect(f.hits(path(job.id))).toBe(1);
  });

  it('draws a job seen before at once when remounted within the client’s gcTimeMs (5 min), and loads it afresh after', async () => {
    const job = await renderRunningJob();
    const drawJob = () =>
      render(
        <JobtrailProvider client={f.client}>
          <Progress id={job.id} />
        </JobtrailProvider>,
      );
    cleanup();
    expect(f.clock.pendingTimers()).toBe(1); // the poller's collection, no poll
    await tick(4 * 60_000);
    expect(f.hits(path(job.id))).toBe(1);

    drawJob();
    expect(text()).toBe('running 0% -'); // first render, before any answer
    await waitFor(() => expect(f.hits(path(job.id))).toBe(2)); // revalidated
    await nextPollScheduled();
    cleanup();

    await tick(5 * 60_000);
    expect(f.clock.pendingTimers()).toBe(0);
    drawJob();
    expect(text()).toBe('loading');
    await waitFor(() => expect(text()).toBe('running 0% -'));
    expect(f.hits(path(job.id))).toBe(3);
  });

  it('pauses while the page is hidden and refreshes when it shows again', async () => {
    const job = await renderRunningJob();

    act(() => setPageHidden(true));
    f.tracker.progress(job.id, 0.5);
    await f.tracker.flush(job.id);
    await tick(10 * 60_000);
    expect(f.hits(path(job.id))).toBe(1);
    expect(text()).toBe('running 0% -');

    act(() => setPageHidden(false));
    await waitFor(() => expect(text()).toBe('running 50% -'));
    expect(f.hits(path(job.id))).toBe(2);
  });

  it('calls the latest onComplete exactly once, across re-renders', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const calls: string[] = [];
    const view = render(
      <JobtrailProvider client={f.client}>
        <Tracked jobId={job.id} round={1} calls={calls} />
      </JobtrailProvider>,
    );
    await nextPollScheduled();
    view.rerender(
      <JobtrailProvider client={f.client}>
        <Tracked jobId={job.id} round={2} calls={calls} />
      </JobtrailProvider>,
    );
    await f.tracker.fail(job.id, new Error('boom'));
    await tick(JOB_POLL_INTERVALS.running);
    await waitFor(() => expect(f.hits(path(job.id))).toBe(2));
    await nextPollScheduled();
    // `fail` with attempts left is `retrying`, not terminal: nothing yet.
    expect(calls).toEqual([]);
    await f.tracker.start(job.id);
    await f.tracker.complete(job.id);
    await tick(JOB_POLL_INTERVALS.retrying);
    await waitFor(() => expect(calls).toEqual(['2:completed']));
    await tick(60_000);
    expect(calls).toEqual(['2:completed']);
  });

  it('backs off on errors, shows the error, keeps the job, and recovers', async () => {
    const job = await renderRunningJob();

    f.failWith.status = 503;
    let count = 1;
    for (const delay of [1000, 1000, 2000, 4000, 8000]) {
      await tick(delay - 1);
      expect(f.hits(path(job.id)), `not before ${delay} ms`).toBe(count);
      await tick(1);
      count++;
      await waitFor(() => expect(f.hits(path(job.id))).toBe(count));
      await nextPollScheduled();
    }
    expect(text()).toBe('running 0% - error:unavailable');

    f.failWith.status = null;
    await tick(16_000);
    await waitFor(() => expect(text()).toBe('running 0% -'));
  });

  it('does nothing when disabled or without an id', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    render(
      <JobtrailProvider client={f.client}>
        <Idle jobId={job.id} />
      </JobtrailProvider>,
    );
    await tick(60_000);
    expect(text()).toBe('false false undefined');
    expect(f.requests).toEqual([]);
  });

  it('renders the loading state on the server without fetching', () => {
    const html = renderToString(
      <JobtrailProvider baseUrl={`${f.url}/api`}>
        <Progress id="01900000-0000-7000-8000-000000000000" />
      </JobtrailProvider>,
    );
    expect(html).toContain('loading');
    expect(f.requests).toEqual([]);
  });

  it('explains a missing provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Progress id="x" />)).toThrow(/JobtrailProvider/);
    expect(() => render(<JobtrailProvider>{null}</JobtrailProvider>)).toThrow(/baseUrl/);
    vi.restoreAllMocks();
  });
});

describe("useJob over a stream (transport: 'auto')", () => {
  it('moves with every stored progress value without polling', async () => {
    await f.close();
    f = await startFixture({ transport: 'auto' });
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    render(
      <JobtrailProvider client={f.client}>
        <Progress id={job.id} />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text()).toBe('running 0% -'));
    for (const [value, stage] of [
      [0.3, 'Parsing rows'],
      [0.7, 'Storing rows'],
    ] as const) {
      f.tracker.progress(job.id, value, stage);
      await f.tracker.flush(job.id);
      await waitFor(() => expect(text()).toBe(`running ${Math.round(value * 100)}% ${stage}`));
    }
    await f.tracker.complete(job.id);
    await waitFor(() => expect(text()).toMatch(/^completed \d+% .* done$/));
    // The first read, and one when the stream went live; every value after came by the stream.
    expect(f.hits(path(job.id))).toBe(2);
  });
});
