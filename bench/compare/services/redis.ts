import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@jobtrail/testkit-postgres';

export interface RunningRedis {
  host: string;
  port: number;
  /** Writes since start (Redis' dirty counter; snapshots are off so it never resets). */
  changes(): Promise<number>;
  stop(): Promise<void>;
}

/** Finds Debian's `redis-server` on PATH; null when it is not installed. */
export function findRedisServer(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : null;
}

/**
 * Starts a throw-away Redis on loopback and a free port, without persistence (BullMQ's own
 * benchmarks run the same way; PostgreSQL here runs with fsync on, which the README notes).
 */
export async function startRedis(binary: string): Promise<RunningRedis> {
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'jobtrail-redis-'));
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPong(port);
  return {
    host: '127.0.0.1',
    port,
    changes: async () => {
      const info = await command(port, 'INFO persistence');
      const match = /rdb_changes_since_last_save:(\d+)/.exec(info);
      if (!match) throw new Error(`redis: no rdb_changes_since_last_save in INFO: ${info.slice(0, 200)}`);
      return Number(match[1]);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await command(port, 'PING')).includes('PONG')) return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis did not start on port ${port}`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One inline command over a raw socket; enough for PING and INFO without a client library. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk: string) => {
      data += chunk;
      const bulk = /^\$(\d+)\r\n/.exec(data);
      const done = bulk ? data.length >= bulk[0].length + Number(bulk[1]) + 2 : data.endsWith('\r\n');
      if (done) {
        socket.end();
        resolve(data);
      }
    });
  });
}
