import { JobValidationError } from '../errors/jobtrail-error.js';
import type { RetryPolicy, TypePolicies } from '../tracker/type-policies.js';
import { assertInteger, assertKnownKeys, isPlainObject, show } from '../tracker/validate-input.js';
import { getOwn } from '../util/own-property.js';
import type { ConcurrencyOption, HandlerDefinition, JobHandler, UntypedJobHandlers } from './worker-options.js';

/** Every key of {@link HandlerDefinition}, in the order the refusal of an unknown one lists them. */
const HANDLER_KEYS: ReadonlySet<string> = new Set(Object.keys({
  handler: true,
  concurrency: true,
  timeoutMs: true,
  backoff: true,
  classify: true,
} satisfies Record<keyof HandlerDefinition, true>));

/** One job type a worker runs, with its options checked and its retry policy resolved once. */
export interface ResolvedHandler {
  handler: JobHandler;
  /** Slots for the type. */
  limit: number;
  timeoutMs: number | undefined;
  /** This worker's backoff/classify overrides on the type's policy, or undefined for the type's own. */
  policy: RetryPolicy | undefined;
}

/**
 * Checks a worker's `handlers` and `concurrency` and resolves each type's slots and policy.
 *
 * @throws {JobValidationError} (`invalid_input`) naming the first bad entry.
 */
export function resolveHandlers(
  handlers: UntypedJobHandlers,
  concurrency: ConcurrencyOption | undefined,
  policies: TypePolicies,
): Map<string, ResolvedHandler> {
  if (!handlers || typeof handlers !== 'object' || Object.keys(handlers).length === 0) {
    throw new JobValidationError('handlers', 'needs at least one handler: { "imports.upload": async (ctx) => { ... } }.');
  }
  if (concurrency !== undefined && typeof concurrency !== 'number' && !isPlainObject(concurrency)) {
    throw new JobValidationError('concurrency', `must be a number or { default?, [type]: number }; got ${show(concurrency)}.`);
  }
  const perType: Record<string, number> = typeof concurrency === 'object' ? concurrency : {};
  const fallback = typeof concurrency === 'number' ? concurrency : (getOwn(perType, 'default') ?? 10);
  assertInteger(fallback, 'concurrency', 1, 10_000);
  for (const key of Object.keys(perType)) {
    // Own keys only: a type named `constructor` or `toString` is a type like any other.
    if (key !== 'default' && !Object.hasOwn(handlers, key)) {
      throw new JobValidationError(`concurrency.${key}`, `names a type with no handler; handlers: ${Object.keys(handlers).join(', ')}.`);
    }
  }
  const resolved = new Map<string, ResolvedHandler>();
  for (const [type, value] of Object.entries(handlers)) {
    const definition: HandlerDefinition = typeof value === 'function' ? { handler: value } : value;
    if (!definition || typeof definition !== 'object' || typeof definition.handler !== 'function') {
      throw new JobValidationError(`handlers.${type}`, 'must be a function or { handler, concurrency?, timeoutMs?, backoff?, classify? }.');
    }
    assertKnownKeys(definition, HANDLER_KEYS, 'a handler', `handlers.${type}.`);
    const limit = definition.concurrency ?? getOwn(perType, type) ?? fallback;
    assertInteger(limit, `concurrency.${type}`, 1, 10_000);
    if (definition.timeoutMs !== undefined) assertInteger(definition.timeoutMs, `handlers.${type}.timeoutMs`, 1, 86_400_000);
    const { backoff, classify } = definition;
    const policy = backoff || classify ? policies.withOverrides(type, { backoff, classify }) : undefined;
    resolved.set(type, { handler: definition.handler, limit, timeoutMs: definition.timeoutMs, policy });
  }
  return resolved;
}
