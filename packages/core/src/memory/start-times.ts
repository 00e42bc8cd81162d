/**
 * The recorded start times (ms) of one rate-limited type or group, ascending, for the memory
 * store's rate limits. Claims append (out-of-order times, from trackers whose clocks differ a
 * little, are inserted in place), old times are dropped from the front, and counting a window is
 * a binary search: a claim costs O(log n) however many starts the window holds (a limit can be
 * 100 000 per window).
 */
export class StartTimes {
  private times: number[] = [];
  /** Times before this index are dropped. */
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  add(at: number): void {
    const times = this.times;
    let index = times.length;
    while (index > this.head && times[index - 1]! > at) index--;
    if (index === times.length) times.push(at);
    else times.splice(index, 0, at);
  }

  /** Drops the times at or before `cutOff`. */
  dropUntil(cutOff: number): void {
    this.head = this.firstAfter(cutOff);
    // Compact once the dropped part outweighs the rest, so memory stays bounded.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** How many times lie after `since` (exclusive): later than the claim's own `now` included. */
  countAfter(since: number): number {
    return this.times.length - this.firstAfter(since);
  }

  /**
   * Starts allowed at `now` by `limit` starts per `intervalMs`, and when the next is allowed if
   * none is: what `rateAllowance` answers for these times.
   */
  allowance(limit: number, intervalMs: number, now: number): { allowed: number; nextAt: number | null } {
    const counted = this.countAfter(now - intervalMs);
    if (counted < limit) return { allowed: limit - counted, nextAt: null };
    return { allowed: 0, nextAt: this.times[this.times.length - limit]! + intervalMs };
  }

  private firstAfter(since: number): number {
    let low = this.head;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[mid]! <= since) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
