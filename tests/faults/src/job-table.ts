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

  /** Jobs per status; of one type when given. */
  async countByStatus(type?: string): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM ${this.table} WHERE $1::text IS NULL OR type = $1 GROUP BY status`,
      [type ?? null],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async completed(type?: string): Promise<number> {
    return (await this.countByStatus(type))['completed'] ?? 0;
  }

  /** True once the server answers again (after a restart the pool's old connection is dead). */
  async reachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
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

  /**
   * The database's clock minus this process's, in ms, measured like NTP (off by at most half the
   * round trip, which is answered too): turns this host's times into database times.
   */
  async clockOffset(): Promise<{ offsetMs: number; roundTripMs: number }> {
    let best: { offsetMs: number; roundTripMs: number } | undefined;
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const { rows } = await this.pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      const t1 = Date.now();
      const sample = { offsetMs: rows[0]!.now.getTime() - (t0 + t1) / 2, roundTripMs: t1 - t0 };
      if (best === undefined || sample.roundTripMs < best.roundTripMs) best = sample;
    }
    return best!;
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
