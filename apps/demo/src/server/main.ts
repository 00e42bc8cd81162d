import { type DemoOptions, parseDemoOptions, USAGE, UsageError } from './cli-options.js';
import { startDemo } from './start-demo.js';

const log = (line: string) => console.log(`[demo] ${line}`);

async function main(): Promise<void> {
  let options: DemoOptions | 'help';
  try {
    options = parseDemoOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }

  const demo = await startDemo(options, log).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      console.error(`[demo] port ${options.port} is in use: try \`npm run demo -- --port 0\` for a free one.`);
    } else {
      console.error('[demo] could not start:', error);
    }
    process.exit(1);
  });

  // The e2e test waits for this exact line.
  log(`ready on ${demo.url}`);

  let stoppingSince: number | null = null;
  const shutdown = (signal: string) => {
    if (stoppingSince !== null) {
      // One kill often delivers the signal twice (to the process and to its group): only a
      // second Ctrl-C a moment later means "stop now".
      if (Date.now() - stoppingSince < 1_500) return;
      log('stopping anyway');
      process.exit(1);
    }
    stoppingSince = Date.now();
    log(`${signal}: stopping the worker, the store and the server...`);
    demo.stop().then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('[demo] error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
