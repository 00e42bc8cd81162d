import type { Command } from 'commander';
import { addCommonFlags, outputFor, withSession, type CommandContext, type CommonFlags } from '../command-context.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  addCommonFlags(
    program
      .command('migrate')
      .summary('create or update the job tables (PostgreSQL) or indexes (MongoDB)')
      .description('Creates or updates the job tables (PostgreSQL: store.migrate()) or the indexes (MongoDB: store.ensureIndexes()). Safe to run again: what exists is kept.'),
  ).action(async (flags: CommonFlags) => {
    const output = outputFor(flags, context);
    const report = await withSession(flags, context, (session) => session.migrate());
    output.result(report, () => {
      if (report.database === 'mongodb') return `Ensured ${report.indexes.length} indexes: ${report.indexes.join(', ')}.`;
      return report.applied.length === 0
        ? `Already up to date (schema version ${report.version}).`
        : `Applied migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')}; schema version ${report.version}.`;
    });
  });
}
