import type { JobTypeInfo } from '@jobtrail/core';
import type { Command } from 'commander';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { formatMs, table } from '../output.js';

export function registerTypes(program: Command, context: CommandContext): void {
  addCommonFlags(
    program
      .command('types')
      .summary('list job types with their limits, pauses and counts')
      .description('Lists every job type with limits, a pause or jobs in the store: its flow-control limits, whether it is paused, and its jobs by status.'),
  ).action(async (flags: CommonFlags) => {
    const output = outputFor(flags, context);
    const types = await withSession(flags, context, (session) => session.tracker.listTypes());
    output.result({ types }, () => {
      if (types.length === 0) return 'No job types.';
      const rows = types.map((info) => [
        info.type,
        info.paused ? 'paused' : '',
        info.limits.maxRunning === null ? '' : String(info.limits.maxRunning),
        info.limits.maxRunningPerGroup === null ? '' : String(info.limits.maxRunningPerGroup),
        rateLimit(info),
        String(info.counts.byStatus.queued),
        String(info.counts.byStatus.running),
        String(info.counts.byStatus.retrying),
        String(info.counts.byStatus.failed),
        String(info.counts.total),
      ]);
      return table(['type', 'paused', 'max running', 'max per group', 'rate limit', 'queued', 'running', 'retrying', 'failed', 'total'], rows);
    });
  });
}

function rateLimit(info: JobTypeInfo): string {
  const limit = info.limits.rateLimit;
  if (limit === null) return '';
  return `${limit.limit} per ${formatMs(limit.intervalMs)}${limit.perGroup ? ' per group' : ''}`;
}
