import { backoff, createTracker, createWorker, FatalJobError, MemoryJobStore, type Tracker } from '@jobtrail/core';
import { createFakeClock } from '@jobtrail/core/testing';
import { SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOtelHarness, deferred, useAsyncContext, type OtelHarness } from '../test/otel-harness.js';
import { instrument } from './instrument.js';
import type { JobtrailOtelOptions } from './options.js';
import { parseTraceparent } from './traceparent.js';

const T0 = Date.UTC(2026, 0, 1);
let stopContext: () => void;
beforeAll(() => (stopContext = useAsyncContext()));
afterAll(() => stopContext());

const harnesses: OtelHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

function setup(options: Omit<JobtrailOtelOptions, 'tracerProvider' | 'meterProvider'> = {}, store = new MemoryJobStore()) {
  const otel = createOtelHarness();
  harnesses.push(otel);
  const clock = createFakeClock(T0);
  const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000) });
  instrument(tracker, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...options });
  return { otel, clock, store, tracker, caller: otel.tracerProvider.getTracer('app') };
}

function worker(tracker: Tracker, handlers: Parameters<typeof createWorker>[0]['handlers']) {
  return createWorker({ tracker, handlers, pollIntervalMs: 100 });
}

const ctxOf = (span: ReadableSpan): SpanContext => span.spanContext();
const parentIdOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const eventNames = (span: ReadableSpan): string[] => span.events.map((e) => e.name);

describe('enqueue', () => {
  it('makes a PRODUCER send span under the caller and stores its traceparent in job.trace', async () => {
    const { otel, tracker, caller } = setup();
    const job = await caller.startActiveSpan('POST /places', async (request) => {
      try {
        return await tracker.enqueue('places.deepScan', { placeId: 'p1' });
      } finally {
        request.end();
      }
    });
    const send = otel.span('send places.deepScan');
    const request = otel.span('POST /places');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toEqual({
      'messaging.system': 'jobtrail',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'places.deepScan',
      'messaging.message.id': job.id,
    });
    expect(parentIdOf(send)).toBe(ctxOf(request).spanId);
    expect(ctxOf(send).traceId).toBe(ctxOf(request).traceId);
    expect(job.trace).toBe(`00-${ctxOf(send).traceId}-${ctxOf(send).spanId}-01`);
    expect((await tracker.get(job.id))?.trace).toBe(job.trace);
    expect(send.status.code).toBe(SpanStatusCode.UNSET);
    expect(await otel.sum('messaging.client.sent.messages', { 'messaging.destination.name': 'places.deepScan' })).toBe(1);
  });

  it('marks a deduplicated enqueue and does not count it as sent', async () => {
    const { otel, tracker } = setup();
    const first = await tracker.enqueue('scan', 1, { key: 'k1' });
    const again = await tracker.enqueue('scan', 1, { key: 'k1' });
    expect(again.id).toBe(first.id);
    const [, dedupe] = otel.spans('send scan');
    expect(dedupe?.attributes).toMatchObject({ 'messaging.message.id': first.id, 'jobtrail.job.deduplicated': true });
    expect(await otel.sum('messaging.client.sent.messages')).toBe(1);
  });

  it('records a failed insert as an error span and a sent message with error.type', async () => {
    // A store over a network whose driver fails (it does not claim `mapsErrors`, as the memory store does).
    const store = Object.assign(Object.create(new MemoryJobStore()) as MemoryJobStore, {
      insert: async () => {
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
    });
    const { otel, tracker } = setup({}, store);
    await expect(tracker.enqueue('scan', 1)).rejects.toThrow('connection refused');
    const send = otel.span('send scan');
    // The caller gets core's StoreError (the store wrapper maps what a store throws); error.type is the driver's code.
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'The job store MemoryJobStore "memory" failed in insert: Error: connection refused' });
    expect(send.attributes['error.type']).toBe('ECONNREFUSED');
    expect(eventNames(send)).toEqual(['exception']);
    expect(await otel.sum('messaging.client.sent.messages', { 'error.type': 'ECONNREFUSED' })).toBe(1);
  });
});

describe('worker attempts', () => {
  it('runs each attempt in a CONSUMER process span linked to the send span, with handler work nested', async () => {
    const { otel, tracker, caller } = setup();
    const job = await tracker.enqueue('places.deepScan', { placeId: 'p1' });
    await worker(tracker, {
      'places.deepScan': async () => {
        await caller.startActiveSpan('GET places.example', async (http) => {
          await new Promise((resolve) => setImmediate(resolve));
          http.end();
        });
        return { saved: true };
      },
    }).runOnce();

    const send = otel.span('send places.deepScan');
    const process = otel.span('process places.deepScan');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toEqual({
      'messaging.system': 'jobtrail',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'places.deepScan',
      'messaging.message.id': job.id,
      'jobtrail.job.attempt': 1,
      'jobtrail.job.max_attempts': 3,
      'jobtrail.job.status': 'completed',
    });
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
    // link mode: a trace of its own, linked to where the job was created
    expect(parentIdOf(process)).toBeUndefined();
    expect(ctxOf(process).traceId).not.toBe(ctxOf(send).traceId);
    expect(process.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[ctxOf(send).traceId, ctxOf(send).spanId]]);
    const http = otel.span('GET places.example');
    expect(parentIdOf(http)).toBe(ctxOf(process).spanId);
    expect(ctxOf(http).traceId).toBe(ctxOf(process).traceId);
  });

  it('makes the process span a child of the send span in parent mode', async () => {
    const { otel, tracker } = setup({ parentMode: 'parent' });
    await tracker.enqueue('scan', null);
    await worker(tracker, { scan: () => 'ok' }).runOnce();
    const send = otel.span('send scan');
    const process = otel.span('process scan');
    expect(parentIdOf(process)).toBe(ctxOf(send).spanId);
    expect(ctxOf(process).traceId).toBe(ctxOf(send).traceId);
    expect(process.links).toEqual([]);
  });

  it('shows a retry: an error span with the retry time, then attempt 2 linked to the same send span', async () => {
    const { otel, tracker, clock } = setup();
    const job = await tracker.enqueue('flaky', null);
    const w = worker(tracker, {
      flaky: (ctx) => {
        if (ctx.attempt === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'ok';
      },
    });
    await w.runOnce();
    await clock.advance(1000);
    await w.runOnce();

    const [first, second] = otel.spans('process flaky');
    expect(first?.attributes).toMatchObject({
      'jobtrail.job.attempt': 1,
      'jobtrail.job.status': 'retrying',
      'jobtrail.job.retry_at': new Date(T0 + 1000).toISOString(),
      'error.type': 'ECONNRESET',
    });
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'socket hang up' });
    expect(first?.events[0]?.attributes).toMatchObject({ 'exception.message': 'socket hang up' });
    expect(second?.attributes).toMatchObject({ 'jobtrail.job.attempt': 2, 'jobtrail.job.status': 'completed' });
    expect(second?.attributes['error.type']).toBeUndefined();
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);
    const sendId = ctxOf(otel.span('send flaky')).spanId;
    expect([first, second].map((s) => s?.links[0]?.context.spanId)).toEqual([sendId, sendId]);
    expect((await tracker.get(job.id))?.status).toBe('completed');
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'completed' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'retrying' })).toBe(0);
  });

  it('fails fatally with status ERROR, error.type and the exception', async () => {
    const { otel, tracker } = setup();
    await tracker.enqueue('lookup', null);
    await worker(tracker, {
      lookup: () => {
        throw new FatalJobError('No place p-404', { code: 'place_not_found' });
      },
    }).runOnce();
    const process = otel.span('process lookup');
    expect(process.attributes).toMatchObject({ 'jobtrail.job.status': 'failed', 'error.type': 'place_not_found' });
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'No place p-404' });
    expect(process.events[0]?.attributes).toMatchObject({ 'exception.type': 'place_not_found', 'exception.message': 'No place p-404' });
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'failed', 'messaging.destination.name': 'lookup' })).toBe(1);
  });

  it('ends a skipped job without error', async () => {
    const { otel, tracker } = setup();
    await tracker.enqueue('score', null);
    await worker(tracker, { score: (ctx) => ctx.skip('No leads to score') }).runOnce();
    const process = otel.span('process score');
    expect(process.attributes['jobtrail.job.status']).toBe('skipped');
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'skipped' })).toBe(1);
  });

  it('ends a cancelled job as cancelled, without an error or exception', async () => {
    const { otel, tracker } = setup();
    const job = await tracker.enqueue('long', null);
    const started = deferred();
    const run = worker(tracker, {
      long: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          started.resolve();
        }),
    }).runOnce();
    await started.promise;
    expect(await otel.sum('jobtrail.jobs.running', { 'messaging.destination.name': 'long' })).toBe(1);
    await tracker.cancel(job.id);
    await run;
    const process = otel.span('process long');
    expect(process.attributes['jobtrail.job.status']).toBe('cancelled');
    expect(process.attributes['error.type']).toBeUndefined();
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
    expect(eventNames(process)).toEqual([]);
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'cancelled' })).toBe(1);
    expect(await otel.sum('jobtrail.jobs.running', { 'messaging.destination.name': 'long' })).toBe(0);
  });

  it('records a recover span for a crashed worker, then the next attempt', async () => {
    const { otel, tracker, store, clock } = setup();
    const job = await tracker.enqueue('scan', null);
    await store.claim({ owner: 'crashed', now: new Date(clock.now()), leaseExpiresAt: new Date(clock.now() + 2000), limits: { scan: 1 }, limit: 1 });
    await clock.advance(2500);
    expect((await tracker.recoverExpired()).map((j) => j.status)).toEqual(['retrying']);
    await clock.advance(1000);
    await worker(tracker, { scan: () => 'ok' }).runOnce();

    const recover = otel.span('recover scan');
    expect(recover.kind).toBe(SpanKind.INTERNAL);
    expect(recover.attributes).toMatchObject({
      'messaging.system': 'jobtrail',
      'messaging.destination.name': 'scan',
      'messaging.message.id': job.id,
      'jobtrail.job.attempt': 1,
      'jobtrail.job.status': 'retrying',
      'error.type': 'lease_expired',
    });
    expect(recover.status.code).toBe(SpanStatusCode.ERROR);
    expect(recover.status.message).toMatch(/lease held by crashed expired/);
    const sendId = ctxOf(otel.span('send scan')).spanId;
    expect(recover.links[0]?.context.spanId).toBe(sendId);
    const process = otel.span('process scan');
    expect(process.attributes).toMatchObject({ 'jobtrail.job.attempt': 2, 'jobtrail.job.status': 'completed' });
    expect(process.links[0]?.context.spanId).toBe(sendId);
  });

  it('counts a job that recovery fails for good as finished', async () => {
    const { otel, tracker, store, clock } = setup();
    await tracker.enqueue('scan', null, { maxAttempts: 1 });
    await store.claim({ owner: 'crashed', now: new Date(clock.now()), leaseExpiresAt: new Date(clock.now() + 100), limits: { scan: 1 }, limit: 1 });
    await clock.advance(200);
    await tracker.recoverExpired();
    expect(otel.span('recover scan').attributes['jobtrail.job.status']).toBe('failed');
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'failed' })).toBe(1);
  });
});

describe('progress', () => {
  it('turns a tight loop of progress calls into a few span events, the latest always recorded', async () => {
    const { otel, tracker } = setup({ progressEventIntervalMs: 60_000 });
    await tracker.enqueue('import', null);
    await worker(tracker, {
      import: (ctx) => {
        for (let i = 1; i <= 1000; i++) ctx.progress(i / 1000, i < 1000 ? 'Parsing rows' : 'Saving');
      },
    }).runOnce();
    const process = otel.span('process import');
    expect(process.events.map((e) => e.attributes)).toEqual([
      { 'jobtrail.job.progress': 0.001, 'jobtrail.job.stage': 'Parsing rows' },
      { 'jobtrail.job.progress': 1, 'jobtrail.job.stage': 'Saving' },
    ]);
    expect(eventNames(process)).toEqual(['jobtrail.job.progress', 'jobtrail.job.progress']);
  });

  it('records every update with a zero interval', async () => {
    const { otel, tracker } = setup({ progressEventIntervalMs: 0 });
    await tracker.track('import', (ctx) => {
      ctx.progress(0.25);
      ctx.progress(0.5, 'Halfway');
    });
    expect(otel.span('process import').events.map((e) => e.attributes)).toEqual([
      { 'jobtrail.job.progress': 0.25 },
      { 'jobtrail.job.progress': 0.5, 'jobtrail.job.stage': 'Halfway' },
    ]);
  });
});

describe('track()', () => {
  it('makes one span per tracked job in the caller context and stores the caller as the creation context', async () => {
    const { otel, tracker, caller } = setup();
    let jobTrace: string | null = null;
    await caller.startActiveSpan('POST /upload', async (request) => {
      await tracker.track('imports.upload', async (ctx) => {
        jobTrace = ctx.job.trace;
        await caller.startActiveSpan('s3.put', async (put) => put.end());
      });
      request.end();
    });
    const request = otel.span('POST /upload');
    const process = otel.span('process imports.upload');
    expect(otel.spans('send imports.upload')).toEqual([]);
    expect(process.kind).toBe(SpanKind.INTERNAL);
    expect(parentIdOf(process)).toBe(ctxOf(request).spanId);
    expect(process.attributes).toMatchObject({ 'jobtrail.job.attempt': 1, 'jobtrail.job.status': 'completed' });
    expect(parentIdOf(otel.span('s3.put'))).toBe(ctxOf(process).spanId);
    expect(parseTraceparent(jobTrace)).toMatchObject({ traceId: ctxOf(request).traceId, spanId: ctxOf(request).spanId });
    expect(await otel.sum('jobtrail.jobs.finished', { 'jobtrail.job.status': 'completed' })).toBe(1);
    // track() jobs are not messages: nothing was sent or consumed
    expect(await otel.sum('messaging.client.consumed.messages')).toBe(0);
    expect((await otel.histogram('messaging.process.duration', { 'messaging.destination.name': 'imports.upload' }))[0]?.value.count).toBe(1);
  });

  it('records the thrown error and still rethrows it', async () => {
    const { otel, tracker } = setup();
    await expect(
      tracker.track('imports.upload', () => {
        throw new TypeError('bad row');
      }),
    ).rejects.toThrow('bad row');
    const process = otel.span('process imports.upload');
    expect(process.attributes).toMatchObject({ 'jobtrail.job.status': 'failed', 'error.type': 'TypeError' });
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad row' });
  });
});

describe('across processes', () => {
  it('carries the creation context through a shared store from one tracker to another', async () => {
    const store = new MemoryJobStore();
    const api = setup({}, store); // the process that enqueues
    const workerSide = setup({ parentMode: 'parent' }, store); // the process that runs jobs, with its own SDK
    await api.caller.startActiveSpan('POST /scan', async (request) => {
      await api.tracker.enqueue('scan', null);
      request.end();
    });
    await worker(workerSide.tracker, { scan: () => 'ok' }).runOnce();

    const send = api.otel.span('send scan');
    const process = workerSide.otel.span('process scan');
    expect(api.otel.spans('process scan')).toEqual([]);
    expect(workerSide.otel.spans('send scan')).toEqual([]);
    expect(ctxOf(process).traceId).toBe(ctxOf(api.otel.span('POST /scan')).traceId);
    expect(parentIdOf(process)).toBe(ctxOf(send).spanId);
    expect(process.parentSpanContext?.isRemote).toBe(true);
  });

  it('starts fresh traces for jobs created without tracing', async () => {
    const store = new MemoryJobStore();
    const plain = createTracker({ store, clock: createFakeClock(T0) });
    await plain.enqueue('scan', null);
    const { otel, tracker } = setup({}, store);
    await worker(tracker, { scan: () => 'ok' }).runOnce();
    const process = otel.span('process scan');
    expect(process.links).toEqual([]);
    expect(parentIdOf(process)).toBeUndefined();
    expect(trace.isSpanContextValid(ctxOf(process))).toBe(true);
  });
});

describe('exported names', () => {
  it('lists every attribute, event and metric name the spans and metrics use', async () => {
    const names = await import('./index.js');
    const exported = new Set<unknown>(Object.entries(names).filter(([key]) => /^(ATTR|EVENT|METRIC)_/.test(key)).map(([, value]) => value));
    const { otel, tracker, store, clock } = setup({ progressEventIntervalMs: 0 });
    await tracker.enqueue('a', null, { key: 'k' });
    await tracker.enqueue('a', null, { key: 'k' });
    await worker(tracker, {
      a: (ctx) => {
        ctx.progress(0.5, 'Half');
        throw new Error('retry me');
      },
    }).runOnce();
    await clock.advance(1000);
    await store.claim({ owner: 'crashed', now: new Date(clock.now()), leaseExpiresAt: new Date(clock.now() + 100), limits: { a: 1 }, limit: 1 });
    await clock.advance(200);
    await tracker.recoverExpired();
    const used = new Set<unknown>();
    for (const span of otel.spans()) {
      for (const key of Object.keys(span.attributes)) used.add(key);
      span.events.filter((e) => e.name !== 'exception').forEach((e) => {
        used.add(e.name);
        for (const key of Object.keys(e.attributes ?? {})) used.add(key);
      });
    }
    for (const metric of ['messaging.client.sent.messages', 'messaging.client.consumed.messages', 'messaging.process.duration', 'jobtrail.job.wait.duration', 'jobtrail.jobs.running']) {
      const data = await otel.metric(metric);
      expect(data, metric).toBeDefined();
      used.add(metric);
      for (const point of data!.dataPoints) for (const key of Object.keys(point.attributes)) used.add(key);
    }
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    expect(exported.has('jobtrail.jobs.finished')).toBe(true);
  });
});
