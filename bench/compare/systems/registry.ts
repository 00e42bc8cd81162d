import type { SystemFactory } from './system.js';

/** Loaded lazily, so a system whose package is missing is reported instead of breaking the run. */
const loaders: Record<string, () => Promise<SystemFactory>> = {
  jobtrail: async () => (await import('./jobtrail.js')).jobtrailSystem,
  'jobtrail-relaxed': async () => (await import('./jobtrail.js')).jobtrailRelaxedSystem,
  'pg-boss': async () => (await import('./pg-boss.js')).pgBossSystem,
  'graphile-worker': async () => (await import('./graphile-worker.js')).graphileWorkerSystem,
  bullmq: async () => (await import('./bullmq.js')).bullmqSystem,
};

export const SYSTEM_KEYS = Object.keys(loaders);

export async function loadSystem(key: string): Promise<SystemFactory> {
  const load = loaders[key];
  if (!load) throw new Error(`unknown system "${key}"; choose from ${SYSTEM_KEYS.join(', ')}`);
  return load();
}
