import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError, UnknownStatusError } from '../errors/jobtrail-error.js';
import { JOB_STATUSES, type JobStatus } from '../model/job-status.js';
import {
  createStatusNormalizer,
  normalizeStatus,
  STATUS_ALIASES,
  statusKey,
  verifyStatuses,
} from './normalize-status.js';
import { catchError } from '../../test/catch-error.js';


describe('normalizeStatus', () => {
  it.each([
    ['Running', 'running'],
    ['Success', 'completed'],
    ['Completed', 'completed'],
    ['Completed with errors', 'completed'],
    ['Error', 'failed'],
    ['Failed', 'failed'],
    ['No leads to process', 'skipped'],
    ['Skipped', 'skipped'],
    ['No Leads To Score', 'skipped'],
    ['in_progress', 'running'],
    ['pending', 'queued'],
    ['processing', 'running'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['done', 'completed'],
  ] as const)('maps the legacy table: %j → %s', (input, expected) => {
    expect(normalizeStatus(input)).toBe(expected);
  });

  it.each([
    // completed
    ['success', 'completed'],
    ['succeeded', 'completed'],
    ['done', 'completed'],
    ['ok', 'completed'],
    ['OK', 'completed'],
    ['finished', 'completed'],
    ['complete', 'completed'],
    ['completed', 'completed'],
    ['completed_with_errors', 'completed'],
    ['COMPLETED-WITH-ERRORS', 'completed'],
    // failed
    ['error', 'failed'],
    ['errored', 'failed'],
    ['failure', 'failed'],
    ['failed', 'failed'],
    ['crashed', 'failed'],
    // running
    ['in progress', 'running'],
    ['In-Progress', 'running'],
    ['IN_PROGRESS', 'running'],
    ['processing', 'running'],
    ['active', 'running'],
    ['started', 'running'],
    ['executing', 'running'],
    ['running', 'running'],
    // queued
    ['pending', 'queued'],
    ['new', 'queued'],
    ['waiting', 'queued'],
    ['created', 'queued'],
    ['scheduled', 'queued'],
    ['delayed', 'queued'],
    ['queued', 'queued'],
    ['enqueued', 'queued'],
    // retrying
    ['retry', 'retrying'],
    ['retryable', 'retrying'],
    ['retrying', 'retrying'],
    // cancelled
    ['canceled', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['aborted', 'cancelled'],
    // skipped
    ['skipped', 'skipped'],
    ['no leads to process', 'skipped'],
    ['no-op', 'skipped'],
    ['no_op', 'skipped'],
    ['noop', 'skipped'],
    ['NoOp', 'skipped'],
  ] as const)('maps the built-in alias %j → %s', (input, expected) => {
    expect(normalizeStatus(input)).toBe(expected);
  });

  it('maps every canonical status to itself', () => {
    for (const status of JOB_STATUSES) expect(normalizeStatus(status)).toBe(status);
  });

  it.each([
    '  Running  ',
    '\tRUNNING\n',
    'rUnNiNg',
    '_running_',
    '--running',
  ])('ignores case, surrounding spaces and separators: %j', (input) => {
    expect(normalizeStatus(input)).toBe('running');
  });

  it.each([
    'in progress',
    'in   progress',
    'in_progress',
    'in__progress',
    'in-progress',
    'in - progress',
    'in_-_progress',
    'In\tProgress',
    ' IN PROGRESS ',
  ])('treats -, _ and runs of spaces alike: %j', (input) => {
    expect(normalizeStatus(input)).toBe('running');
  });

  describe('unknown input', () => {
    it.each([
      'unknown',
      'runn ing',
      'inprogress',
      'completed!',
      'queued.',
      '',
      '   ',
      '-_-',
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
    ])('throws UnknownStatusError for the string %j', (input) => {
      const error = catchError(() => normalizeStatus(input));
      expect(error).toBeInstanceOf(UnknownStatusError);
      expect((error as UnknownStatusError).code).toBe('unknown_status');
      expect((error as UnknownStatusError).input).toBe(input);
    });

    it.each([
      undefined,
      null,
      0,
      1,
      Number.NaN,
      true,
      false,
      {},
      [],
      ['running'],
      { status: 'running' },
      Symbol('running'),
      () => 'running',
      new Date(0),
    ])('throws UnknownStatusError for the non-string %s', (input) => {
      const error = catchError(() => normalizeStatus(input));
      expect(error).toBeInstanceOf(UnknownStatusError);
      expect((error as UnknownStatusError).input).toBe(input);
    });

    it('does not accept String objects', () => {
      // A boxed string on purpose: only primitive strings are statuses.
      expect(() => normalizeStatus(new String('running'))).toThrow(UnknownStatusError);
    });

    it.each([
      ['a BigInt', 10n],
      ['a cyclic object', (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })()],
      ['a prototype-less object', Object.create(null) as object],
    ])('still throws UnknownStatusError (not a TypeError) for %s', (_label, input) => {
      const error = catchError(() => normalizeStatus(input));
      expect(error).toBeInstanceOf(UnknownStatusError);
      expect((error as UnknownStatusError).input).toBe(input);
    });

    it('says how to fix it in the message', () => {
      const error = catchError(() => normalizeStatus('Awaiting review')) as UnknownStatusError;
      expect(error.message).toContain('"Awaiting review"');
      expect(error.message).toContain('aliases');
      expect(error.message).toContain('fallback');
    });

    it('returns the fallback instead when one is given', () => {
      expect(normalizeStatus('weird', { fallback: 'failed' })).toBe('failed');
      expect(normalizeStatus(undefined, { fallback: 'queued' })).toBe('queued');
      expect(normalizeStatus('', { fallback: 'skipped' })).toBe('skipped');
      expect(normalizeStatus(42, { fallback: 'failed' })).toBe('failed');
    });

    it('does not apply the fallback to known words', () => {
      expect(normalizeStatus('done', { fallback: 'failed' })).toBe('completed');
    });
  });

  describe('user aliases', () => {
    it('adds new words, with keys normalised like the input', () => {
      const aliases = { 'Awaiting_Review': 'queued', 'in-review': 'running' } as const;
      expect(normalizeStatus('awaiting review', { aliases })).toBe('queued');
      expect(normalizeStatus('AWAITING-REVIEW', { aliases })).toBe('queued');
      expect(normalizeStatus('In Review', { aliases })).toBe('running');
    });

    it('override built-in aliases', () => {
      expect(normalizeStatus('done')).toBe('completed');
      expect(normalizeStatus('Done', { aliases: { DONE: 'skipped' } })).toBe('skipped');
      expect(normalizeStatus('No_Op', { aliases: { 'no op': 'completed' } })).toBe('completed');
      expect(normalizeStatus('noop', { aliases: { 'no op': 'completed' } })).toBe('skipped');
    });

    it('keep the built-ins they do not override', () => {
      expect(normalizeStatus('error', { aliases: { foo: 'queued' } })).toBe('failed');
    });

    it('may map a canonical word to itself', () => {
      expect(normalizeStatus('Failed', { aliases: { failed: 'failed' } })).toBe('failed');
    });

    it('cannot remap a canonical status word', () => {
      const error = catchError(() => normalizeStatus('x', { aliases: { Completed: 'failed' } }));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).message).toMatch(/canonical status/);
    });

    it.each([
      ['not a status', { done: 'finished' }],
      ['a differently-cased status', { done: 'Completed' }],
      ['an empty target', { done: '' }],
      ['a number', { done: 1 }],
      ['null', { done: null }],
      ['undefined', { done: undefined }],
    ])('reject a target that is %s', (_label, aliases) => {
      const error = catchError(() => normalizeStatus('done', { aliases: aliases as never }));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('aliases["done"]');
      expect((error as JobValidationError).message).toContain("'completed'");
    });

    it.each(['', '   ', '-', '__'])('reject the empty key %j', (key) => {
      expect(() => normalizeStatus('done', { aliases: { [key]: 'completed' } })).toThrow(JobValidationError);
    });

    it.each([
      ['a string', 'done'],
      ['a number', 5],
      ['an array', [['done', 'completed']]],
      ['a function', () => 'completed'],
    ])('reject aliases that are %s', (_label, aliases) => {
      const error = catchError(() => normalizeStatus('done', { aliases: aliases as never }));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('aliases');
    });

    it('validate even when the input is canonical', () => {
      expect(() => normalizeStatus('running', { aliases: { x: 'nope' as JobStatus } })).toThrow(JobValidationError);
    });

    it('accept null/undefined aliases as none', () => {
      expect(normalizeStatus('done', { aliases: undefined })).toBe('completed');
      expect(normalizeStatus('done', { aliases: null as never })).toBe('completed');
    });

    it('do not leak prototype keys', () => {
      const aliases = Object.create({ inherited: 'failed' }) as Record<string, JobStatus>;
      expect(() => normalizeStatus('inherited', { aliases })).toThrow(UnknownStatusError);
    });
  });

  describe('options validation', () => {
    it.each(['Completed', 'done', 'unknown', '', 0, null])('rejects the non-canonical fallback %j', (fallback) => {
      const error = catchError(() => normalizeStatus('running', { fallback: fallback as never }));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('fallback');
    });

    it.each(['completed', 5, true])('rejects options that are not an object: %j', (options) => {
      const error = catchError(() => normalizeStatus('running', options as never));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('options');
    });

    it('accepts null and empty options', () => {
      expect(normalizeStatus('done', null as never)).toBe('completed');
      expect(normalizeStatus('done', {})).toBe('completed');
    });
  });
});

describe('statusKey', () => {
  it.each([
    ['In_Progress', 'in progress'],
    ['  a  -_ b  ', 'a b'],
    ['-x-', 'x'],
    ['', ''],
    ['---', ''],
  ])('%j → %j', (input, expected) => {
    expect(statusKey(input)).toBe(expected);
  });

  it('is idempotent', () => {
    fc.assert(fc.property(fc.string(), (s) => statusKey(statusKey(s)) === statusKey(s)));
  });
});

describe('STATUS_ALIASES', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(STATUS_ALIASES)).toBe(true);
    expect(() => {
      (STATUS_ALIASES as Record<string, JobStatus>).done = 'failed';
    }).toThrow(TypeError);
    expect(normalizeStatus('done')).toBe('completed');
  });

  it('has no prototype, so prototype names are not aliases', () => {
    expect(Object.getPrototypeOf(STATUS_ALIASES)).toBeNull();
    expect(STATUS_ALIASES.constructor).toBeUndefined();
  });

  it('contains every canonical status mapped to itself', () => {
    for (const status of JOB_STATUSES) expect(STATUS_ALIASES[status]).toBe(status);
  });

  it('only has normalised keys and canonical targets', () => {
    for (const [key, status] of Object.entries(STATUS_ALIASES)) {
      expect(statusKey(key)).toBe(key);
      expect(JOB_STATUSES).toContain(status);
    }
  });

  it('agrees with normalizeStatus', () => {
    for (const [key, status] of Object.entries(STATUS_ALIASES)) expect(normalizeStatus(key)).toBe(status);
  });
});

describe('createStatusNormalizer', () => {
  it('behaves like normalizeStatus with the same options', () => {
    const options = { aliases: { 'awaiting review': 'queued' }, fallback: 'failed' } as const;
    const normalize = createStatusNormalizer(options);
    for (const input of ['Awaiting_Review', 'done', 'weird', 7, undefined, 'in progress']) {
      expect(normalize(input)).toBe(normalizeStatus(input, options));
    }
  });

  it('works without options', () => {
    const normalize = createStatusNormalizer();
    expect(normalize('Success')).toBe('completed');
    expect(() => normalize('nope')).toThrow(UnknownStatusError);
  });

  it('validates options eagerly, before any input is seen', () => {
    expect(() => createStatusNormalizer({ fallback: 'nope' as JobStatus })).toThrow(JobValidationError);
    expect(() => createStatusNormalizer({ aliases: { x: 'nope' as JobStatus } })).toThrow(JobValidationError);
  });

  it('snapshots aliases: later changes to the object do not apply', () => {
    const aliases: Record<string, JobStatus> = { foo: 'queued' };
    const normalize = createStatusNormalizer({ aliases });
    aliases.foo = 'failed';
    aliases.bar = 'failed';
    expect(normalize('foo')).toBe('queued');
    expect(() => normalize('bar')).toThrow(UnknownStatusError);
  });

  it('does not leak user aliases into other normalisers', () => {
    createStatusNormalizer({ aliases: { foo: 'queued' } });
    expect(() => normalizeStatus('foo')).toThrow(UnknownStatusError);
  });

  it('matches normalizeStatus for any string (property)', () => {
    const normalize = createStatusNormalizer({ fallback: 'failed' });
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(normalize(s)).toBe(normalizeStatus(s, { fallback: 'failed' }));
      }),
    );
  });
});

describe('normalizeStatus properties', () => {
  const aliasWords = Object.keys(STATUS_ALIASES);
  const separator = fc.constantFrom(' ', '  ', '_', '-', '__', ' - ', '\t');

  it('is insensitive to case and separators for every built-in alias', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...aliasWords),
        separator,
        fc.boolean(),
        fc.constantFrom('', ' ', '  ', '_'),
        (word, sep, upper, pad) => {
          const variant = pad + word.split(' ').join(sep) + pad;
          const input = upper ? variant.toUpperCase() : variant;
          expect(normalizeStatus(input)).toBe(STATUS_ALIASES[word]);
        },
      ),
    );
  });

  it('only ever returns a canonical status or throws one of the two typed errors', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          expect(JOB_STATUSES).toContain(normalizeStatus(input));
        } catch (error) {
          expect(error).toBeInstanceOf(UnknownStatusError);
        }
      }),
    );
  });

  it('is idempotent: normalising a normalised status changes nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...aliasWords), (word) => {
        const once = normalizeStatus(word);
        expect(normalizeStatus(once)).toBe(once);
      }),
    );
  });
});

describe('verifyStatuses', () => {
  it('is ok when every value is canonical', () => {
    expect(verifyStatuses(['queued', 'running', 'completed', 'queued'])).toEqual({ ok: true, nonCanonical: [] });
    expect(verifyStatuses([])).toEqual({ ok: true, nonCanonical: [] });
  });

  it('reports each distinct non-canonical value with its count and normalisation, in order first seen', () => {
    const report = verifyStatuses([
      'completed',
      'Success',
      'done',
      'Success',
      'mystery',
      'running',
      'Running',
      null,
      42,
      null,
    ]);
    expect(report.ok).toBe(false);
    expect(report.nonCanonical).toEqual([
      { value: 'Success', count: 2, normalized: 'completed' },
      { value: 'done', count: 1, normalized: 'completed' },
      { value: 'mystery', count: 1, normalized: null },
      { value: 'Running', count: 1, normalized: 'running' },
      { value: null, count: 2, normalized: null },
      { value: 42, count: 1, normalized: null },
    ]);
  });

  it('treats canonical words with extra spaces or case as non-canonical', () => {
    const report = verifyStatuses([' queued', 'QUEUED', 'queued ']);
    expect(report.nonCanonical.map((e) => [e.value, e.normalized])).toEqual([
      [' queued', 'queued'],
      ['QUEUED', 'queued'],
      ['queued ', 'queued'],
    ]);
  });

  it('uses user aliases', () => {
    const report = verifyStatuses(['awaiting review'], { aliases: { 'Awaiting Review': 'queued' } });
    expect(report.nonCanonical).toEqual([{ value: 'awaiting review', count: 1, normalized: 'queued' }]);
  });

  it('reports unknown values as null even when a fallback is configured', () => {
    const report = verifyStatuses(['mystery'], { fallback: 'failed' });
    expect(report.nonCanonical).toEqual([{ value: 'mystery', count: 1, normalized: null }]);
  });

  it('accepts any iterable: Set, Map keys, generator', () => {
    expect(verifyStatuses(new Set(['done'])).nonCanonical).toHaveLength(1);
    expect(verifyStatuses(new Map([['done', 1]]).keys()).nonCanonical).toHaveLength(1);
    function* rows() {
      yield 'queued';
      yield 'ok';
      yield 'ok';
    }
    expect(verifyStatuses(rows()).nonCanonical).toEqual([{ value: 'ok', count: 2, normalized: 'completed' }]);
  });

  it('groups NaN and objects sensibly (SameValueZero)', () => {
    const obj = { status: 'done' };
    const report = verifyStatuses([Number.NaN, Number.NaN, obj, obj, { status: 'done' }]);
    expect(report.nonCanonical.map((e) => e.count)).toEqual([2, 2, 1]);
  });

  it('handles odd values without crashing', () => {
    const report = verifyStatuses([10n, Symbol.for('x'), Object.create(null), undefined]);
    expect(report.nonCanonical).toHaveLength(4);
    expect(report.nonCanonical.every((e) => e.normalized === null)).toBe(true);
  });

  it.each([
    ['a string', 'queued'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 5],
    ['a plain object', { 0: 'queued', length: 1 }],
  ])('rejects %s as values', (_label, values) => {
    const error = catchError(() => verifyStatuses(values as never));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('values');
  });

  it('validates options', () => {
    expect(() => verifyStatuses([], { aliases: { x: 'nope' as JobStatus } })).toThrow(JobValidationError);
    expect(() => verifyStatuses([], { fallback: 'nope' as JobStatus })).toThrow(JobValidationError);
  });

  it('agrees with normalizeStatus (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...Object.keys(STATUS_ALIASES)), fc.string())), (values) => {
        const report = verifyStatuses(values);
        const total = values.filter((v) => !(JOB_STATUSES as readonly string[]).includes(v)).length;
        expect(report.nonCanonical.reduce((sum, e) => sum + e.count, 0)).toBe(total);
        expect(report.ok).toBe(total === 0);
        for (const entry of report.nonCanonical) {
          const expected = normalizeStatus(entry.value, { fallback: 'queued' });
          if (entry.normalized === null) {
            expect(() => normalizeStatus(entry.value)).toThrow(UnknownStatusError);
          } else {
            expect(entry.normalized).toBe(expected);
          }
        }
      }),
    );
  });
});
