import { defaultTracesMode, type TracesMode } from './telemetry.js';
import type { StoreKind } from './store/demo-store.js';

export interface DemoOptions {
  host: string;
  /** 0 picks a free port (the ready line tells which). */
  port: number;
  store: StoreKind;
  /** Data folder of the embedded PostgreSQL; unused with DATABASE_URL or `--store memory`. */
  dataDir: string | undefined;
  traces: TracesMode;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run demo -- [options]

  --port <n>          HTTP port (default: $PORT or 3000; 0 picks a free one)
  --host <address>    interface to listen on (default 127.0.0.1)
  --store <kind>      postgres (default: embedded, or DATABASE_URL when set) | memory
  --data-dir <path>   data folder of the embedded PostgreSQL (default apps/demo/.data/postgres)
  --traces <mode>     console (default) | otlp (default when OTEL_EXPORTER_OTLP_ENDPOINT is set) | off
  --help              show this help`;

/** Reads argv and the environment; throws UsageError with a message that says what to fix. */
export function parseDemoOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions | 'help' {
  const options: DemoOptions = {
    host: '127.0.0.1',
    port: parsePort(env['PORT'] ?? '3000', 'PORT'),
    store: 'postgres',
    dataDir: undefined,
    traces: defaultTracesMode(env),
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--help' || arg === '-h') return 'help';
    const [flag, inlineValue] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const next = inlineValue ?? argv[++index];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value.`);
      return next;
    };
    switch (flag) {
      case '--port':
        options.port = parsePort(value(), '--port');
        break;
      case '--host':
        options.host = value();
        break;
      case '--store': {
        const kind = value();
        if (kind !== 'memory' && kind !== 'postgres') {
          throw new UsageError(`--store must be "postgres" or "memory"; got "${kind}".`);
        }
        options.store = kind;
        break;
      }
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--traces': {
        const mode = value();
        if (mode !== 'console' && mode !== 'otlp' && mode !== 'off') {
          throw new UsageError(`--traces must be "console", "otlp" or "off"; got "${mode}".`);
        }
        options.traces = mode;
        break;
      }
      default:
        throw new UsageError(`Unknown option "${arg}".`);
    }
  }
  return options;
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new UsageError(`${name} must be a port number from 0 to 65535; got "${text}".`);
  return port;
}
