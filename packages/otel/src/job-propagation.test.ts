import { createTracker, createWorker, MemoryJobStore, type Tracker } from '@jobtrail/core';
import { createFakeClock, makeJob } from '@jobtrail/core/testing';
import {
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOtelHarness, useAsyncContext, type OtelHarness } from '../test/otel-harness.js';
import { instrument } from './instrument.js';
import { extractJobTrace, injectJobTrace } from './job-propagation.js';
import type { ParentMode } from './options.js';

const T0 = Date.UTC(2026, 0, 1);
const INCOMING: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: createTraceState('vendor=abc,other=1'),
};

let stopContext: () => void;
beforeAll(() => (stopContext = useAsyncContext()));
afterAll(() => stopContext());

const harnesses: OtelHarness[] = [];
afterEach(async () => {
  propagation.disable();
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

function setup(parentMode: ParentMode = 'link', store = new MemoryJobStore()) {
  const otel = createOtelHarness();
  harnesses.push(otel);
  const clock = createFakeClock(T0);
  const tracker = createTracker({ store, clock });
  instrument(tracker, { tracerProvider: otel.tracerProvider, parentMode });
  return { otel, clock, store, tracker };
}

function registerW3C(): void {
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/** A request that arrived with a traceparent, a tracestate and baggage, as HTTP instrumentation extracts it. */
function incomingRequest(): Context {
  const withBaggage = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 't1' } }));
  return trace.setSpanContext(withBaggage, INCOMING);
}

interface Seen {
  tenant: string | undefined;
  spanId: string | undefined;
}

/** Runs every due job once and reports what each handler saw in its active context. */
async function runJobs(tracker: Tracker, type = 'scan'): Promise<Seen[]> {
  const seen: Seen[] = [];
  await createWorker({
    tracker,
    handlers: {
      [type]: () => {
        seen.push({
          tenant: propagation.getActiveBaggage()?.getEntry('tenant')?.value,
          spanId: trace.getActiveSpan()?.spanContext().spanId,
        });
      },
    },
  }).runOnce();
  return seen;
}

const ctxOf = (span: ReadableSpan): SpanContext => span.spanContext();

/** A propagator of its own format: `x-test-trace: {trace id}:{span id}`. */
class XTestPropagator implements TextMapPropagator {
  readonly extractedFrom: Record<string, string>[] = [];
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(ctx);
    if (spanContext && isSpanContextValid(spanContext)) setter.set(carrier, 'x-test-trace', `${spanContext.traceId}:${spanContext.spanId}`);
  }
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    this.extractedFrom.push({ ...(carrier as Record<string, string>) });
    const value = getter.get(carrier, 'x-test-trace');
    if (typeof value !== 'string') return ctx;
    const [traceId = '', spanId = ''] = value.split(':');
    return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  }
  fields(): string[] {
    return ['x-test-trace'];
  }
}

describe('with the W3C trace context and baggage propagators registered', () => {
  it.each<ParentMode>(['link', 'parent'])('stores traceparent, tracestate and baggage, and the %s-mode attempt continues from them', async (mode) => {
    registerW3C();
    const { otel, tracker } = setup(mode);
    const job = await context.with(incomingRequest(), () => tracker.enqueue('scan', null));
    const send = otel.span('send scan');
    expect(ctxOf(send).traceId).toBe(INCOMING.traceId);
    expect(JSON.parse(job.trace!)).toEqual({
      traceparent: `00-${ctxOf(send).traceId}-${ctxOf(send).spanId}-01`,
      tracestate: 'vendor=abc,other=1',
      baggage: 'tenant=t1',
    });
    expect((await tracker.get(job.id))?.trace).toBe(job.trace);

    const seen = await runJobs(tracker);
    const process = otel.span('process scan');
    expect(seen).toEqual([{ tenant: 't1', spanId: ctxOf(process).spanId }]);
    if (mode === 'parent') {
      expect(ctxOf(process).traceId).toBe(ctxOf(send).traceId);
      expect(process.parentSpanContext).toMatchObject({ spanId: ctxOf(send).spanId, isRemote: true });
      expect(ctxOf(process).traceState?.serialize()).toBe('vendor=abc,other=1');
    } else {
      expect(ctxOf(process).traceId).not.toBe(ctxOf(send).traceId);
      expect(process.parentSpanContext).toBeUndefined();
      const [link] = process.links;
      expect(link?.context).toMatchObject({ traceId: ctxOf(send).traceId, spanId: ctxOf(send).spanId, isRemote: true });
      expect(link?.context.traceState?.serialize()).toBe('vendor=abc,other=1');
    }
  });

  it('stores a lone traceparent bare, as before, when there is no tracestate or baggage', async () => {
    registerW3C();
    const { otel, tracker } = setup();
    const job = await tracker.enqueue('scan', null);
    const send = ctxOf(otel.span('send scan'));
    expect(job.trace).toBe(`00-${send.traceId}-${send.spanId}-01`);
    await runJobs(tracker);
    expect(otel.span('process scan').links[0]?.context.spanId).toBe(send.spanId);
  });

  it('still reads a job another writer stored as a bare traceparent', async () => {
    registerW3C();
    const { otel, store, tracker } = setup();
    const job = await tracker.enqueue('scan', null);
    await store.insert({ ...job, id: makeJob().id, trace: `00-${INCOMING.traceId}-${INCOMING.spanId}-01` });
    await tracker.cancel(job.id);
    expect(await runJobs(tracker)).toHaveLength(1);
    expect(otel.span('process scan').links[0]?.context).toMatchObject({ traceId: INCOMING.traceId, spanId: INCOMING.spanId });
  });

  it('gives the handler the enqueuing baggage also when no tracer records anything', async () => {
    registerW3C();
    const tracker = createTracker({ store: new MemoryJobStore(), clock: createFakeClock(T0) });
    instrument(tracker); // no SDK: the global tracer provider is the no-op one
    const job = await context.with(
      propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 't2' } })),
      () => tracker.enqueue('scan', null),
    );
    expect(job.trace).toBe('{"baggage":"tenant=t2"}');
    expect(await runJobs(tracker)).toEqual([{ tenant: 't2', spanId: undefined }]);
  });

  it('stores the caller context of a track() job, baggage and tracestate included', async () => {
    registerW3C();
    const { tracker } = setup();
    let stored: string | null = null;
    let tenant: string | undefined;
    await context.with(incomingRequest(), () =>
      tracker.track('imports.upload', (ctx) => {
        stored = ctx.job.trace;
        tenant = propagation.getActiveBaggage()?.getEntry('tenant')?.value;
      }),
    );
    expect(JSON.parse(stored!)).toEqual({
      traceparent: `00-${INCOMING.traceId}-${INCOMING.spanId}-01`,
      tracestate: 'vendor=abc,other=1',
      baggage: 'tenant=t1',
    });
    expect(tenant).toBe('t1');
  });

  it('links the recover span of a crashed worker through the stored context', async () => {
    registerW3C();
    const { otel, store, tracker, clock } = setup();
    const job = await context.with(incomingRequest(), () => tracker.enqueue('scan', null));
    await store.claim({ owner: 'crashed', now: new Date(clock.now()), leaseExpiresAt: new Date(clock.now() + 100), limits: { scan: 1 }, limit: 1 });
    await clock.advance(200);
    await tracker.recoverExpired();
    const recover = otel.span('recover scan');
    expect(recover.attributes['messaging.message.id']).toBe(job.id);
    expect(recover.links[0]?.context).toMatchObject({ spanId: ctxOf(otel.span('send scan')).spanId });
    expect(recover.links[0]?.context.traceState?.serialize()).toBe('vendor=abc,other=1');
  });

  it('runs a job whose stored trace is unreadable as a new trace without a link', async () => {
    registerW3C();
    const { otel, store, tracker } = setup();
    const job = await tracker.enqueue('scan', null);
    const broken = ['{"traceparent":', '{"traceparent":"00-zz-zz-01"}', '{"traceparent":42}', 'not a traceparent'];
    for (const trace of broken) await store.insert({ ...job, id: makeJob().id, trace });
    await tracker.cancel(job.id);
    expect(await runJobs(tracker)).toHaveLength(broken.length);
    const processes = otel.spans('process scan');
    expect(processes).toHaveLength(broken.length);
    for (const process of processes) {
      expect(process.links).toEqual([]);
      expect(process.parentSpanContext).toBeUndefined();
    }
  });
});

describe('with a propagator of another format registered', () => {
  it.each<ParentMode>(['link', 'parent'])('stores and reads exactly its fields (%s mode)', async (mode) => {
    const propagator = new XTestPropagator();
    propagation.setGlobalPropagator(propagator);
    const { otel, tracker } = setup(mode);
    const job = await context.with(incomingRequest(), () => tracker.enqueue('scan', null));
    const send = ctxOf(otel.span('send scan'));
    expect(job.trace).toBe(JSON.stringify({ 'x-test-trace': `${send.traceId}:${send.spanId}` }));

    const seen = await runJobs(tracker);
    expect(propagator.extractedFrom).toEqual([{ 'x-test-trace': `${send.traceId}:${send.spanId}` }]);
    const process = otel.span('process scan');
    // This propagator carries no baggage: the handler sees none.
    expect(seen).toEqual([{ tenant: undefined, spanId: ctxOf(process).spanId }]);
    const origin = mode === 'parent' ? process.parentSpanContext : process.links[0]?.context;
    expect(origin).toMatchObject({ traceId: send.traceId, spanId: send.spanId });
  });

  it('does not read a traceparent it does not know: the attempt has no link', async () => {
    propagation.setGlobalPropagator(new XTestPropagator());
    const { otel, store, tracker } = setup();
    const job = await tracker.enqueue('scan', null);
    await store.insert({ ...job, id: makeJob().id, trace: `00-${INCOMING.traceId}-${INCOMING.spanId}-01` });
    await tracker.cancel(job.id);
    await runJobs(tracker);
    expect(otel.span('process scan').links).toEqual([]);
  });

  it('enqueues and runs jobs when the propagator throws, without a stored context', async () => {
    const broken: TextMapPropagator = {
      inject: () => {
        throw new Error('inject broke');
      },
      extract: () => {
        throw new Error('extract broke');
      },
      fields: () => ['x-broken'],
    };
    propagation.setGlobalPropagator(broken);
    const { otel, store, tracker } = setup('parent');
    const job = await tracker.enqueue('scan', null);
    expect(job.trace).toBeNull();
    expect(otel.spans('send scan')).toHaveLength(1);
    await store.insert({ ...job, id: makeJob().id, trace: `00-${INCOMING.traceId}-${INCOMING.spanId}-01` });
    const seen = await runJobs(tracker);
    expect(seen).toHaveLength(2);
    const processes = otel.spans('process scan');
    expect(processes.map((p) => p.parentSpanContext)).toEqual([undefined, undefined]);
    expect(seen.map((s) => s.spanId).sort()).toEqual(processes.map((p) => ctxOf(p).spanId).sort());
  });
});

describe('with no propagator registered', () => {
  it.each<ParentMode>(['link', 'parent'])('stores the send span as a bare W3C traceparent and continues from it (%s mode), without tracestate or baggage', async (mode) => {
    const { otel, tracker } = setup(mode);
    const job = await context.with(incomingRequest(), () => tracker.enqueue('scan', null));
    const send = ctxOf(otel.span('send scan'));
    expect(job.trace).toBe(`00-${send.traceId}-${send.spanId}-01`);

    const seen = await runJobs(tracker);
    const process = otel.span('process scan');
    expect(seen).toEqual([{ tenant: undefined, spanId: ctxOf(process).spanId }]);
    const origin = mode === 'parent' ? process.parentSpanContext : process.links[0]?.context;
    expect(origin).toMatchObject({ traceId: send.traceId, spanId: send.spanId, isRemote: true });
    expect(origin?.traceState).toBeUndefined();
  });

  it('reads the traceparent of a JSON carrier another process stored, and ignores its other fields', async () => {
    const { otel, store, tracker } = setup('parent');
    const job = await tracker.enqueue('scan', null);
    const carrier = { traceparent: `00-${INCOMING.traceId}-${INCOMING.spanId}-01`, tracestate: 'vendor=abc', baggage: 'tenant=t1' };
    await store.insert({ ...job, id: makeJob().id, trace: JSON.stringify(carrier) });
    await tracker.cancel(job.id);
    expect(await runJobs(tracker)).toEqual([{ tenant: undefined, spanId: expect.any(String) }]);
    expect(otel.span('process scan').parentSpanContext).toMatchObject({ traceId: INCOMING.traceId, spanId: INCOMING.spanId });
  });

  it('stores nothing without a span context (no SDK, no incoming trace)', () => {
    expect(injectJobTrace(ROOT_CONTEXT)).toBeNull();
    expect(injectJobTrace(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ a: { value: 'b' } })))).toBeNull();
    expect(extractJobTrace(ROOT_CONTEXT, null)).toBe(ROOT_CONTEXT);
  });
});

describe('injectJobTrace / extractJobTrace', () => {
  it('round-trip a context through the registered propagator', () => {
    registerW3C();
    const stored = injectJobTrace(incomingRequest());
    const extracted = extractJobTrace(ROOT_CONTEXT, stored);
    expect(trace.getSpanContext(extracted)).toMatchObject({ traceId: INCOMING.traceId, spanId: INCOMING.spanId, isRemote: true });
    expect(trace.getSpanContext(extracted)?.traceState?.get('vendor')).toBe('abc');
    expect(propagation.getBaggage(extracted)?.getEntry('tenant')?.value).toBe('t1');
  });

  it('extract on top of the given context, keeping what the carrier does not replace', () => {
    registerW3C();
    const key = Symbol('app');
    const base = ROOT_CONTEXT.setValue(key, 'kept');
    expect(extractJobTrace(base, `00-${INCOMING.traceId}-${INCOMING.spanId}-01`).getValue(key)).toBe('kept');
  });
});
