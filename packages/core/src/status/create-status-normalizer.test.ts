import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError, UnknownStatusError } from '../errors/jobtrail-error.js';
import type { JobStatus } from '../model/job-status.js';
import { createStatusNormalizer, normalizeStatus } from './normalize-status.js';

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
