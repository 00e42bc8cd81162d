import { describe, expect, it } from 'vitest';
import { ChangeNotificationError, parseChangePayload } from './change-payload.js';

const ID = '0190a0b0-0000-7000-8000-000000000001';
const OTHER = '0190a0b0-0000-7000-8000-000000000002';

describe('parseChangePayload', () => {
  it('reads whole items and id-only items', () => {
    const payload = JSON.stringify([[ID, 'mail.send', 't1', null, 'running', 1764480000123], [OTHER]]);
    expect(parseChangePayload(payload)).toEqual({
      changes: [{ jobId: ID, type: 'mail.send', tenantId: 't1', ownerId: null, status: 'running', version: 1764480000123 }],
      idsOnly: [OTHER],
    });
    expect(parseChangePayload('[]')).toEqual({ changes: [], idsOnly: [] });
  });

  it.each([
    ['not JSON', 'garbage'],
    ['no payload', undefined],
    ['not an array', '{"id":1}'],
    ['an item that is not an array', JSON.stringify([ID])],
    ['an id that is not a job id', JSON.stringify([['42']])],
    ['a missing field', JSON.stringify([[ID, 'x', null, null, 'queued']])],
    ['an extra field', JSON.stringify([[ID, 'x', null, null, 'queued', 1, 'payload']])],
    ['a type that is not text', JSON.stringify([[ID, 7, null, null, 'queued', 1]])],
    ['a tenant that is not text', JSON.stringify([[ID, 'x', 3, null, 'queued', 1]])],
    ['an owner that is not text', JSON.stringify([[ID, 'x', null, {}, 'queued', 1]])],
    ['an unknown status', JSON.stringify([[ID, 'x', null, null, 'exploded', 1]])],
    ['a fractional version', JSON.stringify([[ID, 'x', null, null, 'queued', 1.5]])],
    ['a version that is text', JSON.stringify([[ID, 'x', null, null, 'queued', '1']])],
  ])('refuses %s', (_what, payload) => {
    expect(() => parseChangePayload(payload)).toThrow(ChangeNotificationError);
    try {
      parseChangePayload(payload);
    } catch (error) {
      expect((error as { code: string }).code).toBe('store_error');
    }
  });
});
