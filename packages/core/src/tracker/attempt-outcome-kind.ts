/**
 * How an attempt ended from its own point of view. Its own module so that the telemetry port can
 * name it without importing the tracker, which imports the port.
 */
export type AttemptOutcomeKind =
  | 'completed'
  | 'skipped'
  | 'retrying'
  | 'failed'
  | 'cancelled'
  | 'released'
  | 'lost'
  | 'unsettled';
