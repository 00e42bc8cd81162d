import { backoff, createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { createFakeClock } from '@jobtrail/core/testing';
import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOtelHarness, deferred, type OtelHarness } from '../test/otel-harness.js';
import { instrument } from './instrument.js';
import { jobtrailTelemetry } from './jobtrail-telemetry.js';

const T0 = Date.UTC(2026, 0, 1);
const harnesses: OtelHarness[] = [];
afterEach(async () => {
  metrics.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

function harness(): OtelHarness {
  const otel = createOtelHarness();
  harnesses.push(otel);
  return otel;
}

describe('metrics', () => {
  it('counts sent and consumed messages, wait and process durations, and finished jobs by status and type', async () => {
    const otel = harness();
    const clock = createFakeClock(T0);
    const tracker = createTracker({ store: new MemoryJobStore(), clock, backoff: backoff.fixed(1000) });
    instrument(tracker, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
    await tracker.enqueue('emails.send', 1);
    await tracker.enqueue('emails.send', 2, { maxAttempts: 1 });
    await tracker.enqueue('reports.build', 3, { delayMs: 2000 });
    // The emails wait 5 s for a worker; the report was due after 2 s, so it waits 3 s.
    await clock.advance(5000);
    await createWorker({
      tracker,
      handlers: {
        'emails.send': (ctx) => {
          if (ctx.job.payload === 2) throw new Error('mailbox full');
        },
        'reports.build': () => 'ok',
      },
    }).runOnce();

    const system = { 'messaging.system': 'jobtrail' };
    expect(await otel.sum('messaging.client.sent.messages', { ...system, 'messaging.operation.name': 'send' })).toBe(3);
    expect(await otel.sum('messaging.client.consumed.messages', { 'messaging.destination.name': 'emails.send', 'messaging.operation.name': 'process' })).toBe(2);
    expect(await otel.sum('messaging.client.consumed.messages', { 'messaging.destination.name': 'reports.build' })).toBe(1);

    const [emailWait] = await otel.histogram('jobtrail.job.wait.duration', { 'messaging.destination.name': 'emails.send' });
    expect(emailWait?.value).toMatchObject({ count: 2, sum: 10, min: 5, max: 5 });
    const [reportWait] = await otel.histogram('jobtrail.job.wait.duration', { 'messaging.destination.name': 'reports.build' });
    expect(reportWait?.value).toMatchObject({ count: 1, sum: 3 });

    const failed = await otel.histogram('messaging.process.duration', {
      'messaging.destination.name': 'emails.send',
      'jobtrail.job.status': 'failed',
      'error.type': 'Error',
    });
    expect(failed.map((p) => p.value.count)).toEqual([1]);
    const completed = await otel.histogram('messaging.process.duration', { 'jobtrail.job.status': 'completed' });
    expect(completed.reduce((n, p) => n + p.value.count, 0)).toBe(2);
    expect((await otel.metric('messaging.process.duration'))?.descriptor.unit).toBe('s');

    expect(await otel.sum('jobtrail.jobs.finished', { 'messaging.destination.name': 'emails.send', 'jobtrail.job.status': 'completed' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.finished', { 'messaging.destination.name': 'emails.send', 'jobtrail.job.status': 'failed' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.finished', { 'messaging.destination.name': 'reports.build', 'jobtrail.job.status': 'completed' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.running')).toBe(0);
  });

  it('reaches a global meter provider registered after instrument()', async () => {
    const otel = harness();
    const tracker = createTracker({ store: new MemoryJobStore() });
    instrument(tracker, { tracerProvider: otel.tracerProvider });
    await tracker.track('early', () => 'before any SDK');
    metrics.setGlobalMeterProvider(otel.meterProvider);
    await tracker.track('late', () => 'after the SDK started');
    expect(await otel.sum('jobtrail.jobs.finished', { 'messaging.destination.name': 'late' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.finished', { 'messaging.destination.name': 'early' })).toBe(0);
  });
});

describe('running jobs gauge', () => {
  it('sums the attempts of every instrumented tracker in the process', async () => {
    const otel = harness();
    const release = deferred();
    const both = Promise.all(
      [1, 2].map(() => {
        const tracker = createTracker({ store: new MemoryJobStore() });
        instrument(tracker, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
        return tracker.track('long', () => release.promise);
      }),
    );
    await vi.waitFor(async () => expect(await otel.sum('jobtrail.jobs.running', { 'messaging.destination.name': 'long' })).toBe(2));
    release.resolve();
    await both;
    expect(await otel.sum('jobtrail.jobs.running', { 'messaging.destination.name': 'long' })).toBe(0);
  });
});

describe('without a tracing SDK', () => {
  it('steps aside when neither traces nor metrics are set up, and records metrics when only they are', async () => {
    const telemetry = jobtrailTelemetry();
    const tracker = createTracker({ store: new MemoryJobStore() });
    const job = await tracker.create('scan');
    expect(telemetry.onCreate?.(job)).toBeUndefined();
    expect(telemetry.onAttempt?.(job, { mode: 'queue' })).toBeUndefined();

    const otel = harness();
    metrics.setGlobalMeterProvider(otel.meterProvider);
    const attempt = telemetry.onAttempt?.(job, { mode: 'queue' });
    expect(attempt).toBeDefined();
    expect(attempt?.run(() => 'ran')).toBe('ran');
    attempt?.end({ status: 'completed', kind: 'completed', job });
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'completed' })).toBe(1);
    expect(await otel.sum('messaging.client.consumed.messages')).toBe(1);
  });
});
