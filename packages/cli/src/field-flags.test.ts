import { describe, expect, it } from 'vitest';
import { flagMessage } from './field-flags.js';

describe('flagMessage: core refusals under the flag the user typed', () => {
  it('replaces a field of the filter with its flag', () => {
    expect(flagMessage('status', 'status: must be one of queued, running; got "broken".')).toBe('--status: must be one of queued, running; got "broken".');
    expect(flagMessage('createdBefore', 'createdBefore: must lie from 0001-01-01T00:00:00.000Z')).toBe('--until: must lie from 0001-01-01T00:00:00.000Z');
  });

  it('names --metadata for a metadata field, keeping the field in the reason', () => {
    expect(flagMessage('metadata.a', 'metadata.a: must be a string, a finite number or a boolean; got an object.')).toBe(
      '--metadata: field "a" must be a string, a finite number or a boolean; got an object.',
    );
  });

  it("names a prune cut-off's status flag", () => {
    expect(flagMessage('before.completed', 'before.completed: must lie from 0001-01-01')).toBe('--completed: must lie from 0001-01-01');
  });

  it('leaves a field no flag sets as core said it', () => {
    expect(flagMessage('payload', 'payload: too large')).toBe('payload: too large');
  });
});
