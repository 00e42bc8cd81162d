import { randomBytes } from 'node:crypto';

/** A fresh lower-case identifier per run, so runs never share a schema or queue. */
export function freshName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}
