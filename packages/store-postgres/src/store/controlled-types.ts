/**
 * Which job types a type limits row controls, as last read: only to choose between the plain claim
 * and the flow claim. Correctness never depends on it (the plain claim leaves controlled types out
 * on its own, and the flow claim treats a type without limits as the plain claim does), so a stale
 * answer only delays a controlled type's jobs until the next refresh.
 *
 * It is read again when older than `maxAgeMs`, and at the next claim after `invalidate()`, which
 * the store calls when it writes a record and when it hears one written elsewhere (the flow
 * channel, or a LISTEN reconnect, after which notifications may have been missed).
 */
export class ControlledTypes {
  private types: ReadonlySet<string> = new Set();
  private loadedAt = Number.NEGATIVE_INFINITY;
  /** Bumped by `invalidate()`: a read that began before it does not count as fresh. */
  private generation = 0;
  private loading: Promise<ReadonlySet<string>> | null = null;
  private loadingGeneration = -1;

  constructor(
    private readonly load: () => Promise<string[]>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether any of `types` is controlled, reading the set again first when it may be stale. */
  async anyOf(types: readonly string[]): Promise<boolean> {
    const current = this.now() - this.loadedAt <= this.maxAgeMs ? this.types : await this.refresh();
    if (current.size === 0) return false;
    for (const type of types) if (current.has(type)) return true;
    return false;
  }

  invalidate(): void {
    this.generation += 1;
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private refresh(): Promise<ReadonlySet<string>> {
    // Concurrent claims share one read, unless an invalidation came after it began.
    if (this.loading !== null && this.loadingGeneration === this.generation) return this.loading;
    const generation = this.generation;
    const started = this.now();
    const loading = this.load().then((types) => {
      const set = new Set(types);
      if (generation === this.generation) {
        this.types = set;
        this.loadedAt = started;
      }
      return set;
    });
    this.loading = loading;
    this.loadingGeneration = generation;
    const clear = () => {
      if (this.loading === loading) this.loading = null;
    };
    loading.then(clear, clear);
    return loading;
  }
}
