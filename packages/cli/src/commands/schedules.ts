import type { Schedule } from '@jobtrail/core';
import type { Command } from 'commander';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { formatDate, formatMs, table } from '../output.js';

interface SchedulesFlags extends CommonFlags {
  tenantId?: string;
}

/** Schedules read per round; all of them are listed. */
const PAGE = 200;

export function registerSchedules(program: Command, context: CommandContext): void {
  addCommonFlags(
    program
      .command('schedules')
      .summary('list the recurring schedules')
      .description('Lists every recurring schedule by name: its job type, timing, pause, next and last run.')
      .option('--tenant-id <id>', 'only schedules of this tenant'),
  ).action(async (flags: SchedulesFlags) => {
    const output = outputFor(flags, context);
    const schedules = await withSession(flags, context, async (session) => {
      const all: Schedule[] = [];
      let after: string | undefined;
      do {
        const page = await session.tracker.listSchedules({
          limit: PAGE,
          ...(after !== undefined ? { after } : {}),
          ...(flags.tenantId !== undefined ? { tenantId: flags.tenantId } : {}),
        });
        all.push(...page.schedules);
        after = page.nextCursor ?? undefined;
      } while (after !== undefined);
      return all;
    });
    output.result({ schedules }, () => {
      if (schedules.length === 0) return 'No schedules.';
      const rows = schedules.map((schedule) => [
        schedule.name,
        schedule.type,
        timing(schedule),
        schedule.paused ? 'paused' : schedule.enabled ? 'active' : 'ended',
        formatDate(schedule.nextRunAt),
        formatDate(schedule.lastRunAt),
        schedule.tenantId ?? '',
      ]);
      return table(['name', 'type', 'timing', 'state', 'next run', 'last run', 'tenant'], rows);
    });
  });
}

function timing(schedule: Schedule): string {
  if (schedule.cron !== null) return schedule.timezone ? `${schedule.cron} (${schedule.timezone})` : schedule.cron;
  return schedule.every === null ? '' : `every ${formatMs(schedule.every)}`;
}
