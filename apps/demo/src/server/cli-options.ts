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
      case '--store':
        options.store = oneOf(flag, value(), ['postgres', 'memory']);
        break;
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--traces':
        options.traces = oneOf(flag, value(), ['console', 'otlp', 'off']);
        break;
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

/** `value` if it is one of `allowed`; otherwise a UsageError that lists them. */
function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const quoted = allowed.map((choice) => `"${choice}"`);
  throw new UsageError(`${flag} must be ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}; got "${value}".`);
}
