import { describe, expect, it } from 'vitest';
import type { ClaimOrderKey } from './claim-order.js';
import { roundRobin, type GroupJobs } from './round-robin.js';

const at = (seconds: number): Date => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);
/** The first turn of the claim under test: above every turn in the maps below. */
const NOW = 3_000_000;

function group(name: string | null, count: number, runAt = 0, priority = 0): GroupJobs<ClaimOrderKey> {
  return { group: name, jobs: Array.from({ length: count }, (_, index) => ({ _id: `${name ?? 'none'}-${index}`, priority, runAt: at(runAt + index) })) };
}

const order = (taken: readonly { group: string | null }[]): (string | null)[] => taken.map((entry) => entry.group);

describe('roundRobin', () => {
  it('serves never-started groups first in claim order, then the group whose latest turn is oldest', () => {
    const groups = [group('a', 5, 0), group('b', 2, 10), group('c', 2, 10), group('d', 2, 20)];
    const lastTurns = new Map<string | null, number>([
      ['d', 2_000_005],
      ['c', 2_000_004],
    ]);
    // a and b never started (a's job first in claim order), then c (older turn) before d; then
    // each again in the order this claim took them (turns, not a tie): a, b, c.
    const taken = roundRobin(groups, lastTurns, { limit: 7 }, NOW);
    expect(order(taken)).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c']);
    expect(taken.map((entry) => entry.turn - NOW)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(lastTurns.get('a')).toBeUndefined();
  });

  it("keeps each group's own claim order and stops at the limit", () => {
    const taken = roundRobin([group('a', 3), group(null, 1, 5)], new Map(), { limit: 3 }, NOW);
    expect(taken.map((entry) => entry.job._id)).toEqual(['a-0', 'none-0', 'a-1']);
  });

  it('gives no group more than its limit, and leaves out groups at 0', () => {
    const plan = { limit: 10, groupLimit: (name: string | null) => (name === 'a' ? 1 : name === 'b' ? 0 : 2) };
    const taken = roundRobin([group('a', 3), group('b', 3), group('c', 3)], new Map(), plan, NOW);
    expect(order(taken).sort()).toEqual(['a', 'c', 'c']);
  });

  it('takes nothing with a limit of 0 or no due jobs', () => {
    expect(roundRobin([group('a', 3)], new Map(), { limit: 0 }, NOW)).toEqual([]);
    expect(roundRobin([group('a', 0)], new Map(), { limit: 5 }, NOW)).toEqual([]);
  });
});
