/**
 * An AbortController that only builds its AbortSignal when someone asks for it. Most handlers
 * never read `ctx.signal`, and creating a signal per job costs more than the rest of a tracked
 * no-op job's bookkeeping.
 */
export class LazyAbortController {
  private controller: AbortController | null = null;
  private abortReason: unknown = undefined;
  private isAborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
