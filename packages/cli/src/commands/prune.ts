import { TERMINAL_STATUSES, type TerminalStatus } from '@jobtrail/core';
import type { Command } from 'commander';
import { CliUsageError } from '../cli-errors.js';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { DURATION_HELP, parseDuration } from '../duration.js';
import { formatDate, table } from '../output.js';
import type { StoreSession } from '../store-session.js';

type PruneFlags = CommonFlags & Partial<Record<TerminalStatus, string>> & { dryRun?: boolean };

/** Jobs read per round when a dry run counts: a page of ids and dates, never the large fields. */
const PAGE = 1000;

/** The earliest instant every store can hold (core refuses dates before it). */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');

/**
 * Refuses an age whose cut-off (`now - ageMs`) falls before year 0001, naming the flag given:
 * otherwise core refuses it under its internal field name, or the dry run under `--until`.
 * @throws {CliUsageError}
 */
function checkCutoff(status: TerminalStatus, age: string, ageMs: number, now: number): void {
  if (now - ageMs < EARLIEST_MS) {
    throw new CliUsageError(`--${status}: ${JSON.stringify(age)} reaches back before 0001-01-01T00:00:00Z, the earliest date a store holds; give a shorter age.`);
  }
}

export function registerPrune(program: Command, context: CommandContext): void {
  const command = program
    .command('prune')
    .summary('delete finished jobs older than a cut-off per status')
    .description(
      `Deletes finished jobs that finished longer ago than the cut-off given for their status (${DURATION_HELP}). Statuses without a flag are kept. With --dry-run nothing is deleted: it counts what would be.`,
    );
  for (const status of TERMINAL_STATUSES) {
    command.option(`--${status} <age>`, `delete ${status} jobs that finished longer ago than this`);
  }
  addCommonFlags(command)
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .action(async (flags: PruneFlags) => {
      const output = outputFor(flags, context);
      const olderThan: Partial<Record<TerminalStatus, string>> = {};
      const olderThanMs: Partial<Record<TerminalStatus, number>> = {};
      for (const status of TERMINAL_STATUSES) {
        const age = flags[status];
        if (age === undefined) continue;
        olderThan[status] = age;
        olderThanMs[status] = parseDuration(age, `--${status}`);
        checkCutoff(status, age, olderThanMs[status], context.now());
      }
      const statuses = Object.keys(olderThanMs) as TerminalStatus[];
      if (statuses.length === 0) {
        throw new CliUsageError(`prune needs at least one cut-off: ${TERMINAL_STATUSES.map((status) => `--${status} <age>`).join(', ')} (e.g. --completed 7d --failed 30d).`);
      }
      if (flags.dryRun) {
        const counts = await withSession(flags, context, (session) => countPrunable(session, olderThan, olderThanMs));
        const total = Object.values(counts.wouldDelete).reduce((sum, count) => sum + count, 0);
        output.result({ dryRun: true, olderThan, ...counts, total }, () => {
          const rows = statuses.map((status) => [status, olderThan[status]!, formatDate(new Date(counts.cutoffs[status]!)), String(counts.wouldDelete[status])]);
          return `Dry run: would delete ${total} job${total === 1 ? '' : 's'}. Nothing was deleted.\n${table(['status', 'older than', 'finished before', 'jobs'], rows)}`;
        });
        return;
      }
      const deleted = await withSession(flags, context, async (session) => {
        // Cut-offs on the database's clock, as the dry run judges them, not on this machine's.
        await session.tracker.clockReady();
        return session.tracker.prune({ olderThanMs, statuses });
      });
      output.result({ dryRun: false, olderThan, deleted }, () => `Deleted ${deleted} job${deleted === 1 ? '' : 's'}.`);
    });
}

/**
 * How many jobs of each status finished before its cut-off, on the database's clock as the
 * tracker's prune judges it. A job finishes after it is created, so only jobs created before the
 * cut-off are read (ids and dates only).
 */
async function countPrunable(session: StoreSession, olderThan: Partial<Record<TerminalStatus, string>>, olderThanMs: Partial<Record<TerminalStatus, number>>) {
  const now = await session.now();
  // Again on the database's clock, which may be a little behind this machine's.
  for (const [status, age] of Object.entries(olderThanMs) as [TerminalStatus, number][]) checkCutoff(status, olderThan[status]!, age, now);
  const cutoffs: Partial<Record<TerminalStatus, string>> = {};
  const wouldDelete: Partial<Record<TerminalStatus, number>> = {};
  for (const [status, age] of Object.entries(olderThanMs) as [TerminalStatus, number][]) {
    const cutoff = new Date(now - age);
    cutoffs[status] = cutoff.toISOString();
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await session.tracker.list({
        status,
        createdBefore: cutoff,
        limit: PAGE,
        read: { payload: 'omit', result: 'omit', metadata: 'omit' },
        ...(cursor !== undefined ? { cursor } : {}),
      });
      count += page.jobs.filter((job) => job.finishedAt !== null && job.finishedAt < cutoff).length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    wouldDelete[status] = count;
  }
  return { cutoffs, wouldDelete };
}
