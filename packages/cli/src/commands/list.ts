import type { Command } from 'commander';
import { CliUsageError } from '../cli-errors.js';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { addJobFilterFlags, toJobFilter, type JobFilterFlags } from '../job-filter-options.js';
import { formatDate, formatValue, table } from '../output.js';

interface ListFlags extends CommonFlags, JobFilterFlags {
  limit: string;
  cursor?: string;
  order: string;
}

/** Payload, result and metadata can be large; a listing shows none of them (`show <id>` does). */
const LEAVE_LARGE_FIELDS = { payload: 'omit', result: 'omit', metadata: 'omit' } as const;

export function registerList(program: Command, context: CommandContext): void {
  addCommonFlags(
    addJobFilterFlags(
      program
        .command('list')
        .summary('list jobs, newest first')
        .description('Lists the jobs the filter matches, a page at a time (newest first unless --order oldest). Payload, result and metadata are left out: see `show <id>`.'),
    ),
  )
    .option('--limit <n>', 'jobs per page, 1 to 1000', '50')
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--order <order>', "'newest' or 'oldest' first", 'newest')
    .action(async (flags: ListFlags) => {
      const output = outputFor(flags, context);
      const limit = Number(flags.limit);
      if (!/^\d+$/.test(flags.limit) || limit < 1 || limit > 1000) throw new CliUsageError(`--limit must be a whole number from 1 to 1000; got ${JSON.stringify(flags.limit)}.`);
      if (flags.order !== 'newest' && flags.order !== 'oldest') throw new CliUsageError(`--order must be 'newest' or 'oldest'; got ${JSON.stringify(flags.order)}.`);
      const filter = toJobFilter(flags, context.now());
      const page = await withSession(flags, context, (session) =>
        session.tracker.list({ ...filter, limit, order: flags.order as 'newest' | 'oldest', read: LEAVE_LARGE_FIELDS, ...(flags.cursor !== undefined ? { cursor: flags.cursor } : {}) }),
      );
      output.result(page, () => {
        if (page.jobs.length === 0) return 'No jobs match.';
        const rows = page.jobs.map((job) => [
          job.id,
          job.type,
          job.status,
          `${job.attempt}/${job.maxAttempts}`,
          formatDate(job.createdAt),
          formatDate(job.finishedAt),
          formatValue(job.error === null ? '' : `${job.error.code ?? ''} ${job.error.message}`.trim(), 60),
        ]);
        const rendered = table(['id', 'type', 'status', 'attempt', 'created', 'finished', 'error'], rows);
        return page.nextCursor === null ? rendered : `${rendered}\nMore: --cursor ${page.nextCursor}`;
      });
    });
}
