/** A value a metadata filter can ask for: equality on a top-level field of `job.metadata`. */
export type MetadataValue = string | number | boolean;

/**
 * `{ field: value }`: jobs whose `metadata[field]` equals `value` for every field named (AND).
 * Values are strings, finite numbers or booleans and compare by JSON equality, so `1` matches
 * `1.0`, never `'1'`, and never an array that holds the value (unlike a plain MongoDB equality).
 */
export type MetadataFilter = Readonly<Record<string, MetadataValue>>;
