import { JOB_STATUSES, type StatusCounts } from '@jobtrail/core';
import type { Command } from 'commander';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { addJobFilterFlags, toJobFilter, type JobFilterFlags } from '../job-filter-options.js';
import { table } from '../output.js';

export function registerStats(program: Command, context: CommandContext): void {
  addCommonFlags(
    addJobFilterFlags(
      program.command('stats').summary('count jobs by type and status').description('Counts the jobs the filter matches (all jobs without one), by type and status.'),
    ),
  ).action(async (flags: CommonFlags & JobFilterFlags) => {
    const output = outputFor(flags, context);
    const filter = toJobFilter(flags, context.now());
    const stats = await withSession(flags, context, (session) => session.tracker.stats(filter));
    output.result(stats, () => {
      if (stats.total === 0) return 'No jobs match.';
      const row = (name: string, counts: StatusCounts) => [name, String(counts.total), ...JOB_STATUSES.map((status) => String(counts.byStatus[status]))];
      const types = Object.keys(stats.byType).sort();
      return table(['type', 'total', ...JOB_STATUSES], [...types.map((type) => row(type, stats.byType[type]!)), row('(all)', stats)]);
    });
  });
}
