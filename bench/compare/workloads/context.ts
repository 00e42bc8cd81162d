import type { BenchEnv, SystemFactory } from '../systems/system.js';

export interface Sizes {
  w1Jobs: number;
  w2Jobs: number;
  w2IntervalMs: number;
  w3Calls: readonly number[];
  w4Jobs: number;
  w4Processes: readonly number[];
}

export const FULL_SIZES: Sizes = {
  w1Jobs: 10_000,
  w2Jobs: 300,
  w2IntervalMs: 1000 / 30,
  w3Calls: [1_000, 100_000],
  w4Jobs: 10_000,
  w4Processes: [1, 2, 4],
};

export const QUICK_SIZES: Sizes = {
  w1Jobs: 1_000,
  w2Jobs: 30,
  w2IntervalMs: 1000 / 30,
  w3Calls: [1_000, 10_000],
  w4Jobs: 1_000,
  w4Processes: [1, 2],
};

export const CONCURRENCY = 10;

export interface WorkloadContext {
  env: BenchEnv;
  systemKey: string;
  system: SystemFactory;
  sizes: Sizes;
}

/** Redis' counter is global; PostgreSQL runs get a fresh schema whose counters start at 0. */
export async function writesBaseline(ctx: WorkloadContext): Promise<number> {
  return ctx.system.writesUnit === 'redis changes' && ctx.env.redisChanges ? ctx.env.redisChanges() : 0;
}
