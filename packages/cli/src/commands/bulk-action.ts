import type { JobFilter, JobStatus } from '@jobtrail/core';
import type { Command } from 'commander';
import { CliInterruptedError, CliUsageError } from '../cli-errors.js';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { addJobFilterFlags, describeFilter, describeFilterForPeople, toJobFilter, type JobFilterFlags } from '../job-filter-options.js';
import { formatDate, orList, table } from '../output.js';
import { reasonOf, type StoreSession } from '../store-session.js';

interface BulkFlags extends CommonFlags, JobFilterFlags {
  dryRun?: boolean;
}

interface BulkAction {
  name: 'retry' | 'cancel';
  summary: string;
  /** `Retried`, `Cancelled`. */
  done: string;
  /** `retried`, `cancelled`. */
  doneLower: string;
  /**
   * The statuses the single-job action accepts (core's transitions: retry from failed or
   * cancelled, cancel from queued, retrying or running); a dry run counts these as changeable.
   */
  from: readonly JobStatus[];
  run(session: StoreSession, filter: JobFilter): Promise<{ matched: number; changed: number }>;
}

/** Jobs a dry run shows, so the reader can check the filter catches what they meant. */
const SAMPLE_SIZE = 10;

const FILTER_FLAGS = '--status, --type, --error-code, --key, --group, --schedule-name, --tenant-id, --owner-id, --parent-id, --metadata, --since, --until';

export function registerRetry(program: Command, context: CommandContext): void {
  registerBulk(program, context, {
    name: 'retry',
    summary: 'retry every failed or cancelled job the filter matches',
    done: 'Retried',
    doneLower: 'retried',
    from: ['failed', 'cancelled'],
    run: (session, filter) => session.tracker.retryMany(filter),
  });
}

export function registerCancel(program: Command, context: CommandContext): void {
  registerBulk(program, context, {
    name: 'cancel',
    summary: 'cancel every queued, retrying or running job the filter matches',
    done: 'Cancelled',
    doneLower: 'cancelled',
    from: ['queued', 'retrying', 'running'],
    run: (session, filter) => session.tracker.cancelMany(filter),
  });
}

function registerBulk(program: Command, context: CommandContext, action: BulkAction): void {
  addCommonFlags(
    addJobFilterFlags(
      program
        .command(action.name)
        .summary(action.summary)
        .description(
          `${action.summary[0]!.toUpperCase()}${action.summary.slice(1)}, as \`tracker.${action.name}Many(filter)\` does. At least one filter flag is required. Jobs in other statuses are counted as matched, not changed. With --dry-run nothing changes: it reports how many jobs match and would change, and the first ${SAMPLE_SIZE}.`,
        ),
    ),
  )
    .option('--dry-run', 'report what would change, change nothing')
    .action(async (flags: BulkFlags) => {
      const output = outputFor(flags, context);
      const filter = toJobFilter(flags, context.now());
      if (Object.keys(filter).length === 0) {
        throw new CliUsageError(`${action.name} needs at least one filter (${FILTER_FLAGS}); without one it would ${action.name} every job.`);
      }
      const shown = describeFilter(filter);
      if (flags.dryRun) {
        const preview = await withSession(flags, context, (session) => dryRun(session, filter, action));
        output.result({ dryRun: true, filter: shown, ...preview }, () => {
          const verb = action.name === 'retry' ? 'retry' : 'cancel';
          const line = `Dry run: would ${verb} ${preview.wouldChange} of ${preview.matched} matching job${preview.matched === 1 ? '' : 's'} (only ${orList(action.from)} jobs can be changed). Nothing was changed.\nFilter: ${describeFilterForPeople(filter)}.`;
          if (preview.sample.length === 0) return line;
          const rows = preview.sample.map((job) => [job.id, job.type, job.status, formatDate(job.createdAt)]);
          return `${line}\n${table(['id', 'type', 'status', 'created'], rows)}`;
        });
        return;
      }
      let result: { matched: number; changed: number };
      try {
        result = await withSession(flags, context, (session) => action.run(session, filter));
      } catch (error) {
        if (!isBulkActionInterrupted(error)) throw error;
        const reason = reasonOf(error.cause ?? error);
        if (output.json) output.result({ dryRun: false, filter: shown, matched: error.matched, changed: error.changed, interrupted: true, error: reason }, () => '');
        throw new CliInterruptedError(`${action.doneLower} ${error.changed} of ${error.matched} matched jobs before failing: ${reason}; run the same command again to finish`, { cause: error });
      }
      output.result({ dryRun: false, filter: shown, ...result }, () => `${action.done} ${result.changed} of ${result.matched} matching job${result.matched === 1 ? '' : 's'}.`);
    });
}

/** The same filter the real run takes, counted and sampled instead of acted on. */
async function dryRun(session: StoreSession, filter: JobFilter, action: BulkAction) {
  const [stats, page] = await Promise.all([
    session.tracker.stats(filter),
    session.tracker.list({ ...filter, limit: SAMPLE_SIZE, read: { payload: 'omit', result: 'omit', metadata: 'omit' } }),
  ]);
  const wouldChange = action.from.reduce((sum, status) => sum + stats.byStatus[status], 0);
  return {
    matched: stats.total,
    wouldChange,
    byStatus: stats.byStatus,
    sample: page.jobs.map((job) => ({ id: job.id, type: job.type, status: job.status, createdAt: job.createdAt })),
  };
}

/**
 * Core's `BulkActionError` (code `bulk_action_interrupted`): `retryMany`/`cancelMany` failed after
 * changing `changed` of the `matched` jobs; `cause` is the failure. Told by its shape, not its
 * class, so a CLI beside another copy of core still recognises it.
 */
interface BulkActionInterruption {
  code: 'bulk_action_interrupted';
  matched: number;
  changed: number;
  cause?: unknown;
}

function isBulkActionInterrupted(error: unknown): error is BulkActionInterruption {
  if (typeof error !== 'object' || error === null) return false;
  const { code, matched, changed } = error as Record<string, unknown>;
  return code === 'bulk_action_interrupted' && typeof matched === 'number' && typeof changed === 'number';
}
