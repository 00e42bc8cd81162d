import { expect } from 'vitest';
import type { CallerScope } from '../http/jobs-handler-options.js';
import type { HttpAnswer, JobsServer } from './http-harness.js';

/**
 * What the groups of HTTP edge tests share: one server over the store under test, started by
 * `httpEdgesSuite` in its `beforeAll`, with one queued job of one tenant. A group reads it in a
 * `beforeAll` of its own, registered after the suite's.
 */
export interface SharedEdges {
  server: JobsServer;
  tenantId: string;
  jobId: string;
}

/** Scopes the default `authorize` reads from headers: plain `{ tenantId }` callers. */
export const tenant = (tenantId: string): { scope: CallerScope } => ({ scope: { tenantId } });

/** A message quotes at most a short, escaped excerpt of what the caller sent. */
export function expectBoundedMessage(answer: HttpAnswer, label: string): void {
  const message: string = answer.body.error.message;
  expect(message.length, label).toBeLessThan(400);
  expect(message, label).not.toMatch(/[\u0000-\u001f\u007f]/);
}
