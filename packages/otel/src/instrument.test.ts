import { createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { expectJobtrailError } from '@jobtrail/core/testing';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtelHarness, type OtelHarness } from '../test/otel-harness.js';
import { instrument } from './instrument.js';
import { jobtrailTelemetry } from './jobtrail-telemetry.js';

const harnesses: OtelHarness[] = [];
afterEach(async () => {
  trace.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

function harness(): OtelHarness {
  const otel = createOtelHarness();
  harnesses.push(otel);
  return otel;
}

describe('instrument()', () => {
  it('does nothing visible and breaks nothing while no SDK is registered', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const errors: unknown[] = [];
    tracker.on('error', (error) => errors.push(error));
    instrument(tracker);
    const job = await tracker.enqueue('scan', null);
    expect(job.trace).toBeNull();
    const summary = await createWorker({
      tracker,
      handlers: {
        scan: (ctx) => {
          ctx.progress(0.5, 'Half');
          return 'ok';
        },
      },
    }).runOnce();
    expect(summary).toMatchObject({ completed: 1 });
    await expect(tracker.track('inline', () => 'fine')).resolves.toBe('fine');
    await expect(tracker.track('inline', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(errors).toEqual([]);
  });

  it('uses the global tracer provider, even one registered after instrument()', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    instrument(tracker);
    await tracker.track('before', () => 1);
    const otel = harness();
    trace.setGlobalTracerProvider(otel.tracerProvider);
    await tracker.track('after', () => 1);
    expect(otel.spans().map((s) => s.name)).toEqual(['process after']);
  });

  it('replaces an earlier instrumentation of the same tracker and can be removed', async () => {
    const first = harness();
    const second = harness();
    const tracker = createTracker({ store: new MemoryJobStore() });
    const removeFirst = instrument(tracker, { tracerProvider: first.tracerProvider });
    const removeSecond = instrument(tracker, { tracerProvider: second.tracerProvider });
    await tracker.track('a', () => 1);
    expect(first.spans()).toEqual([]);
    expect(second.spans('process a')).toHaveLength(1);
    removeFirst(); // already replaced: must not remove the second
    await tracker.track('b', () => 1);
    expect(second.spans('process b')).toHaveLength(1);
    removeSecond();
    await tracker.track('c', () => 1);
    expect(second.spans('process c')).toEqual([]);
  });

  it('works as createTracker({ telemetry }) too', async () => {
    const otel = harness();
    const tracker = createTracker({ store: new MemoryJobStore(), telemetry: jobtrailTelemetry({ tracerProvider: otel.tracerProvider }) });
    const job = await tracker.enqueue('scan', null);
    expect(otel.span('send scan').attributes['messaging.message.id']).toBe(job.id);
  });

  it("names the schedule and tick on a scheduled job's send span", async () => {
    const otel = harness();
    const tracker = createTracker({ store: new MemoryJobStore(), telemetry: jobtrailTelemetry({ tracerProvider: otel.tracerProvider }) });
    await tracker.schedule('nightly', { type: 'report', every: '1h' });
    await tracker.fireDueSchedules();
    const [job] = (await tracker.list({ type: 'report' })).jobs;
    expect(otel.span('send report').attributes).toMatchObject({
      'messaging.message.id': job!.id,
      'jobtrail.schedule.name': 'nightly',
      'jobtrail.job.scheduled_for': job!.scheduledFor!.toISOString(),
    });
    await tracker.enqueue('plain', null);
    expect(otel.span('send plain').attributes['jobtrail.schedule.name']).toBeUndefined();
  });

  it("names a job's group on its send and process spans", async () => {
    const otel = harness();
    const tracker = createTracker({ store: new MemoryJobStore(), telemetry: jobtrailTelemetry({ tracerProvider: otel.tracerProvider }) });
    const job = await tracker.enqueue('sync', null, { group: 'account-42' });
    expect(otel.span('send sync').attributes).toMatchObject({ 'messaging.message.id': job.id, 'jobtrail.job.group': 'account-42' });
    await createWorker({ tracker, handlers: { sync: () => 'ok' } }).runOnce();
    expect(otel.span('process sync').attributes).toMatchObject({ 'messaging.message.id': job.id, 'jobtrail.job.group': 'account-42' });
    await tracker.enqueue('plain', null);
    expect(otel.span('send plain').attributes['jobtrail.job.group']).toBeUndefined();
  });

  it('rejects what is not a tracker and bad options with invalid_input', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    await expectJobtrailError(() => instrument({} as never), 'invalid_input');
    await expectJobtrailError(() => instrument(null as never), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { parentMode: 'child' as never }), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { progressEventIntervalMs: -1 }), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { progressEventIntervalMs: Number.NaN }), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { tracerProvider: {} as never }), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { meterProvider: 'prom' as never }), 'invalid_input');
    await expectJobtrailError(() => instrument(tracker, { parentmode: 'link' } as never), 'invalid_input');
    await expectJobtrailError(() => jobtrailTelemetry('link' as never), 'invalid_input');
    expect(() => instrument(tracker, { parentMode: 'child' as never })).toThrow(/parentMode: must be "link" or "parent"/);
  });

  it('never lets a broken tracer or meter provider break the work', async () => {
    const explode = () => {
      throw new Error('provider exploded');
    };
    const tracker = createTracker({ store: new MemoryJobStore() });
    instrument(tracker, { tracerProvider: { getTracer: explode }, meterProvider: { getMeter: explode } });
    const job = await tracker.enqueue('scan', null);
    expect(job.status).toBe('queued');
    await expect(tracker.track('inline', () => 'still fine')).resolves.toBe('still fine');
    expect((await createWorker({ tracker, handlers: { scan: () => 'ok' } }).runOnce()).completed).toBe(1);
  });
});
