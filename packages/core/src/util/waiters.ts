/** Promises resolved together the next time something happens (one-shot: each wait sees one occurrence). */
export class Waiters {
  private pending: Array<() => void> = [];

  /** Resolves at the next {@link resolveAll}. */
  next(): Promise<void> {
    return new Promise((resolve) => this.pending.push(resolve));
  }

  resolveAll(): void {
    const pending = this.pending;
    this.pending = [];
    for (const resolve of pending) resolve();
  }
}
