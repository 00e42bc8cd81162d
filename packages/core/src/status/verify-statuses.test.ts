import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError, UnknownStatusError } from '../errors/jobtrail-error.js';
import { JOB_STATUSES, type JobStatus } from '../model/job-status.js';
import { normalizeStatus, STATUS_ALIASES, verifyStatuses } from './normalize-status.js';
import { catchError } from '../../test/catch-error.js';

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
