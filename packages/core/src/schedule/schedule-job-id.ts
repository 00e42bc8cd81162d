import { JobValidationError } from '../errors/jobtrail-error.js';
import { dateTime } from '../util/dates.js';
import { formatUuidV7 } from '../util/uuid-v7.js';

/** The largest time a UUIDv7's 48-bit millisecond field holds. */
const MAX_UUID_MS = 2 ** 48 - 1;

/**
 * The id of the job schedule `name` fires for `tick`: the same for every process, so the store's
 * primary key lets one insert per (schedule, tick) win, finished jobs included (see
 * docs/design.md, "Recurring schedules"). It is a UUIDv7 in layout (RFC 9562 §5.7): the 48-bit
 * `unix_ts_ms` is the tick's, so ids sort by tick like every other job's by creation; the version
 * is 7 and the variant 0b10; the other 74 bits come from a 128-bit hash of the name and the tick
 * instead of randomness (RFC 9562 §6.9 allows deterministic bits for names). Two ticks of one
 * schedule always differ (ticks are at least a second apart); two names collide on one tick with a
 * chance of about 2^-74.
 *
 * @param tick a real Date (of any realm) at or after 1970-01-01 and within the 48-bit range.
 * @throws {JobValidationError} (`invalid_input`, field `tick` or `name`) otherwise.
 */
export function scheduleJobId(name: string, tick: Date): string {
  if (typeof name !== 'string' || name === '') throw new JobValidationError('name', 'must be a non-empty string.');
  const ms = dateTime(tick);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UUID_MS) {
    throw new JobValidationError('tick', 'must be a valid Date from 1970 on (the range of a UUIDv7 timestamp).');
  }
  return formatUuidV7(ms, hash128(`${name}\u0000${ms}`));
}

/**
 * 16 bytes from four independent 32-bit FNV-1a-style lanes over the UTF-16 code units, each with
 * its own seed and a final avalanche (murmur3's fmix32). Not cryptographic: it only has to spread
 * names evenly, and it runs anywhere (no `node:crypto`, no async Web Crypto).
 */
function hash128(text: string): Uint8Array {
  const out = new Uint8Array(16);
  const seeds = [0x811c9dc5, 0x01000193 ^ 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35];
  for (let lane = 0; lane < 4; lane++) {
    let h = seeds[lane]! >>> 0;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193 + lane * 2) >>> 0;
    }
    h ^= text.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    out[lane * 4] = h >>> 24;
    out[lane * 4 + 1] = (h >>> 16) & 0xff;
    out[lane * 4 + 2] = (h >>> 8) & 0xff;
    out[lane * 4 + 3] = h & 0xff;
  }
  return out;
}
