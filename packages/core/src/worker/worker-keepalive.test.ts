import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./keepalive-child.test-support.ts', import.meta.url));

describe('a started worker and the process it runs in', () => {
  it('keeps a process with nothing else to do alive until a scheduled tick runs, and lets it exit after stop()', async () => {
    const process = fork(child, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    process.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    process.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => process.once('exit', (exitCode) => resolve(exitCode)));
    expect(output).toMatch(/^ran \d{4}-\d\d-\d\dT/);
    expect(code).toBe(0);
  }, 60_000);
});
