/**
 * Flow control of one job type as a store holds it (see docs/design.md, "Flow control"): the
 * checked limits (`checkTypeLimits`), the operator's `paused` flag and a `version` for
 * compare-and-set. Core computes every field; the store keeps them and, above all, honours them
 * in `claim`.
 */
export interface TypeControl {
  /** A job type, 1 to 255 characters. */
  type: string;
  /** At most this many jobs of the type `running` at once (1 to 100 000), or null. */
  maxRunning: number | null;
  /** At most this many `running` per job group (1 to 100 000), or null. */
  maxRunningPerGroup: number | null;
  /** At most `limit` starts in any window of `intervalMs` (per group with `perGroup`), or null. */
  rateLimit: TypeRateLimit | null;
  /** A paused type is claimed by no worker; enqueue still works and running jobs finish. */
  paused: boolean;
  /**
   * Set by core: the creation time in ms for a new record, the expected version + 1 on each
   * write after (so a write based on a stale read never lands).
   */
  version: number;
  updatedAt: Date;
}

export interface TypeRateLimit {
  /** Starts per window: 1 to 100 000. */
  limit: number;
  /** The window, in ms: 1 000 to 86 400 000. */
  intervalMs: number;
  /** Counts starts per job group instead of for the whole type. */
  perGroup: boolean;
}

/** What `putTypeControl` answers: written, or the record that stands (null: none). */
export type TypeControlWrite = { ok: true } | { ok: false; current: TypeControl | null };

/**
 * The flow-control methods of a store: optional, all or none (`guardStore` refuses a store with
 * only some). A store that has them must also honour every {@link TypeControl} in `claim`, in the
 * same atomic step that leases the jobs, for any number of concurrent claimers:
 *
 * - a `paused` type is not claimed;
 * - `maxRunning`: the type's `running` jobs plus those claimed never exceed it;
 * - `maxRunningPerGroup`: likewise per `group` (jobs without a group form one group of their own);
 * - `rateLimit`: the starts (claims) of the type, or of each group with `perGroup`, in any window
 *   `(t - intervalMs, t]` never exceed `limit`; the claim records its starts (at its `now`) and
 *   counts every recorded start after `now - intervalMs`, those after `now` too (another
 *   claimer's whose clock runs ahead), as `rateAllowance` does;
 * - groups are served round-robin: among a controlled type's due jobs, the group whose latest
 *   start is oldest (never started: first) gives the next job, so one busy group cannot starve
 *   the others. Starts within one claim count in the order taken (the first is the oldest), so
 *   groups started by the same claim are not tied; groups never started tie, broken by claim
 *   order (priority desc, runAt asc, id asc).
 *
 * Types without a record (or with a record without limits and not paused) are claimed exactly as
 * before. A record binds the claims that begin after `putTypeControl` returns; a claim already
 * under way may still finish under the record it read.
 */
export interface FlowStore {
  /** The type's record, or null. */
  getTypeControl(type: string): Promise<TypeControl | null>;
  /** Every record, ordered by type (code point order). */
  listTypeControls(): Promise<TypeControl[]>;
  /**
   * Compare-and-set: writes `control` (whole) when the stored record's version is
   * `expectedVersion`, or when there is none and `expectedVersion` is null. Publishes a wake-up
   * `{ type }` for stores with `subscribe`, so workers claim at once what a resume or a raised
   * limit frees.
   */
  putTypeControl(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite>;
  /**
   * Claims (starts) of `type` recorded after `since` (exclusive), in `group` when given (a string,
   * or null for jobs without a group), else in every group. Stores record the starts of types
   * with a `rateLimit` at claim time and keep them at least the `intervalMs` in force when they
   * were recorded: after a window is widened, starts older than the former window may be gone
   * (the wider window then counts fewer starts until it has filled).
   */
  countStarts(type: string, since: Date, group?: string | null): Promise<number>;
}

export const FLOW_STORE_METHODS = ['getTypeControl', 'listTypeControls', 'putTypeControl', 'countStarts'] as const;

/** Whether a record asks anything of the claim: paused, or any limit. */
export function controlsClaims(control: TypeControl): boolean {
  return control.paused || control.maxRunning !== null || control.maxRunningPerGroup !== null || control.rateLimit !== null;
}
