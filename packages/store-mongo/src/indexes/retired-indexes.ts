import { RETIRED_INDEX_NAMES } from './index-definitions.js';

/** The one collection method this needs, so it can be tested without a server. */
export interface IndexDropper {
  dropIndex(name: string): Promise<unknown>;
}

/** IndexNotFound (27) and NamespaceNotFound (26): nothing to drop, which is the goal. */
const NOTHING_TO_DROP = new Set([26, 27]);

/**
 * Drops the indexes older versions created that this version must not keep (see
 * `RETIRED_INDEX_NAMES`). Run after the current indexes exist, so dedupe is never unguarded.
 * Answers the names it dropped; an index that is already gone is fine. Other failures throw the
 * driver's error.
 */
export async function dropRetiredIndexes(collection: IndexDropper, names: readonly string[] = RETIRED_INDEX_NAMES): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of names) {
    try {
      await collection.dropIndex(name);
      dropped.push(name);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'number' && NOTHING_TO_DROP.has(code)) continue;
      throw error;
    }
  }
  return dropped;
}
