import type { Clock } from '../util/clock.js';

/**
 * After the store was unreachable, claims wait this long (twice the outcome writer's longest
 * retry interval), so the outcomes every worker still holds land first.
 */
const CLAIM_HOLD_AFTER_FAILURE_MS = 1_000;

/**
 * Holds a worker's claims back for a moment after the store was unreachable (a claim or an
 * outcome write failed): a job whose claim a database crash undid is then taken back by the
 * worker that ran it, instead of being claimed and run again by another.
 */
export class ClaimHold {
  private lastFailureAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** How long claims still wait (ms; 0 or less: none). */
  remainingMs(): number {
    return this.lastFailureAt + CLAIM_HOLD_AFTER_FAILURE_MS - this.clock.now();
  }

  /** The store could not be reached just now. */
  readonly storeUnreachable = (): void => {
    this.lastFailureAt = this.clock.now();
  };
}
