import type { Job } from '../model/job.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { LazyAbortController } from '../util/lazy-abort-controller.js';
import type { AttemptWriter, ProgressDetails } from './attempt-writer.js';
import { assertStorableText, cutText, MAX_NOTE_LENGTH } from './validate-input.js';

/** What a tracked function or a worker handler receives. */
export interface JobContext<TPayload = unknown> {
  /** A local snapshot of the job, kept current with this attempt's own progress and metrics. */
  readonly job: Readonly<Job<TPayload>>;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** Aborts when the job is cancelled, its lease is lost, or the worker shuts down. */
  readonly signal: AbortSignal;
  /**
   * Reports progress as a fraction 0..1 (clamped), with an optional stage text or details.
   * Cheap to call in a tight loop: writes are coalesced to one per interval.
   */
  progress(fraction: number, stage?: string | ProgressDetails): void;
  readonly metrics: {
    /** Adds `by` (default 1) to a named metric, atomically in the store. */
    increment(name: string, by?: number): void;
  };
  /** Free text stored with the outcome, e.g. "completed with 3 row errors". */
  note(text: string): void;
  /** Ends the job as `skipped` ("finished, nothing to do") when the function returns. */
  skip(note?: string): void;
  /** Writes buffered progress and metrics now. */
  flush(): Promise<void>;
}

export interface AttemptState {
  skipped: boolean;
}

export function createJobContext<TPayload>(
  job: Job<TPayload>,
  writer: AttemptWriter,
  controller: LazyAbortController,
  state: AttemptState,
): JobContext<TPayload> {
  return new AttemptContext(job, writer, controller, state);
}

/** A class rather than an object of closures: one context per attempt sits on the hot path. */
class AttemptContext<TPayload> implements JobContext<TPayload> {
  readonly attempt: number;
  readonly metrics: JobContext['metrics'];

  constructor(
    readonly job: Job<TPayload>,
    private readonly writer: AttemptWriter,
    private readonly controller: LazyAbortController,
    private readonly state: AttemptState,
  ) {
    this.attempt = job.attempt;
    this.metrics = new MetricsHandle(writer);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  progress(fraction: number, stage?: string | ProgressDetails): void {
    this.writer.progress(fraction, typeof stage === 'string' ? { stage } : (stage ?? {}));
  }

  note(text: string): void {
    if (typeof text !== 'string') throw new JobValidationError('note', 'must be a string.');
    assertStorableText(text, 'note');
    const note = cutText(text, MAX_NOTE_LENGTH);
    this.writer.note = note;
    this.job.note = note;
  }

  skip(note?: string): void {
    if (note !== undefined) this.note(note);
    this.state.skipped = true;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

class MetricsHandle {
  constructor(private readonly writer: AttemptWriter) {}

  increment(name: string, by?: number): void {
    this.writer.increment(name, by);
  }
}
