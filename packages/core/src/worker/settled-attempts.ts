/** How many written attempts a worker remembers, to recognise a claim that raced its outcome write. */
const SETTLED_MEMORY = 1_000;

/**
 * The attempts whose outcome this worker wrote, bounded: two generations instead of an LRU
 * (O(1) per job). A claim that raced our own outcome write (it re-claimed the job after a
 * database crash undid the first claim, and the outcome then landed on it) is recognised here.
 */
export class SettledAttempts {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  add(jobId: string, attempt: number): void {
    this.current.set(jobId, attempt);
    if (this.current.size >= SETTLED_MEMORY) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  has(jobId: string, attempt: number): boolean {
    return this.current.get(jobId) === attempt || this.previous.get(jobId) === attempt;
  }
}
