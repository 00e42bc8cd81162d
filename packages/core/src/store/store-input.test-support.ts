import { expect } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from './job-store.js';

export const at = (ms = 0): Date => new Date(Date.UTC(2031, 0, 1) + ms);

export function fieldOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).code).toBe('invalid_input');
    return (error as JobValidationError).field;
  }
  return undefined;
}

/** A store that records which operations reached it and answers from a memory store. */
export function spyStore(): { store: JobStore; calls: string[]; inner: MemoryJobStore } {
  const inner = new MemoryJobStore();
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls, inner };
}
