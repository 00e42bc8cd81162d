import type { TypeOrmDataSource, TypeOrmQueryRunner } from '../typeorm/typeorm-types.js';

interface Waiter {
  /** The runner's transaction depth when the job was inserted (savepoints nest). */
  depth: number;
  resolve: (committed: boolean) => void;
}

/** The parts of a TypeORM transaction event this watch reads. */
interface TransactionEvent {
  queryRunner: TypeOrmQueryRunner & { transactionDepth?: number };
}

/**
 * Tells when the caller's TypeORM transaction that holds an insert commits or rolls back, so core
 * fires `created` (and ends the enqueue span) after the commit and never on a rollback.
 *
 * It registers one TypeORM entity subscriber on the DataSource (TypeORM broadcasts
 * `afterTransactionCommit` / `afterTransactionRollback` to every subscriber in
 * `dataSource.subscribers`). A savepoint released inside an outer transaction is not a commit:
 * only the outermost commit resolves `true`; a rollback to below the insert's depth resolves
 * `false`.
 */
export class CommitWatch {
  private readonly waiting = new WeakMap<object, Waiter[]>();
  private registered = false;

  constructor(private readonly dataSource: TypeOrmDataSource) {}

  /** A promise of the outcome, or undefined when this DataSource cannot tell (events fire at once then). */
  watch(runner: TypeOrmQueryRunner): Promise<boolean> | undefined {
    if (!this.register()) return undefined;
    const depth = (runner as { transactionDepth?: number }).transactionDepth ?? 1;
    return new Promise<boolean>((resolve) => {
      const list = this.waiting.get(runner) ?? [];
      list.push({ depth, resolve });
      this.waiting.set(runner, list);
    });
  }

  private register(): boolean {
    if (this.registered) return true;
    const subscribers = (this.dataSource as { subscribers?: unknown }).subscribers;
    if (!Array.isArray(subscribers)) return false;
    subscribers.push({
      afterTransactionCommit: (event: TransactionEvent) => this.settle(event.queryRunner, 'commit'),
      afterTransactionRollback: (event: TransactionEvent) => this.settle(event.queryRunner, 'rollback'),
    });
    this.registered = true;
    return true;
  }

  private settle(runner: TransactionEvent['queryRunner'], what: 'commit' | 'rollback'): void {
    const list = this.waiting.get(runner);
    if (!list) return;
    const depth = runner.transactionDepth ?? (runner.isTransactionActive ? 1 : 0);
    const keep: Waiter[] = [];
    for (const waiter of list) {
      if (what === 'commit' && !runner.isTransactionActive) waiter.resolve(true);
      else if (what === 'rollback' && depth < waiter.depth) waiter.resolve(false);
      else keep.push(waiter);
    }
    if (keep.length > 0) this.waiting.set(runner, keep);
    else this.waiting.delete(runner);
  }
}
