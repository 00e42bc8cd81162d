/** A strong ETag from the response body: FNV-1a (64-bit) over its UTF-16 code units, plus length. */
export function etagOf(body: string): string {
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  for (let i = 0; i < body.length; i++) {
    low ^= body.charCodeAt(i);
    // 64-bit multiply by the FNV prime 0x100000001b3, on two 32-bit halves.
    const lowProduct = low * 0x1b3;
    const carry = Math.floor(lowProduct / 0x1_0000_0000);
    high = (Math.imul(high, 0x1b3) + Math.imul(low, 0x100) + carry) >>> 0;
    low = lowProduct >>> 0;
  }
  return `"${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')}-${body.length.toString(36)}"`;
}

/** RFC 9110 If-None-Match: weak comparison against a list of tags, or `*`. */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const ours = stripWeak(etag);
  return trimmed.split(',').some((tag) => stripWeak(tag.trim()) === ours);
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
