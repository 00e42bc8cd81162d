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
  const offset = poolOffset;
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
  pool[offset + 6] = (sequence >> 8) & 0x0f;
  pool[offset + 7] = sequence & 0xff;
  return formatAt(Math.max(0, Math.floor(nowMs)), pool, offset);
}

/**
 * The UUIDv7 text of `bytes` (16) with `ms` as its 48-bit `unix_ts_ms`, version 7 and variant
 * 0b10 set (RFC 9562 §5.7); the other bits of `bytes` are kept. Overwrites `bytes[0..5]`.
 */
export function formatUuidV7(ms: number, bytes: Uint8Array): string {
  return formatAt(ms, bytes, 0);
}

/** {@link formatUuidV7} of the 16 bytes of `bytes` from `offset` (no view made per id). */
function formatAt(ms: number, bytes: Uint8Array, offset: number): string {
  bytes[offset] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[offset + 1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[offset + 2] = Math.floor(ms / 2 ** 24) & 0xff;
  bytes[offset + 3] = Math.floor(ms / 2 ** 16) & 0xff;
  bytes[offset + 4] = Math.floor(ms / 2 ** 8) & 0xff;
  bytes[offset + 5] = ms & 0xff;
  bytes[offset + 6] = 0x70 | (bytes[offset + 6]! & 0x0f);
  bytes[offset + 8] = 0x80 | (bytes[offset + 8]! & 0x3f);
  // The text is made in one piece from character codes: concatenating 20 parts would build a
  // tree of string halves (about 600 bytes per id) that every later use must flatten, and every
  // job a bulk enqueue drafts gets its id here.
  for (let index = 0; index < 16; index++) {
    const byte = bytes[offset + index]!;
    const at = TEXT_POSITION[index]!;
    ID_CODES[at] = HEX_CODES[byte * 2]!;
    ID_CODES[at + 1] = HEX_CODES[byte * 2 + 1]!;
  }
  return String.fromCharCode.apply(null, ID_CODES);
}

/** Where the two hex digits of each byte go in the 36-character text. */
const TEXT_POSITION = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
/** The character codes of the id being formatted; the dashes stay put. */
const ID_CODES: number[] = Array.from({ length: 36 }, () => 0x2d);
/** The two lowercase hex digits of each byte value, as character codes. */
const HEX_CODES: readonly number[] = Array.from({ length: 512 }, (_, index) => '0123456789abcdef'.charCodeAt(index % 2 === 0 ? index >> 5 : (index >> 1) & 0x0f));

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
