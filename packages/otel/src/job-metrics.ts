import {
  createNoopMeter,
  metrics,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
} from '@opentelemetry/api';
import {
  INSTRUMENTATION_SCOPE,
  MESSAGING_SYSTEM,
  METRIC_JOBTRAIL_JOB_WAIT_DURATION,
  METRIC_JOBTRAIL_JOBS_FINISHED,
  METRIC_JOBTRAIL_JOBS_RUNNING,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_PROCESS_DURATION,
} from './semconv.js';

/** The messaging conventions' advice for processing durations, in seconds. */
const PROCESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300];
/** Jobs wait in a queue for seconds to hours (backoff ladders reach an hour). */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200];

/**
 * Attempts running in this process, per job type, across every instrumented tracker (so two
 * trackers on one meter provider report a sum, not whichever observed last). A type seen once
 * keeps reporting, 0 included, so a dashboard sees it drop to zero.
 */
const running = new Map<string, number>();
/** Providers that already have the running-jobs gauge: one callback per provider. */
const providersWithGauge = new WeakSet<MeterProvider>();

interface Instruments {
  processDuration: Histogram;
  sent: Counter;
  consumed: Counter;
  waitDuration: Histogram;
  finished: Counter;
}

/**
 * The package's metric instruments. The global meter provider has no proxy (unlike tracing), so an
 * `instrument()` made before `NodeSDK.start()` would record into a no-op meter forever: the
 * instruments are made again whenever the provider in force changes.
 */
export class JobMetrics {
  private provider: MeterProvider | null = null;
  private instruments: Instruments | null = null;

  private noopChecked: MeterProvider | null = null;
  private noop = false;

  constructor(private readonly explicitProvider: MeterProvider | undefined) {}

  /**
   * True while no meter provider is in force (none given, none registered): with no tracing
   * either, the telemetry can step aside entirely for a job.
   */
  isOff(): boolean {
    if (this.explicitProvider) return false;
    const provider = metrics.getMeterProvider();
    if (provider !== this.noopChecked) {
      this.noopChecked = provider;
      try {
        this.noop = provider.getMeter(INSTRUMENTATION_SCOPE) === createNoopMeter();
      } catch {
        this.noop = false;
      }
    }
    return this.noop;
  }

  sent(type: string, errorType?: string): void {
    safely(() => this.recordSent(type, errorType));
  }

  consumed(type: string, waitSeconds: number): void {
    safely(() => this.recordConsumed(type, waitSeconds));
  }

  attemptStarted(type: string): void {
    running.set(type, (running.get(type) ?? 0) + 1);
    // Makes sure the provider in force has the gauge before the first attempt ends.
    safely(() => this.get());
  }

  attemptEnded(type: string, seconds: number, status: string, errorType: string | undefined, finished: boolean): void {
    running.set(type, Math.max(0, (running.get(type) ?? 1) - 1));
    safely(() => this.recordProcessed(type, seconds, status, errorType, finished));
  }

  finished(type: string, status: string): void {
    safely(() => this.recordFinished(this.get(), type, status));
  }

  // Literal attribute objects (names as in semconv.ts): computed keys and spreads are a slow
  // path in V8, and these run for every job.

  private recordSent(type: string, errorType: string | undefined): void {
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.destination.name': type,
      'messaging.operation.name': 'send',
    };
    if (errorType) attributes['error.type'] = errorType;
    this.get().sent.add(1, attributes);
  }

  private recordConsumed(type: string, waitSeconds: number): void {
    const instruments = this.get();
    instruments.consumed.add(1, {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.destination.name': type,
      'messaging.operation.name': 'process',
    });
    instruments.waitDuration.record(waitSeconds, { 'messaging.system': MESSAGING_SYSTEM, 'messaging.destination.name': type });
  }

  private recordProcessed(type: string, seconds: number, status: string, errorType: string | undefined, finished: boolean): void {
    const instruments = this.get();
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.destination.name': type,
      'messaging.operation.name': 'process',
      'jobtrail.job.status': status,
    };
    if (errorType) attributes['error.type'] = errorType;
    instruments.processDuration.record(seconds, attributes);
    if (finished) this.recordFinished(instruments, type, status);
  }

  private recordFinished(instruments: Instruments, type: string, status: string): void {
    instruments.finished.add(1, {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.destination.name': type,
      'jobtrail.job.status': status,
    });
  }

  private get(): Instruments {
    const provider = this.explicitProvider ?? metrics.getMeterProvider();
    if (this.instruments && provider === this.provider) return this.instruments;
    this.provider = provider;
    this.instruments = this.create(provider);
    return this.instruments;
  }

  private create(provider: MeterProvider): Instruments {
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    if (!providersWithGauge.has(provider)) {
      providersWithGauge.add(provider);
      const gauge = meter.createObservableGauge(METRIC_JOBTRAIL_JOBS_RUNNING, {
        description: 'Job attempts running in this process now (workers and track()).',
        unit: '{job}',
        valueType: ValueType.INT,
      });
      gauge.addCallback((result) => {
        for (const [type, count] of running) {
          result.observe(count, { 'messaging.system': MESSAGING_SYSTEM, 'messaging.destination.name': type });
        }
      });
    }
    return {
      processDuration: meter.createHistogram(METRIC_MESSAGING_PROCESS_DURATION, {
        description: 'Duration of one attempt of a job, from its start to its recorded outcome.',
        unit: 's',
        advice: { explicitBucketBoundaries: PROCESS_BUCKETS },
      }),
      sent: meter.createCounter(METRIC_MESSAGING_CLIENT_SENT_MESSAGES, {
        description: 'Jobs enqueued (deduplicated enqueues that returned an existing job are not counted).',
        unit: '{message}',
        valueType: ValueType.INT,
      }),
      consumed: meter.createCounter(METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES, {
        description: 'Job attempts a worker claimed and started.',
        unit: '{message}',
        valueType: ValueType.INT,
      }),
      waitDuration: meter.createHistogram(METRIC_JOBTRAIL_JOB_WAIT_DURATION, {
        description: 'Time a job waited from being due (runAt: creation, delay or retry time) to an attempt starting.',
        unit: 's',
        advice: { explicitBucketBoundaries: WAIT_BUCKETS },
      }),
      finished: meter.createCounter(METRIC_JOBTRAIL_JOBS_FINISHED, {
        description: 'Jobs that reached a final status (completed, failed, skipped, cancelled).',
        unit: '{job}',
        valueType: ValueType.INT,
      }),
    };
  }
}

/** A broken meter provider must cost the metric, never the job. */
function safely(record: () => void): void {
  try {
    record();
  } catch {
    // Nothing sensible to do: metrics have nowhere to report their own failure.
  }
}
