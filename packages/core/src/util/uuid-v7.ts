/** RFC 9562 UUIDv7: 48-bit millisecond timestamp, then random bits; sorts by creation time. */
let lastMs = -1;
let sequence = 0;
// getRandomValues costs microseconds per call; drawing 4 KiB at a time makes ids cheap.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

export function uuidv7(nowMs: number): string {
  if (poolOffset + 16 > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  // Monotonic within one millisecond: a 12-bit counter in rand_a keeps ids created in the same
  // millisecond in creation order, which cursor pagination relies on.
  if (nowMs <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    sequence = 0;
  }
  bytes[6] = (sequence >> 8) & 0x0f;
  bytes[7] = sequence & 0xff;
  return formatUuidV7(Math.max(0, Math.floor(nowMs)), bytes);
}

/**
 * The UUIDv7 text of `bytes` (16) with `ms` as its 48-bit `unix_ts_ms`, version 7 and variant
 * 0b10 set (RFC 9562 §5.7); the other bits of `bytes` are kept. Overwrites `bytes[0..5]`.
 */
export function formatUuidV7(ms: number, bytes: Uint8Array): string {
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = Math.floor(ms / 2 ** 24) & 0xff;
  bytes[3] = Math.floor(ms / 2 ** 16) & 0xff;
  bytes[4] = Math.floor(ms / 2 ** 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const h = (index: number) => HEX[bytes[index]!]!;
  // One concatenation from a byte table: the id of every job a bulk enqueue drafts is made here.
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** `00`…`ff`, by byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
