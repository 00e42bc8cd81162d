import type { TypeControl, TypeControlWrite } from '../store/flow-store.js';
import { controlsClaims } from '../store/flow-store.js';
import type { TypePlan } from './claim-queue.js';
import { byCodePoints } from './schedule-table.js';
import { StartTimes } from './start-times.js';

/** The recorded starts of one rate-limited type: all of them, and per group. */
interface TypeStarts {
  all: StartTimes;
  byGroup: Map<string | null, StartTimes>;
  /** Claims since the groups' logs were last trimmed. */
  sinceSweep: number;
}

/**
 * Claims of a type between two trims of its groups' logs: counting needs no trim (it searches),
 * so groups are trimmed only to bound memory, without a pass over every group per claim.
 */
const GROUP_SWEEP_EVERY = 256;

/**
 * The memory store's flow control: each type's {@link TypeControl} (copied in and out), the
 * recent starts of rate-limited types, and each controlled type's latest turn per group (for
 * round-robin). Every operation is synchronous, so the claim that reads them and the claim that
 * records its starts are one atomic step.
 */
export class FlowTable {
  private readonly controls = new Map<string, TypeControl>();
  private readonly starts = new Map<string, TypeStarts>();
  private readonly lastTurns = new Map<string, Map<string | null, number>>();
  private turns = 0;
  private readonly nextTurn = (): number => ++this.turns;

  get(type: string): TypeControl | null {
    const control = this.controls.get(type);
    return control === undefined ? null : copyControl(control);
  }

  list(): TypeControl[] {
    return [...this.controls.keys()].sort(byCodePoints).map((type) => copyControl(this.controls.get(type)!));
  }

  put(control: TypeControl, expectedVersion: number | null): TypeControlWrite {
    const current = this.controls.get(control.type) ?? null;
    if ((current?.version ?? null) !== expectedVersion) return { ok: false, current: current === null ? null : copyControl(current) };
    this.controls.set(control.type, copyControl(control));
    if (control.rateLimit === null) this.starts.delete(control.type);
    if (!controlsClaims(control)) this.lastTurns.delete(control.type);
    return { ok: true };
  }

  countStarts(type: string, since: number, group: string | null | undefined): number {
    const starts = this.starts.get(type);
    if (starts === undefined) return 0;
    const log = group === undefined ? starts.all : starts.byGroup.get(group);
    return log?.countAfter(since) ?? 0;
  }

  /**
   * How `type` may be claimed now: `requested` at most, within its limits. `running` counts the
   * type's running jobs per group. Null for a type without a control that asks anything of the
   * claim (it is claimed as before).
   */
  plan(type: string, requested: number, now: number, running: () => Map<string | null, number>): TypePlan | null {
    const control = this.controls.get(type);
    if (control === undefined || !controlsClaims(control)) return null;
    if (control.paused) return { limit: 0 };
    let limit = requested;
    const runningByGroup = control.maxRunning !== null || control.maxRunningPerGroup !== null ? running() : new Map<string | null, number>();
    if (control.maxRunning !== null) {
      let total = 0;
      for (const count of runningByGroup.values()) total += count;
      limit = Math.min(limit, control.maxRunning - total);
    }
    const rate = control.rateLimit;
    const starts = rate === null ? undefined : this.recentStarts(type, now - 2 * rate.intervalMs);
    if (rate !== null && !rate.perGroup) {
      limit = Math.min(limit, starts!.all.allowance(rate.limit, rate.intervalMs, now).allowed);
    }
    let lastTurn = this.lastTurns.get(type);
    if (lastTurn === undefined) {
      lastTurn = new Map();
      this.lastTurns.set(type, lastTurn);
    }
    const plan: TypePlan = { limit, lastTurn, nextTurn: this.nextTurn };
    const perGroup = control.maxRunningPerGroup;
    if (perGroup !== null || rate?.perGroup === true) {
      plan.groupLimit = (group) => {
        let left = Number.POSITIVE_INFINITY;
        if (perGroup !== null) left = perGroup - (runningByGroup.get(group) ?? 0);
        if (rate?.perGroup) {
          const ofGroup = starts!.byGroup.get(group);
          left = Math.min(left, ofGroup === undefined ? rate.limit : ofGroup.allowance(rate.limit, rate.intervalMs, now).allowed);
        }
        return left;
      };
    }
    return plan;
  }

  /** A claim started a job of `type` in `group` at `now`: counted by its rate limit. */
  recordStart(type: string, group: string | null, now: number): void {
    if (this.controls.get(type)?.rateLimit == null) return;
    let starts = this.starts.get(type);
    if (starts === undefined) {
      starts = { all: new StartTimes(), byGroup: new Map(), sinceSweep: 0 };
      this.starts.set(type, starts);
    }
    starts.all.add(now);
    let ofGroup = starts.byGroup.get(group);
    if (ofGroup === undefined) {
      ofGroup = new StartTimes();
      starts.byGroup.set(group, ofGroup);
    }
    ofGroup.add(now);
  }

  clear(): void {
    this.controls.clear();
    this.starts.clear();
    this.lastTurns.clear();
  }

  /**
   * The starts of `type`, with those at or before `cutOff` dropped. Kept two windows, as the
   * PostgreSQL store keeps them: a claimer whose clock runs up to a window behind another's still
   * counts its window whole.
   */
  private recentStarts(type: string, cutOff: number): TypeStarts {
    let starts = this.starts.get(type);
    if (starts === undefined) {
      starts = { all: new StartTimes(), byGroup: new Map(), sinceSweep: 0 };
      this.starts.set(type, starts);
    }
    starts.all.dropUntil(cutOff);
    if (++starts.sinceSweep >= GROUP_SWEEP_EVERY) {
      starts.sinceSweep = 0;
      for (const [group, log] of starts.byGroup) {
        log.dropUntil(cutOff);
        if (log.size === 0) starts.byGroup.delete(group);
      }
    }
    return starts;
  }

}

function copyControl(control: TypeControl): TypeControl {
  return {
    type: control.type,
    maxRunning: control.maxRunning,
    maxRunningPerGroup: control.maxRunningPerGroup,
    rateLimit: control.rateLimit === null ? null : { limit: control.rateLimit.limit, intervalMs: control.rateLimit.intervalMs, perGroup: control.rateLimit.perGroup },
    paused: control.paused,
    version: control.version,
    updatedAt: new Date(control.updatedAt.getTime()),
  };
}
