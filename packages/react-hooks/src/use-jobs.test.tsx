import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIST_POLL_INTERVALS } from '@jobtrail/core/client';
import { startFixture, type Fixture } from '../test/fixture.js';
import type { JobsClient } from '@jobtrail/core/client';
import { JobtrailProvider, useJobsClient } from './jobtrail-provider.js';
import { useJob } from './use-job.js';
import { useJobActions } from './use-job-actions.js';
import { useActiveJobs, useJobs, useJobStats } from './use-jobs.js';

let f: Fixture;
beforeEach(async () => {
  f = await startFixture();
});
afterEach(async () => {
  cleanup();
  await f.close();
});

const text = (id: string) => screen.getByTestId(id).textContent;

function Dashboard({ type }: { type?: string }) {
  const list = useJobs({ ...(type ? { type } : {}), limit: 2 });
  const active = useActiveJobs();
  const { stats } = useJobStats();
  return (
    <>
      <p data-testid="list">{list.isLoading ? 'loading' : `${list.jobs.map((job) => job.type).join(',')} next:${list.nextCursor ? 'yes' : 'no'}`}</p>
      <p data-testid="active">{`${active.runningCount} running, ${active.activeCount} active`}</p>
      <p data-testid="stats">{stats ? `${stats.total} total, ${stats.byStatus.completed} completed` : '…'}</p>
    </>
  );
}

describe('useJobs, useActiveJobs, useJobStats', () => {
  it('show the caller’s jobs, the running-jobs widget and the stats, live', async () => {
    const upload = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(upload.id);
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-a' });
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-a' });
    await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    const view = render(
      <JobtrailProvider client={f.client}>
        <Dashboard />
      </JobtrailProvider>,
    );
    await waitFor(() => {
      expect(text('list')).toBe('places.deepScan,places.deepScan next:yes');
      expect(text('active')).toBe('1 running, 3 active');
      expect(text('stats')).toBe('3 total, 0 completed');
    });

    await f.tracker.complete(upload.id);
    await act(() => f.clock.advance(LIST_POLL_INTERVALS.stats));
    await waitFor(() => {
      expect(text('active')).toBe('0 running, 2 active');
      expect(text('stats')).toBe('3 total, 1 completed');
    });

    // A new filter is a new resource; the old one's poller stops.
    view.rerender(
      <JobtrailProvider client={f.client}>
        <Dashboard type="imports.upload" />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('list')).toBe('imports.upload next:no'));
    const unfiltered = f.hits('/api/jobs?limit=2');
    await act(() => f.clock.advance(LIST_POLL_INTERVALS.jobs * 3));
    expect(f.hits('/api/jobs?limit=2')).toBe(unfiltered);
  });
});

function Row({ id }: { id: string }) {
  const { status } = useJob(id);
  const actions = useJobActions();
  return (
    <>
      <p data-testid="row">{`${status ?? '…'}${actions.isPendingFor(id) ? ' pending' : ''}${actions.error ? ` ${(actions.error as { code?: string }).code}` : ''}`}</p>
      <button type="button" onClick={() => void actions.cancel(id)}>Cancel</button>
      <button type="button" onClick={() => void actions.retry(id)}>Retry</button>
      <button type="button" onClick={() => void actions.runNow(id)}>Run now</button>
    </>
  );
}

describe('useJobActions', () => {

  it('cancels and retries with pending state, and the row updates at once', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    render(
      <JobtrailProvider client={f.client}>
        <Row id={job.id} />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('row')).toBe('queued'));

    fireEvent.click(screen.getByText('Cancel'));
    expect(text('row')).toBe('queued pending');
    await waitFor(() => expect(text('row')).toBe('cancelled'));
    expect((await f.tracker.get(job.id))!.status).toBe('cancelled');

    fireEvent.click(screen.getByText('Cancel'));
    await waitFor(() => expect(text('row')).toBe('cancelled invalid_transition'));

    fireEvent.click(screen.getByText('Retry'));
    await waitFor(() => expect(text('row')).toBe('queued'));
  });

  it('runs a delayed job now, and reports a refusal for a finished one', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', delayMs: 3_600_000 });
    render(
      <JobtrailProvider client={f.client}>
        <Row id={job.id} />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('row')).toBe('queued'));
    fireEvent.click(screen.getByText('Run now'));
    await waitFor(() => expect(text('row')).toBe('queued'));
    await waitFor(async () => expect((await f.tracker.get(job.id))!.runAt.getTime()).toBeLessThan(job.runAt.getTime()));
    fireEvent.click(screen.getByText('Cancel'));
    await waitFor(() => expect(text('row')).toBe('cancelled'));
    fireEvent.click(screen.getByText('Run now'));
    await waitFor(() => expect(text('row')).toBe('cancelled invalid_transition'));
  });

  it('cannot touch another tenant’s job', async () => {
    const foreign = await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    render(
      <JobtrailProvider client={f.client}>
        <Row id={foreign.id} />
      </JobtrailProvider>,
    );
    fireEvent.click(screen.getByText('Cancel'));
    await waitFor(() => expect(text('row')).toBe('… job_not_found'));
    expect((await f.tracker.get(foreign.id))!.status).toBe('queued');
  });
});

function CountOrError() {
  const { stats, error } = useJobStats();
  return <p data-testid="count">{stats ? String(stats.total) : error ? (error as { code?: string }).code : '…'}</p>;
}

function Count() {
  const { stats } = useJobStats();
  return <p data-testid="count">{stats ? String(stats.total) : '…'}</p>;
}

/** Renders `<Count />` and hands the context's client to `onClient` on every render. */
function CapturingCount({ onClient }: { onClient: (client: JobsClient) => void }) {
  onClient(useJobsClient());
  return <Count />;
}

/** A provider whose headers function is new on every render and reads the current `tenant`. */
function TenantApp({ baseUrl, tenant, onClient }: { baseUrl: string; tenant: string; onClient: (client: JobsClient) => void }) {
  return (
    <JobtrailProvider baseUrl={baseUrl} headers={() => ({ 'x-tenant': tenant })}>
      <CapturingCount onClient={onClient} />
    </JobtrailProvider>
  );
}

describe('JobtrailProvider', () => {
  it('makes its own client from baseUrl and headers', async () => {
    await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    render(
      <JobtrailProvider baseUrl={`${f.url}/api`} headers={{ 'x-tenant': 'tenant-b' }}>
        <CountOrError />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('count')).toBe('1'));
    cleanup();
    render(
      <JobtrailProvider baseUrl={`${f.url}/api`}>
        <CountOrError />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('count')).toBe('unauthorized'));
  });

  it('switches tenant when header values change, and calls the latest headers function', async () => {
    await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    const view = render(
      <JobtrailProvider baseUrl={`${f.url}/api`} headers={{ 'x-tenant': 'tenant-a' }}>
        <Count />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('count')).toBe('1'));
    view.rerender(
      <JobtrailProvider baseUrl={`${f.url}/api`} headers={{ 'x-tenant': 'tenant-b' }}>
        <Count />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('count')).toBe('2'));
    cleanup();

    let captured: JobsClient | undefined;
    const capture = (client: JobsClient) => {
      captured = client;
    };
    const second = render(<TenantApp baseUrl={`${f.url}/api`} tenant="tenant-a" onClient={capture} />);
    await waitFor(() => expect(text('count')).toBe('1'));
    const first = captured;
    second.rerender(<TenantApp baseUrl={`${f.url}/api`} tenant="tenant-b" onClient={capture} />);
    expect(captured).toBe(first); // a new function is not a new client
    // The next request carries the new function's header.
    await act(() => captured!.refresh());
    await waitFor(() => expect(text('count')).toBe('2'));
  });
});
