import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import type { CommandContext } from './command-context.js';
import { registerCancel, registerRetry } from './commands/bulk-action.js';
import { registerList } from './commands/list.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPrune } from './commands/prune.js';
import { registerSchedules } from './commands/schedules.js';
import { registerShow } from './commands/show.js';
import { registerStats } from './commands/stats.js';
import { registerTypes } from './commands/types.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

const CONNECTION_HELP = `Connection:
  PostgreSQL: --database-url or DATABASE_URL (postgres://user:password@host:5432/db),
              --schema and --table for a job table not at public.jobtrail_jobs.
  MongoDB:    --mongodb-url or MONGODB_URL (mongodb://host:27017/app),
              --mongodb-database and --collection for other names.`;

/**
 * The `jobtrail` program. Commander is told never to exit the process nor print on its own
 * streams: `runCli` decides the exit code and where text goes.
 */
export function createProgram(context: CommandContext): Command {
  const program = new Command('jobtrail')
    .description('Inspect and operate the jobs of a jobtrail store (PostgreSQL or MongoDB).')
    .version(packageJson.version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${CONNECTION_HELP}\n\n${EXIT_CODES_HELP}`);
  registerMigrate(program, context);
  registerStats(program, context);
  registerList(program, context);
  registerShow(program, context);
  registerRetry(program, context);
  registerCancel(program, context);
  registerPrune(program, context);
  registerSchedules(program, context);
  registerTypes(program, context);
  for (const command of program.commands) command.addHelpText('after', `\n${EXIT_CODES_HELP}`);
  return program;
}
