import type { Job } from './job.js';

/**
 * The job type registry, empty by default. Fill it once, by declaration merging, to type every
 * `enqueue`, `create`, `track` and worker handler by job type:
 *
 * ```ts
 * declare module '@jobtrail/core' {
 *   interface JobTypes {
 *     'emails.send': { payload: { to: string }; result: { id: string } };
 *   }
 * }
 * ```
 *
 * Each entry may declare `payload` and `result`; a missing one is `unknown`. While the registry
 * is empty, any string is a job type and payloads are inferred per call, as before.
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface (not a type) so that applications can merge entries into it
export interface JobTypes {}

/** The registered job type names (`never` while the registry is empty). */
export type RegisteredJobType = keyof JobTypes & string;

/** `true` once the registry has at least one entry. */
export type HasJobTypes = [RegisteredJobType] extends [never] ? false : true;

/** The job types the API accepts: the registered names, or any string while none are registered. */
export type JobTypeName = HasJobTypes extends true ? RegisteredJobType : string;

/** Accepted by the untyped overloads only while the registry is empty, so a misspelt type fails once it is filled. */
export type UnregisteredJobType = HasJobTypes extends true ? never : string;

/** The payload declared for job type `T` (`unknown` for an unregistered type or no `payload` entry). */
export type PayloadOf<T extends string> = T extends RegisteredJobType
  ? JobTypes[T] extends { payload: infer P }
    ? P
    : unknown
  : unknown;

/** The result declared for job type `T` (`unknown` for an unregistered type or no `result` entry). */
export type ResultOf<T extends string> = T extends RegisteredJobType
  ? JobTypes[T] extends { result: infer R }
    ? R
    : unknown
  : unknown;

/** A job of registered type `T`, its payload and result typed from the registry. */
export type JobOfType<T extends string> = Job<PayloadOf<T>, ResultOf<T>>;

/**
 * A job of any registered type, discriminated by `type`: `if (job.type === 'emails.send')`
 * narrows `job.payload` and `job.result` to that type's entry. `never` while the registry is
 * empty (use {@link AnyJob}, which is `Job` then).
 *
 * Types only, like {@link isJobOfType}: a read or an event answers whatever the store holds, and
 * the union is what the application declared. A job of a type no longer registered (an old job
 * after a rename) is typed as one of the registered types all the same; check `type` against the
 * names you handle before trusting its payload.
 */
export type RegisteredJob = { [K in RegisteredJobType]: JobOfType<K> & { type: K } }[RegisteredJobType];

/**
 * What reads (`tracker.get`, `list`, `active`) and events answer: {@link RegisteredJob}, the union
 * discriminated by `type`, once the `JobTypes` registry has entries; plain `Job` while it is empty.
 */
export type AnyJob = HasJobTypes extends true ? RegisteredJob : Job;

/**
 * Narrows a job (e.g. from `tracker.get(id)` or an event) to registered type `T` by its `type`
 * field. The payload is not validated: it is trusted to match the type it was created with.
 */
export function isJobOfType<T extends JobTypeName>(job: Job | null | undefined, type: T): job is JobOfType<T> {
  return job != null && job.type === type;
}
