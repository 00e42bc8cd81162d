import type { Job, JobHistoryEntry } from '@jobtrail/core';
import type { Command } from 'commander';
import { CliNotFoundError } from '../cli-errors.js';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';
import { formatDate, formatValue, recordTable, table } from '../output.js';

export function registerShow(program: Command, context: CommandContext): void {
  addCommonFlags(
    program
      .command('show')
      .argument('<id>', 'the job id')
      .summary('show one job with its history')
      .description('Shows one job: every field, and its attempts and retries. Exits 1 when no job has this id.'),
  ).action(async (id: string, flags: CommonFlags) => {
    const output = outputFor(flags, context);
    const job = await withSession(flags, context, (session) => session.tracker.get(id));
    if (job === null) throw new CliNotFoundError(`no job with id ${JSON.stringify(id)}.`);
    output.result(job, () => renderJob(job as Job));
  });
}

/** Shown in their own rows or table; `--json` has every field as stored. */
const SHOWN_APART = new Set(['attempt', 'maxAttempts', 'error', 'errors', 'history']);

function renderJob(job: Job): string {
  // Empty fields (no key, no group, no lease...) say nothing: left out.
  const fields = Object.entries(job).filter(([name, value]) => !SHOWN_APART.has(name) && value !== null && value !== undefined && value !== '');
  const rows: [string, string][] = fields.map(([name, value]) => [name, formatValue(value, 200)]);
  rows.splice(rows.findIndex(([name]) => name === 'status') + 1, 0, ['attempt', `${job.attempt} of ${job.maxAttempts}`]);
  if (job.error !== null) rows.push(['error', formatValue(`${job.error.code ?? job.error.name ?? 'error'}: ${job.error.message}`, 200)]);
  const rendered = recordTable(rows);
  if (job.history.length === 0) return rendered;
  const historyRows = job.history.map((entry: JobHistoryEntry) =>
    entry.kind === 'attempt'
      ? [`attempt ${entry.attempt}`, entry.outcome, formatDate(entry.startedAt), formatDate(entry.finishedAt), formatValue(entry.error === null ? '' : `${entry.error.code ?? ''} ${entry.error.message}`.trim(), 80)]
      : [`retry after ${entry.afterAttempt}`, 'retried', '', formatDate(entry.at), ''],
  );
  return `${rendered}\nHistory:\n${table(['entry', 'outcome', 'started', 'finished', 'error'], historyRows)}`;
}
