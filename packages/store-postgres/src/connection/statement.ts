import { createHash } from 'node:crypto';

/** One SQL text the store runs, with what it is for (instrumentation, error messages). */
export interface Statement {
  /** The store operation: `claim`, `transition`, ... */
  readonly operation: string;
  readonly text: string;
  /**
   * Name of the server-side prepared statement, for texts run on every hot-path call (parsed
   * and planned once per connection). Null for texts built per call (queries with filters).
   */
  readonly preparedName: string | null;
}

export function statement(operation: string, text: string, options: { prepared?: boolean } = {}): Statement {
  const prepared = options.prepared ?? true;
  return {
    operation,
    text,
    // Derived from the text, so two stores over different tables never share a name by accident.
    preparedName: prepared ? `jobtrail_${operation}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}` : null,
  };
}
