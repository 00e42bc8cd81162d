import pg from 'pg';

/**
 * Reads the job table directly (not through the store under test), so the verdicts do not
 * depend on the code being tested.
 */
export class JobTable {
  private readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    private readonly schema: string,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 1 });
    // An idle connection dies when the server restarts; the pool replaces it on the next query.
    this.pool.on('error', () => {});
  }

  private get table(): string {
    return `"${this.schema}"."jobtrail_jobs"`;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM ${this.table} GROUP BY status`,
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async completed(): Promise<number> {
    return (await this.countByStatus())['completed'] ?? 0;
  }

  async row(id: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Every job number (payload.n) that is not completed. */
  async unfinishedNumbers(): Promise<number[]> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT (payload->>'n')::int AS n FROM ${this.table} WHERE status <> 'completed' ORDER BY 1`,
    );
    return rows.map((row) => row.n);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Waits on a condition with a generous limit; the limit is a hang guard, not a timing claim. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
