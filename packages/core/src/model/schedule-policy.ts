/**
 * Whether a schedule fires while its previous job is unfinished: `'skip'` skips those ticks,
 * `'allow'` fires them. See `ScheduleSpec.overlap`.
 */
export type ScheduleOverlap = 'skip' | 'allow';

/** Which missed ticks fire after downtime: none, the newest, or all (up to `maxCatchUp`). */
export type ScheduleCatchUp = 'none' | 'latest' | 'all';
