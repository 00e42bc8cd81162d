import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTerminal, JOB_STATUSES, TERMINAL_STATUSES, type JobStatus } from './job-status.js';
import { allowedTransitions, canTransition, sourcesOf } from './state-machine.js';

/**
 * The legal transitions, written out from DESIGN.md ("Statuses"), independently of the table in
 * state-machine.ts:
 *   queued→running, running→retrying, retrying→running,
 *   running→completed/failed/skipped/cancelled, queued|retrying→cancelled,
 *   failed|cancelled→queued (manual retry), running→queued|retrying (lease recovery / shutdown).
 */
const LEGAL: ReadonlyArray<readonly [JobStatus, JobStatus]> = [
  ['queued', 'running'],
  ['running', 'retrying'],
  ['retrying', 'running'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'skipped'],
  ['running', 'cancelled'],
  ['queued', 'cancelled'],
  ['retrying', 'cancelled'],
  ['failed', 'queued'],
  ['cancelled', 'queued'],
  ['running', 'queued'],
];

const legal = new Set(LEGAL.map(([from, to]) => `${from}→${to}`));
const ALL_PAIRS = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => [from, to] as const));

describe('canTransition', () => {
  it('the design table has no duplicates and uses only canonical statuses', () => {
    expect(legal.size).toBe(LEGAL.length);
    for (const [from, to] of LEGAL) {
      expect(JOB_STATUSES).toContain(from);
      expect(JOB_STATUSES).toContain(to);
    }
  });

  it('covers all 49 pairs', () => {
    expect(ALL_PAIRS).toHaveLength(JOB_STATUSES.length ** 2);
    expect(ALL_PAIRS).toHaveLength(49);
  });

  it.each(ALL_PAIRS.map(([from, to]) => [from, to, legal.has(`${from}→${to}`)] as const))(
    '%s → %s is %s',
    (from, to, expected) => {
      expect(canTransition(from, to)).toBe(expected);
    },
  );

  it('never allows staying in the same status', () => {
    for (const status of JOB_STATUSES) expect(canTransition(status, status)).toBe(false);
  });

  it('completed and skipped are final', () => {
    for (const to of JOB_STATUSES) {
      expect(canTransition('completed', to)).toBe(false);
      expect(canTransition('skipped', to)).toBe(false);
    }
  });

  it('failed and cancelled only go back to queued (manual retry)', () => {
    for (const from of ['failed', 'cancelled'] as const) {
      expect(JOB_STATUSES.filter((to) => canTransition(from, to))).toEqual(['queued']);
    }
  });

  it('only a running job finishes as completed, failed or skipped', () => {
    for (const to of ['completed', 'failed', 'skipped'] as const) {
      expect(JOB_STATUSES.filter((from) => canTransition(from, to))).toEqual(['running']);
    }
  });

  it('a finished job never becomes running directly', () => {
    for (const from of TERMINAL_STATUSES) expect(canTransition(from, 'running')).toBe(false);
  });

  describe('bad input', () => {
    it.each([
      ['an unknown status', 'nope'],
      ['a wrongly-cased status', 'QUEUED'],
      ['a legacy word', 'done'],
      ['an empty string', ''],
      ['undefined', undefined],
      ['null', null],
      ['a number', 0],
    ])('returns false (does not throw) for %s on either side', (_label, value) => {
      expect(canTransition(value as JobStatus, 'queued')).toBe(false);
      expect(canTransition('running', value as JobStatus)).toBe(false);
    });

    it.each(['toString', 'constructor', 'hasOwnProperty', 'valueOf'])(
      'returns false for the prototype name %j as the target',
      (name) => {
        expect(canTransition('running', name as JobStatus)).toBe(false);
      },
    );

    // Status names that are also Object.prototype members must not reach the prototype.
    it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
      'returns false for the prototype name %j as the source',
      (name) => {
        expect(canTransition(name as JobStatus, 'queued')).toBe(false);
      },
    );
  });
});

describe('allowedTransitions', () => {
  it.each(JOB_STATUSES.map((s) => [s]))('lists exactly the legal targets of %s', (from) => {
    const expected = LEGAL.filter(([f]) => f === from).map(([, to]) => to);
    expect([...allowedTransitions(from)].sort()).toEqual([...expected].sort());
  });

  it('agrees with canTransition for every pair', () => {
    for (const [from, to] of ALL_PAIRS) expect(allowedTransitions(from).includes(to)).toBe(canTransition(from, to));
  });

  it('returns an empty list for an unknown status', () => {
    expect(allowedTransitions('nope' as JobStatus)).toEqual([]);
  });

  it.each(['toString', 'constructor'])('returns an empty list for the prototype name %j', (name) => {
    expect(allowedTransitions(name as JobStatus)).toEqual([]);
  });
});

describe('sourcesOf', () => {
  it.each(JOB_STATUSES.map((s) => [s]))('lists exactly the legal sources of %s', (to) => {
    const expected = LEGAL.filter(([, t]) => t === to).map(([from]) => from);
    expect([...sourcesOf(to)].sort()).toEqual([...expected].sort());
  });

  it('returns an empty list for an unknown status', () => {
    expect(sourcesOf('nope' as JobStatus)).toEqual([]);
  });
});

function reachableFrom(start: JobStatus): Set<JobStatus> {
  const seen = new Set<JobStatus>([start]);
  const queue: JobStatus[] = [start];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const to of JOB_STATUSES) {
      if (canTransition(status, to) && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

describe('state machine properties', () => {
  const status = fc.constantFrom(...JOB_STATUSES);

  it('every status is reachable from queued', () => {
    expect([...reachableFrom('queued')].sort()).toEqual([...JOB_STATUSES].sort());
  });

  it('from completed and skipped nothing is reachable; from failed and cancelled, everything via queued', () => {
    expect([...reachableFrom('completed')]).toEqual(['completed']);
    expect([...reachableFrom('skipped')]).toEqual(['skipped']);
    expect(reachableFrom('failed').size).toBe(JOB_STATUSES.length);
    expect(reachableFrom('cancelled').size).toBe(JOB_STATUSES.length);
  });

  it('random attempted transitions never leave a terminal status except failed/cancelled → queued', () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 200 }), (attempts) => {
        let current: JobStatus = 'queued';
        for (const to of attempts) {
          if (!canTransition(current, to)) continue;
          if (current === 'completed' || current === 'skipped') {
            throw new Error(`left final status ${current} for ${to}`);
          }
          if (current === 'failed' || current === 'cancelled') expect(to).toBe('queued');
          expect(legal.has(`${current}→${to}`)).toBe(true);
          current = to;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a terminal status only changes to queued, and only from failed or cancelled (any start)', () => {
    fc.assert(
      fc.property(status, fc.array(status, { maxLength: 100 }), (start, attempts) => {
        let current = start;
        for (const to of attempts) {
          if (!canTransition(current, to)) continue;
          if (isTerminal(current)) {
            expect(to).toBe('queued');
            expect(['failed', 'cancelled']).toContain(current);
          }
          current = to;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random walks over legal moves from queued visit every status (collectively)', () => {
    const visited = new Set<JobStatus>(['queued']);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (choices) => {
        let current: JobStatus = 'queued';
        for (const choice of choices) {
          const options = allowedTransitions(current);
          if (options.length === 0) break;
          current = options[choice % options.length] as JobStatus;
          visited.add(current);
        }
      }),
      { numRuns: 500, seed: 42 },
    );
    expect([...visited].sort()).toEqual([...JOB_STATUSES].sort());
  });

  it('every path to a finished status goes through running, except cancellation of waiting jobs', () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 100 }), (attempts) => {
        let current: JobStatus = 'queued';
        for (const to of attempts) {
          if (!canTransition(current, to)) continue;
          if (to === 'completed' || to === 'failed' || to === 'skipped') expect(current).toBe('running');
          if (to === 'cancelled') expect(['queued', 'running', 'retrying']).toContain(current);
          current = to;
        }
      }),
    );
  });
});
