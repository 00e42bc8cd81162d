import { StoreError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { CLAIM_SORT, ClaimBudget, claimFilter, claimPlan, claimUpdate } from './claim-documents.js';

const now = new Date(Date.UTC(2031, 0, 1));
const later = new Date(now.getTime() + 30_000);

describe('claim documents', () => {
  it('selects due queued or retrying jobs of the open types', () => {
    expect(claimFilter(['a'], now)).toEqual({ type: 'a', status: { $in: ['queued', 'retrying'] }, runAt: { $lte: now } });
    expect(claimFilter(['a', 'b'], now)).toEqual({ type: { $in: ['a', 'b'] }, status: { $in: ['queued', 'retrying'] }, runAt: { $lte: now } });
  });

  it('orders by priority desc, runAt asc, id asc', () => {
    expect(Object.entries(CLAIM_SORT)).toEqual([
      ['priority', -1],
      ['runAt', 1],
      ['_id', 1],
    ]);
  });

  it('leases a claimed job: running, attempt + 1, lease, startedAt and updatedAt = now', () => {
    expect(claimUpdate('w1', now, later)).toEqual({
      $set: { status: 'running', leaseOwner: 'w1', leaseExpiresAt: later, startedAt: now, updatedAt: now },
      $inc: { attempt: 1 },
    });
  });
});

describe('ClaimBudget', () => {
  it('charges each claimed job to its type and closes types and the claim when spent', () => {
    const budget = new ClaimBudget({ a: 2, b: 1, zero: 0 }, 10);
    expect(budget.openTypes()).toEqual(['a', 'b']);
    budget.charge('b');
    expect(budget.openTypes()).toEqual(['a']);
    budget.charge('a');
    expect(budget.spent).toBe(false);
    budget.charge('a');
    expect(budget.openTypes()).toEqual([]);
    expect(budget.spent).toBe(true);
  });

  it('stops at the total limit even while types have budget left', () => {
    const budget = new ClaimBudget({ a: 5, b: 5 }, 2);
    budget.charge('a');
    budget.charge('b');
    expect(budget.spent).toBe(true);
    expect(new ClaimBudget({ a: 5 }, 0).spent).toBe(true);
    expect(new ClaimBudget({}, 10).spent).toBe(true);
  });

  it('refuses to charge a type the claim did not ask for', () => {
    expect(() => new ClaimBudget({ a: 1 }, 1).charge('b')).toThrow(StoreError);
  });
});

describe('claimPlan', () => {
  const valid = { owner: 'w', now, leaseExpiresAt: later, limits: { a: 1 }, limit: 1 };

  it('accepts a valid request', () => {
    const plan = claimPlan(valid);
    expect(plan).toMatchObject({ owner: 'w', now, leaseExpiresAt: later });
    expect(plan.budget.openTypes()).toEqual(['a']);
  });

  // Bad limits, owners and times are refused by core before a claim reaches the store (guardStore).
});
