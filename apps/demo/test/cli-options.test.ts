import { describe, expect, it } from 'vitest';
import { parseDemoOptions, UsageError } from '../src/server/cli-options.js';

describe('parseDemoOptions', () => {
  it('defaults to embedded PostgreSQL on 127.0.0.1:3000 with console traces', () => {
    expect(parseDemoOptions([], {})).toEqual({ host: '127.0.0.1', port: 3000, store: 'postgres', dataDir: undefined, traces: 'console' });
  });

  it('takes PORT from the environment and OTLP when an endpoint is configured', () => {
    const options = parseDemoOptions([], { PORT: '4100', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(options).toMatchObject({ port: 4100, traces: 'otlp' });
  });

  it('reads flags in both "--flag value" and "--flag=value" forms', () => {
    expect(parseDemoOptions(['--store', 'memory', '--port=0', '--traces=off', '--data-dir', '/tmp/x'], {})).toMatchObject({
      store: 'memory',
      port: 0,
      traces: 'off',
      dataDir: '/tmp/x',
    });
  });

  it('answers "help" for --help', () => {
    expect(parseDemoOptions(['--help'], {})).toBe('help');
  });

  it.each([
    [['--store', 'mysql'], /--store must be "postgres" or "memory"/],
    [['--port', '70000'], /--port must be a port number/],
    [['--port', '12ab'], /--port must be a port number/],
    [['--port'], /--port needs a value/],
    [['--traces', 'loud'], /--traces must be/],
    [['--verbose'], /Unknown option "--verbose"/],
  ])('rejects %j with a message that says what to fix', (argv, message) => {
    expect(() => parseDemoOptions(argv, {})).toThrow(UsageError);
    expect(() => parseDemoOptions(argv, {})).toThrow(message);
  });

  it('rejects a bad PORT variable', () => {
    expect(() => parseDemoOptions([], { PORT: 'eighty' })).toThrow(/PORT must be a port number/);
  });
});
