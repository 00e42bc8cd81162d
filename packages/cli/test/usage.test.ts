import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../src/connection-options.js';
import { CliUsageError } from '../src/cli-errors.js';
import { connectionString, run } from './support/cli-database.js';

const COMMANDS = ['migrate', 'stats', 'list', 'show', 'retry', 'cancel', 'prune', 'schedules', 'types'];

describe('--help', () => {
  it.each(COMMANDS)('%s --help describes the command, its flags and the exit codes (exit 0, stdout only)', async (command) => {
    const result = await run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: jobtrail ${command} `));
    expect(result.stdout).toContain('--database-url <url>');
    expect(result.stdout).toContain('--mongodb-url <url>');
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
  });

  it('the program lists every command; no command at all is a usage error (exit 2)', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`\\n {2}${command} `));
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('DATABASE_URL');

    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^Usage: jobtrail/);
  });

  it('an unknown command or flag is a usage error (exit 2) with a suggestion', async () => {
    const command = await run(['lsit']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'lsit'[\s\S]*Did you mean list\?/);
    const flag = await run(['list', '--stauts', 'failed']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--stauts'[\s\S]*Did you mean --status\?/);
    const extra = await run(['stats', 'failed']);
    expect(extra.code).toBe(2);
  });

  it('--version prints the version (exit 0)', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('connection errors', () => {
  it('no URL anywhere: exit 2 and what to pass', async () => {
    const result = await run(['stats']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('jobtrail: no database given: pass --database-url (PostgreSQL) or --mongodb-url (MongoDB), or set DATABASE_URL or MONGODB_URL.\n');
  });

  it('a URL that is not a postgres URL: exit 2, one line, no stack trace', async () => {
    for (const url of ['not a url', 'mysql://user@host/db', 'postgres://']) {
      const result = await run(['stats', '--database-url', url]);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(/^jobtrail: --database-url \/ DATABASE_URL .*\n$/);
    }
  });

  it('a host that does not exist or refuses: exit 2, naming host and reason but never the password', async () => {
    for (const url of ['postgres://jobtrail:s3cret@no-such-host.invalid:5432/app', 'postgres://jobtrail:s3cret@127.0.0.1:1/app']) {
      const result = await run(['list', '--database-url', url, '--json']);
      expect(result.code, url).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^jobtrail: could not connect to PostgreSQL at (no-such-host\.invalid:5432|127\.0\.0\.1:1)\/app: \S.*\n$/);
      expect(result.stderr).not.toContain('s3cret');
    }
  });

  it('a wrong password: exit 2', async () => {
    const url = new URL(connectionString());
    url.password = 'wrong-password';
    url.username = 'no_such_user';
    const result = await run(['stats', '--database-url', url.toString()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jobtrail: could not connect to PostgreSQL at .*: .*(password|authentication|role).*\n$/);
  });

  describe('a server that accepts connections but never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('PostgreSQL: gives up after --connect-timeout (exit 2) instead of hanging', async () => {
      const result = await run(['stats', '--database-url', `postgres://u:p@127.0.0.1:${port}/app`, '--connect-timeout', '300ms']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^jobtrail: could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/app: .*timeout.*\\n$`, 'i'));
    });

    it('MongoDB: gives up after --connect-timeout (exit 2) instead of hanging', async () => {
      const result = await run(['stats', '--mongodb-url', `mongodb://127.0.0.1:${port}/app`, '--connect-timeout', '300ms']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^jobtrail: could not connect to MongoDB at 127\\.0\\.0\\.1:${port}/app: .+\\n$`));
    });
  });

  it('a MongoDB server that refuses: exit 2', async () => {
    const result = await run(['types', '--mongodb-url', 'mongodb://127.0.0.1:1/app', '--connect-timeout', '500ms', '--json']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^jobtrail: could not connect to MongoDB at 127\.0\.0\.1:1\/app: .+\n$/);
  });

  it('a MongoDB URL the driver refuses: exit 2 before connecting', async () => {
    const result = await run(['stats', '--mongodb-url', 'mongodb://localhost/app?noSuchOption=1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jobtrail: --mongodb-url \/ MONGODB_URL is not a valid MongoDB URL: .*noSuchOption.*\n$/i);
  });

  it('a bad --connect-timeout: exit 2', async () => {
    for (const timeout of ['soon', '0s']) {
      const result = await run(['stats', '--database-url', 'postgres://u@127.0.0.1:1/app', '--connect-timeout', timeout]);
      expect(result.code, timeout).toBe(2);
      expect(result.stderr).toMatch(/^jobtrail: --connect-timeout must be/);
    }
  });

  // Over 2^31 - 1 ms Node warns and fires the timer after 1 ms: 25d would give up at once.
  it('a --connect-timeout over 10 minutes: exit 2, saying the limit', async () => {
    for (const timeout of ['25d', '11m', '600001ms']) {
      const result = await run(['stats', '--database-url', 'postgres://u@127.0.0.1:1/app', '--connect-timeout', timeout]);
      expect(result.code, timeout).toBe(2);
      expect(result.stderr).toBe(`jobtrail: --connect-timeout must be at most 10m; got "${timeout}".\n`);
    }
    expect(resolveTarget({ databaseUrl: 'postgres://a/b', connectTimeout: '10m' }, {})).toMatchObject({ connectTimeoutMs: 600_000 });
  });

  it('a URL with a bad percent-escape: exit 2 naming the flag and the part, never echoing the password', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--database-url', 'postgres://u:S3%ZZCRET@127.0.0.1:1/db'], {}, /^jobtrail: --database-url \/ DATABASE_URL is not a valid URL: the password has a bad percent-escape/],
      [[], { DATABASE_URL: 'postgres://u:S3%ZZCRET@127.0.0.1:1/db' }, /^jobtrail: --database-url \/ DATABASE_URL is not a valid URL: the password/],
      [['--database-url', 'postgres://u%E0:S3CRET@127.0.0.1:1/db'], {}, /: the user name has a bad percent-escape/],
      [['--database-url', 'postgres://u:S3CRET@127.0.0.1:1/d%ZZb'], {}, /: the database name has a bad percent-escape/],
      [['--mongodb-url', 'mongodb://u:S3%ZZCRET@127.0.0.1:1/db'], {}, /^jobtrail: --mongodb-url \/ MONGODB_URL is not a valid URL: the password has a bad percent-escape/],
      [['--mongodb-url', 'mongodb://u:S3CRET@127.0.0.1:1/d%ZZb'], {}, /^jobtrail: --mongodb-url \/ MONGODB_URL is not a valid URL: the database name has a bad percent-escape/],
    ];
    for (const [flags, env, message] of cases) {
      const result = await run(['stats', ...flags], env);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/S3|URI malformed/);
    }
  });

  it('a Unix socket given by ?host=/dir: connects to the socket file there, and names it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'jobtrail-cli-socket-'));
    const connections: Socket[] = [];
    // Accepts and never answers: the connection attempt reaching this socket is what is checked.
    const server = createServer((socket) => void connections.push(socket));
    await new Promise<void>((resolve) => server.listen(join(directory, '.s.PGSQL.5432'), resolve));
    try {
      const result = await run(['stats', '--database-url', `postgresql:///app?host=${directory}`, '--connect-timeout', '300ms']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^jobtrail: could not connect to PostgreSQL at .* \(database app\): .*\n$/);
      expect(result.stderr).toContain(`at ${directory}/.s.PGSQL.5432 (database app)`);
      expect(result.stderr).not.toContain('names no host');
      expect(connections.length).toBeGreaterThan(0);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('resolveTarget: which store the flags and environment name', () => {
  const resolve = (flags: Parameters<typeof resolveTarget>[0], env: Record<string, string> = {}) => resolveTarget(flags, env);

  it('PostgreSQL from the flag or DATABASE_URL, with --schema and --table', () => {
    expect(resolve({ databaseUrl: 'postgres://u:pw@db:5432/app', schema: 'jobs', table: 'my_jobs' })).toEqual({
      kind: 'postgres',
      url: 'postgres://u:pw@db:5432/app',
      display: 'db:5432/app',
      schema: 'jobs',
      tableName: 'my_jobs',
      connectTimeoutMs: 10_000,
    });
    expect(resolve({}, { DATABASE_URL: 'postgresql://db/app' })).toMatchObject({ kind: 'postgres', url: 'postgresql://db/app' });
  });

  it('MongoDB from the flag or MONGODB_URL: database from the path or --mongodb-database, --collection', () => {
    expect(resolve({ mongodbUrl: 'mongodb://u:pw@a:27017,b:27017/app?replicaSet=rs0', collection: 'jobs', connectTimeout: '2s' })).toEqual({
      kind: 'mongodb',
      url: 'mongodb://u:pw@a:27017,b:27017/app?replicaSet=rs0',
      display: 'a:27017,b:27017/app',
      database: 'app',
      collectionName: 'jobs',
      connectTimeoutMs: 2_000,
    });
    expect(resolve({ mongodbDatabase: 'other' }, { MONGODB_URL: 'mongodb+srv://cluster.example.net/app' })).toMatchObject({ kind: 'mongodb', database: 'other', display: 'cluster.example.net/app' });
    expect(resolve({}, { MONGODB_URL: `mongodb://h/${encodeURIComponent('my db')}` })).toMatchObject({ database: 'my db' });
  });

  it('PostgreSQL over a Unix socket (?host=/dir): the display is the socket file, never localhost', () => {
    expect(resolve({ databaseUrl: 'postgresql:///postgres?host=/tmp' })).toMatchObject({ kind: 'postgres', url: 'postgresql:///postgres?host=/tmp', display: '/tmp/.s.PGSQL.5432 (database postgres)' });
    expect(resolve({ databaseUrl: 'postgres:///app?host=%2Fvar%2Frun%2Fpostgresql%2F&port=5433&user=u' })).toMatchObject({ display: '/var/run/postgresql/.s.PGSQL.5433 (database app)' });
    expect(resolve({ databaseUrl: 'postgres:///?host=/tmp' })).toMatchObject({ display: '/tmp/.s.PGSQL.5432' });
    expect(() => resolve({ databaseUrl: 'postgres:///app' })).toThrow(/names no host; expected postgres:\/\/user:password@host:5432\/database, or postgresql:\/\/\/database\?host=/);
  });

  it('a flag wins over the environment of either kind', () => {
    const env = { DATABASE_URL: 'postgres://env/app', MONGODB_URL: 'mongodb://env/app' };
    expect(resolve({ mongodbUrl: 'mongodb://flag/app' }, env)).toMatchObject({ kind: 'mongodb', url: 'mongodb://flag/app' });
    expect(resolve({ databaseUrl: 'postgres://flag/app' }, env)).toMatchObject({ kind: 'postgres', url: 'postgres://flag/app' });
  });

  it.each([
    [{}, { DATABASE_URL: 'postgres://a/b', MONGODB_URL: 'mongodb://a/b' }, /both DATABASE_URL and MONGODB_URL are set/],
    [{ databaseUrl: 'postgres://a/b', mongodbUrl: 'mongodb://a/b' }, {}, /either --database-url or --mongodb-url, not both/],
    [{ mongodbUrl: 'mongodb://a' }, {}, /name the MongoDB database/],
    [{ mongodbUrl: 'mongodb://a/app', schema: 'x' }, {}, /--schema does not apply to MongoDB/],
    [{ databaseUrl: 'postgres://a/app', collection: 'x' }, {}, /--collection does not apply to PostgreSQL/],
    [{ mongodbUrl: 'http://a/app' }, {}, /must start with mongodb:\/\/ or mongodb\+srv:\/\//],
    [{}, { DATABASE_URL: '  ' }, /no database given/],
  ])('refuses %o with env %o (a usage error)', (flags, env, message) => {
    expect(() => resolve(flags, env)).toThrow(CliUsageError);
    expect(() => resolve(flags, env)).toThrow(message);
  });

  it('usage errors reach the exit code: 2', async () => {
    const result = await run(['stats'], { DATABASE_URL: 'postgres://a/b', MONGODB_URL: 'mongodb://a/b' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/both DATABASE_URL and MONGODB_URL/);
  });
});
