import { createTracker, MemoryJobStore } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { JOB_POLICIES } from '../src/server/job-policies.js';
import { createWorkflowHandlers } from '../src/server/workflows/index.js';
import { isTenantId, isWorkflowName, JOB_TYPES, WORKFLOWS } from '../src/shared/workflows.js';

describe('the demo wiring', () => {
  const handlers = createWorkflowHandlers({
    tracker: createTracker({ store: new MemoryJobStore() }),
    pid: 1,
    crashProcess: () => {
      throw new Error('not in this test');
    },
  });

  it('has a handler and a retry policy for every job type, and a button for every workflow type', () => {
    for (const type of Object.values(JOB_TYPES)) {
      expect(handlers[type], type).toBeDefined();
      expect(JOB_POLICIES[type], type).toBeDefined();
    }
    expect(Object.keys(handlers).sort()).toEqual(Object.values(JOB_TYPES).sort());
    for (const workflow of WORKFLOWS) expect(Object.values(JOB_TYPES)).toContain(workflow.type);
  });

  it('accepts only known workflow names and tenants', () => {
    expect(isWorkflowName('deep-scan')).toBe(true);
    expect(isWorkflowName('__proto__')).toBe(false);
    expect(isTenantId('acme')).toBe(true);
    expect(isTenantId('constructor')).toBe(false);
    expect(isTenantId(undefined)).toBe(false);
  });
});
