import type { JobFilter, JobStatus, MetadataFilter } from '@jobtrail/core';
import { CliUsageError } from './cli-errors.js';
import type { Command } from 'commander';
import { parseInstant } from './duration.js';
import { orList } from './output.js';

/** The filter flags as commander hands them over (lists from repeated or comma-separated flags). */
export interface JobFilterFlags {
  status?: string[];
  type?: string[];
  errorCode?: string;
  key?: string;
  group?: string;
  scheduleName?: string;
  tenantId?: string;
  ownerId?: string;
  parentId?: string;
  metadata?: string;
  since?: string;
  until?: string;
}

/** `--status failed --status cancelled` and `--status failed,cancelled` both give both. */
function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return [...(previous ?? []), ...items];
}

/** Adds the job filter flags (the tracker's list filter) to `command`. */
export function addJobFilterFlags(command: Command): Command {
  return command
    .option('--status <status>', 'only jobs of this status; repeat or comma-separate for several', collectList)
    .option('--type <type>', 'only jobs of this type; repeat or comma-separate for several', collectList)
    .option('--error-code <code>', "only jobs whose current error has this code (e.g. 'http_503', 'job_timeout')")
    .option('--key <key>', 'only jobs with this dedupe key')
    .option('--group <group>', 'only jobs of this group')
    .option('--schedule-name <name>', 'only jobs this recurring schedule fired')
    .option('--tenant-id <id>', 'only jobs of this tenant')
    .option('--owner-id <id>', 'only jobs of this owner')
    .option('--parent-id <id>', 'only children of this job')
    .option('--metadata <json>', `only jobs whose metadata has these top-level fields and values, as a JSON object ('{"customerId":"c-42"}')`)
    .option('--since <when>', "only jobs created after this: a duration back from now ('1h', '7d') or an ISO date-time")
    .option('--until <when>', "only jobs created before this: a duration back from now ('30m') or an ISO date-time");
}

/** The tracker's filter for the flags given; `now` anchors `--since 1h`. */
export function toJobFilter(flags: JobFilterFlags, now: number): JobFilter {
  const filter: JobFilter = {};
  if (flags.status !== undefined) filter.status = flags.status as JobStatus[];
  if (flags.type !== undefined) filter.type = flags.type;
  if (flags.errorCode !== undefined) filter.errorCode = flags.errorCode;
  if (flags.key !== undefined) filter.key = flags.key;
  if (flags.group !== undefined) filter.group = flags.group;
  if (flags.scheduleName !== undefined) filter.scheduleName = flags.scheduleName;
  if (flags.tenantId !== undefined) filter.tenantId = flags.tenantId;
  if (flags.ownerId !== undefined) filter.ownerId = flags.ownerId;
  if (flags.parentId !== undefined) filter.parentId = flags.parentId;
  if (flags.metadata !== undefined) filter.metadata = parseMetadata(flags.metadata);
  if (flags.since !== undefined) filter.createdAfter = parseInstant(flags.since, '--since', now);
  if (flags.until !== undefined) filter.createdBefore = parseInstant(flags.until, '--until', now);
  return filter;
}

/** `--metadata '{"tier":2}'`: JSON, so numbers and booleans keep their type; core checks the rest. */
function parseMetadata(text: string): MetadataFilter {
  try {
    return JSON.parse(text) as MetadataFilter;
  } catch {
    throw new CliUsageError(`--metadata: must be a JSON object such as '{"customerId":"c-42"}'; got ${JSON.stringify(text)}.`);
  }
}

/** The filter as JSON shows it (dates as ISO strings), for `--json` answers of bulk commands. */
export function describeFilter(filter: JobFilter): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filter).map(([name, value]) => [name, value instanceof Date ? value.toISOString() : value]));
}

/** What people read of a filter: `status failed or cancelled, created after 2026-03-02T00:00:00.000Z`. */
export function describeFilterForPeople(filter: JobFilter): string {
  const parts: string[] = [];
  const list = (value: string | readonly string[]) => (typeof value === 'string' ? value : orList(value));
  if (filter.status !== undefined) parts.push(`status ${list(filter.status)}`);
  if (filter.type !== undefined) parts.push(`type ${list(filter.type)}`);
  if (filter.errorCode !== undefined) parts.push(`error code ${filter.errorCode}`);
  if (filter.key !== undefined) parts.push(`key ${filter.key}`);
  if (filter.group !== undefined) parts.push(`group ${filter.group}`);
  if (filter.scheduleName !== undefined) parts.push(`schedule ${filter.scheduleName}`);
  if (filter.tenantId !== undefined) parts.push(`tenant ${filter.tenantId ?? '(none)'}`);
  if (filter.ownerId !== undefined) parts.push(`owner ${filter.ownerId}`);
  if (filter.parentId !== undefined) parts.push(`parent ${filter.parentId}`);
  if (filter.metadata !== undefined) parts.push(`metadata ${JSON.stringify(filter.metadata)}`);
  if (filter.createdAfter !== undefined) parts.push(`created after ${new Date(filter.createdAfter).toISOString()}`);
  if (filter.createdBefore !== undefined) parts.push(`created before ${new Date(filter.createdBefore).toISOString()}`);
  return parts.join(', ');
}
