import type { Command } from 'commander';
import { CliUsageError } from './cli-errors.js';
import { parseDuration } from './duration.js';

/** The connection flags every command takes. */
export interface ConnectionFlags {
  databaseUrl?: string;
  mongodbUrl?: string;
  schema?: string;
  table?: string;
  mongodbDatabase?: string;
  collection?: string;
  connectTimeout?: string;
}

export interface PostgresTarget {
  kind: 'postgres';
  url: string;
  /** Where `host:port` is named in messages: never the password. */
  display: string;
  schema?: string;
  tableName?: string;
  connectTimeoutMs: number;
}

export interface MongoTarget {
  kind: 'mongodb';
  url: string;
  display: string;
  database: string;
  collectionName?: string;
  connectTimeoutMs: number;
}

export type StoreTarget = PostgresTarget | MongoTarget;

export const DEFAULT_CONNECT_TIMEOUT = '10s';

/** Longer than anyone waits for a connection, and far below Node's timer limit (2^31 - 1 ms). */
export const MAX_CONNECT_TIMEOUT_MS = 600_000;

/** Adds the connection flags to `command`. */
export function addConnectionFlags(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL connection URL (default: $DATABASE_URL)')
    .option('--schema <name>', 'PostgreSQL schema of the job table (default: public)')
    .option('--table <name>', 'PostgreSQL job table (default: jobtrail_jobs)')
    .option('--mongodb-url <url>', 'MongoDB connection URL (default: $MONGODB_URL)')
    .option('--mongodb-database <name>', "MongoDB database (default: the URL's path)")
    .option('--collection <name>', 'MongoDB jobs collection (default: jobtrail_jobs)')
    .option('--connect-timeout <duration>', 'give up connecting after this long', DEFAULT_CONNECT_TIMEOUT);
}

/**
 * Which database the flags (else the environment) name. A flag wins over the environment; both
 * kinds at once, or neither, is a usage error, as is a URL of the wrong scheme.
 * @throws {CliUsageError}
 */
export function resolveTarget(flags: ConnectionFlags, env: Record<string, string | undefined>): StoreTarget {
  const connectTimeoutMs = parseDuration(flags.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT, '--connect-timeout');
  if (connectTimeoutMs === 0) throw new CliUsageError('--connect-timeout must be more than 0.');
  if (connectTimeoutMs > MAX_CONNECT_TIMEOUT_MS) {
    throw new CliUsageError(`--connect-timeout must be at most 10m; got ${JSON.stringify(flags.connectTimeout)}.`);
  }
  if (flags.databaseUrl !== undefined && flags.mongodbUrl !== undefined) {
    throw new CliUsageError('give either --database-url or --mongodb-url, not both.');
  }
  const fromFlags = flags.databaseUrl !== undefined || flags.mongodbUrl !== undefined;
  const databaseUrl = fromFlags ? flags.databaseUrl : nonEmpty(env['DATABASE_URL']);
  const mongodbUrl = fromFlags ? flags.mongodbUrl : nonEmpty(env['MONGODB_URL']);
  if (databaseUrl !== undefined && mongodbUrl !== undefined) {
    throw new CliUsageError('both DATABASE_URL and MONGODB_URL are set; choose one with --database-url or --mongodb-url.');
  }
  if (databaseUrl !== undefined) {
    rejectFlags(flags, ['mongodbDatabase', 'collection'], 'PostgreSQL');
    return {
      kind: 'postgres',
      url: databaseUrl,
      display: postgresDisplay(databaseUrl),
      ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
      ...(flags.table !== undefined ? { tableName: flags.table } : {}),
      connectTimeoutMs,
    };
  }
  if (mongodbUrl !== undefined) {
    rejectFlags(flags, ['schema', 'table'], 'MongoDB');
    const { display, database } = mongoParts(mongodbUrl);
    const name = flags.mongodbDatabase ?? database;
    if (name === undefined) {
      throw new CliUsageError('name the MongoDB database: in the URL (mongodb://host/app) or with --mongodb-database.');
    }
    return {
      kind: 'mongodb',
      url: mongodbUrl,
      display,
      database: name,
      ...(flags.collection !== undefined ? { collectionName: flags.collection } : {}),
      connectTimeoutMs,
    };
  }
  throw new CliUsageError('no database given: pass --database-url (PostgreSQL) or --mongodb-url (MongoDB), or set DATABASE_URL or MONGODB_URL.');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

const FLAG_NAMES: Record<string, string> = {
  schema: '--schema',
  table: '--table',
  mongodbDatabase: '--mongodb-database',
  collection: '--collection',
};

function rejectFlags(flags: ConnectionFlags, names: (keyof ConnectionFlags)[], kind: string): void {
  for (const name of names) {
    if (flags[name] !== undefined) throw new CliUsageError(`${FLAG_NAMES[name]} does not apply to ${kind}.`);
  }
}

const POSTGRES_URL_HELP = 'expected postgres://user:password@host:5432/database, or postgresql:///database?host=/var/run/postgresql for a Unix socket';

/**
 * `host:port/database` of a postgres URL (for a Unix socket given as `?host=/dir`, the socket's
 * path and the database), refusing anything that is not one. Percent-escapes are checked here:
 * the drivers decode them with `decodeURIComponent`, whose bare "URI malformed" names neither the
 * flag nor the part, and the password must never be echoed.
 */
function postgresDisplay(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliUsageError(`--database-url / DATABASE_URL is not a URL; ${POSTGRES_URL_HELP}.`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new CliUsageError(`--database-url / DATABASE_URL must start with postgres:// or postgresql://; got ${parsed.protocol}//.`);
  }
  checkEscapes('--database-url / DATABASE_URL', { 'user name': parsed.username, password: parsed.password, 'database name': parsed.pathname });
  const hostParam = parsed.searchParams.get('host') ?? '';
  if (parsed.hostname === '' && hostParam === '') throw new CliUsageError(`--database-url / DATABASE_URL names no host; ${POSTGRES_URL_HELP}.`);
  if (parsed.hostname !== '') return `${parsed.host}${parsed.pathname}`;
  const database = decodeURIComponent(parsed.pathname.slice(1));
  const port = parsed.port === '' ? (parsed.searchParams.get('port') ?? '5432') : parsed.port;
  // pg connects to the socket file `.s.PGSQL.<port>` in the directory `?host=` names.
  const where = hostParam.startsWith('/') ? `${hostParam.replace(/\/+$/, '')}/.s.PGSQL.${port}` : `${hostParam}:${port}`;
  return database === '' ? where : `${where} (database ${database})`;
}

/**
 * Refuses a URL part whose percent-escapes do not decode (`S3%ZZ`), naming the part but never its
 * value (it may be the password).
 * @throws {CliUsageError}
 */
function checkEscapes(source: string, parts: Record<string, string>): void {
  for (const [part, raw] of Object.entries(parts)) {
    try {
      decodeURIComponent(raw);
    } catch {
      throw new CliUsageError(`${source} is not a valid URL: the ${part} has a bad percent-escape (write a literal % as %25).`);
    }
  }
}

/**
 * Hosts (shown in messages) and database (the path) of a mongodb URL. Read by hand: a
 * `mongodb://a:1,b:2/app` seed list is no WHATWG URL. The driver checks the rest when it connects.
 */
function mongoParts(url: string): { display: string; database: string | undefined } {
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)(?:\/([^?]*))?/.exec(url);
  if (!match) {
    throw new CliUsageError('--mongodb-url / MONGODB_URL must start with mongodb:// or mongodb+srv:// and name a host; expected mongodb://host:27017/app.');
  }
  const userInfo = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/.exec(url)?.[1] ?? '';
  const colon = userInfo.indexOf(':');
  const username = colon === -1 ? userInfo : userInfo.slice(0, colon);
  const password = colon === -1 ? '' : userInfo.slice(colon + 1);
  checkEscapes('--mongodb-url / MONGODB_URL', { 'user name': username, password, 'database name': match[2] ?? '' });
  const hosts = match[1]!;
  const database = match[2] === undefined || match[2] === '' ? undefined : decodeURIComponent(match[2]);
  return { display: database === undefined ? hosts : `${hosts}/${database}`, database };
}
