import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, type CliDatabase } from './support/cli-database.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(packageDir, 'dist', 'cli.js');

interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin as a user's shell would: the file itself, through its shebang. */
function runBin(args: string[], env: Record<string, string> = {}): Promise<BinRun> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _pg, MONGODB_URL: _mongo, ...inherited } = process.env;
    execFile(bin, args, { env: { ...inherited, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

let db: CliDatabase;

beforeAll(async () => {
  // The bin is the built file: build this package (turbo's test task builds only its dependencies).
  execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
  db = await createCliDatabase('cli_bin');
  await db.tracker.enqueue('bin.check', {});
});

afterAll(async () => {
  await db?.drop();
});

describe('the jobtrail bin', () => {
  it('runs through its shebang, reads DATABASE_URL, prints JSON and exits 0 once it has closed its connections', async () => {
    const result = await runBin(['stats', '--schema', db.schema, '--json'], { DATABASE_URL: db.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 1, byType: { 'bin.check': { total: 1 } } });
  });

  it('exits 2 with one line on stderr for an unreachable database', async () => {
    const result = await runBin(['list', '--database-url', 'postgres://u:pw@127.0.0.1:1/app']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^jobtrail: could not connect to PostgreSQL at 127\.0\.0\.1:1\/app: [^\n]+\n$/);
  });

  it('--help exits 0', async () => {
    const result = await runBin(['prune', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: jobtrail prune /);
  });
});
