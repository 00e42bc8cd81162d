import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError, UnknownStatusError } from '../errors/jobtrail-error.js';
import { JOB_STATUSES, type JobStatus } from '../model/job-status.js';
import { normalizeStatus, STATUS_ALIASES, statusKey } from './normalize-status.js';
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
