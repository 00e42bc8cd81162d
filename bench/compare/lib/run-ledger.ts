/**
 * Counts handler runs per job number, to prove each job ran exactly once. A benchmark that
 * processed a job twice, or lost one, is wrong, not fast: `verify` throws.
 */
export class RunLedger {
  private readonly runs: Uint32Array;

  constructor(readonly expected: number) {
    this.runs = new Uint32Array(expected);
  }

  record(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.expected) throw new Error(`ledger: job number ${i} out of range`);
    this.runs[i] = this.runs[i]! + 1;
  }

  recordAll(numbers: Iterable<number>): void {
    for (const i of numbers) this.record(i);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.runs) sum += n;
    return sum;
  }

  verify(label: string): void {
    const missing: number[] = [];
    const twice: number[] = [];
    this.runs.forEach((n, i) => {
      if (n === 0) missing.push(i);
      else if (n > 1) twice.push(i);
    });
    if (missing.length || twice.length) {
      throw new Error(
        `${label}: NOT exactly once — ${missing.length} never ran (e.g. ${missing.slice(0, 5).join(', ')}), ` +
          `${twice.length} ran more than once (e.g. ${twice.slice(0, 5).join(', ')})`,
      );
    }
  }
}
