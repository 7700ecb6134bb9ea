/**
 * The monotone-merge rule for reads of one soul. A relay under load answers some reads short
 * (a node missing keys it has) or with a false "Not found"; neither is evidence that a key
 * left. So what a reader knows of a field changes only when a read shows that field: live
 * (a value) or tombstoned (`null`), and, when both sides carry GUN's state (`_['>'][key]`),
 * only when the read's state is not older. A field a read does not show is kept as known.
 */

/** One field as a read (or this process's own write) showed it. */
export interface FieldSeen {
  /** False for a tombstone (`null`). */
  live: boolean;
  /** GUN's state of the field (`_['>'][key]`, ms), when the answer carried it. */
  state?: number | undefined;
}

/**
 * Whether `read` replaces what was `known` of one field. With both states known the newer
 * wins, and on a tie a tombstone wins (a delete is never undone by a read of the same
 * moment). Without both states, the read wins: it is the later observation.
 */
export function readReplaces(known: FieldSeen, read: FieldSeen): boolean {
  if (known.state === undefined || read.state === undefined) return true;
  if (read.state !== known.state) return read.state > known.state;
  return !read.live || known.live;
}

/**
 * Merges a read of a node into what was known of it, by {@link readReplaces} per field: a key
 * absent from `read` stays as known; a key the read shows as `null` becomes `null` (a tombstone,
 * kept so a later short read cannot bring back the old value). A `null` read (a miss) leaves
 * `known` as it was. `states` are GUN's field states when the answers carried them. Returns a
 * new object; neither input is changed.
 */
export function mergeNodeRead(
  known: Readonly<Record<string, unknown>> | null,
  read: Readonly<Record<string, unknown>> | null,
  states: { known?: Readonly<Record<string, number>>; read?: Readonly<Record<string, number>> } = {},
): Record<string, unknown> | null {
  if (read === null) return known === null ? null : { ...known };
  if (known === null) return { ...read };
  const merged: Record<string, unknown> = { ...known };
  for (const key of Object.keys(read)) {
    const value = read[key];
    if (!(key in known)) {
      merged[key] = value;
      continue;
    }
    const before: FieldSeen = { live: known[key] !== null, state: states.known?.[key] };
    const after: FieldSeen = { live: value !== null, state: states.read?.[key] };
    if (readReplaces(before, after)) merged[key] = value;
  }
  return merged;
}
