/**
 * GUN links as reads see them, and the cross-link rule, one of the identity rules of reads (see
 * `reads/identity.ts` for links to other nodes' children): in a node read at soul `S`, a key `K` whose value is a link `{"#": L}` with
 * `L` = `S/<K2>`, `K2` ≠ `K`, links into a child of another key of the same node. GUN nests a
 * key's object at `S/K`, never elsewhere under `S`; the real relay's disk store adds such keys
 * (truncated copies of written keys, each linked to another entry's child) to large nodes. A
 * cross-linked key is not the node's data: reads drop it, count it (`crossLinkedKeys`) and report
 * it (the `crossLink` event). A link to any soul not under `S/` is left alone.
 */

/** The soul a GUN link `{"#": soul}` points to, else `undefined`. */
export function linkTarget(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null && typeof (v as { '#'?: unknown })['#'] === 'string' ? (v as { '#': string })['#'] : undefined;
}

/** One key a read dropped: `key` linked to `target`, a child of another key of the same node. */
export interface CrossLink {
  key: string;
  target: string;
}

/** Cross-linked keys a report names at most (the count has them all). */
export const MAX_REPORTED_CROSS_LINKS = 8;

/** The target of `value` when it cross-links key `key` of the node `soul`, else `undefined`. */
export function crossLinkTarget(soul: string, key: string, value: unknown): string | undefined {
  const target = linkTarget(value);
  if (target === undefined || target.length <= soul.length + 1 || !target.startsWith(soul) || target.charCodeAt(soul.length) !== 0x2f /* / */) return undefined;
  return target.length === soul.length + 1 + key.length && target.endsWith(key) ? undefined : target;
}

/** Cross-linked keys found by one read: how many, and the first {@link MAX_REPORTED_CROSS_LINKS}. */
export class CrossLinks {
  count = 0;
  readonly examples: CrossLink[] = [];
  /** Every key dropped, when kept (a whole node's read keeps them; a streamed one only counts). */
  readonly keys: string[] | undefined;

  constructor(keepKeys = false) {
    this.keys = keepKeys ? [] : undefined;
  }

  add(key: string, target: string): void {
    this.count++;
    this.keys?.push(key);
    if (this.examples.length < MAX_REPORTED_CROSS_LINKS) this.examples.push({ key, target });
  }

  /** Forgets what was found (a retried read starts over). */
  clear(): void {
    this.count = 0;
    this.examples.length = 0;
    if (this.keys) this.keys.length = 0;
  }
}

/**
 * Removes the cross-linked keys from `node`, a node read at `soul` and owned by the caller.
 * Returns what was removed (every key kept), or `undefined` when nothing was (the common case
 * allocates nothing).
 */
export function dropCrossLinks(soul: string, node: Record<string, unknown>): CrossLinks | undefined {
  let found: CrossLinks | undefined;
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (value === null || typeof value !== 'object') continue;
    const target = crossLinkTarget(soul, key, value);
    if (target === undefined) continue;
    delete node[key];
    (found ??= new CrossLinks(true)).add(key, target);
  }
  return found;
}

/** A sink or parser that drops cross-linked keys as it reads, and says which. */
export interface CrossLinkSource {
  readonly crossLinks: CrossLinks;
}

/** What `sink` dropped as cross-linked keys, when it is a {@link CrossLinkSource}. */
export function crossLinksOf(sink: object): CrossLinks | undefined {
  const found = (sink as Partial<CrossLinkSource>).crossLinks;
  return found instanceof CrossLinks ? found : undefined;
}
