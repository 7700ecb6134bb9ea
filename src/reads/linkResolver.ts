import type { RelayNode } from '../protocol/responses.js';
import { linkTarget } from '../protocol/crossLinks.js';
import { foreignChildOwner, type IdentityProblem } from './identity.js';

/** Default of the `maxLinkReads` option: link reads one call may make. */
export const DEFAULT_MAX_LINK_READS = 64;
/** Child reads in flight at once while one call resolves links. */
export const LINK_READ_CONCURRENCY = 4;

/** Reads one node for link resolution; `null` when the relay has nothing for the soul. */
export type ReadNode = (soul: string) => Promise<RelayNode | null>;

/** Options of {@link resolveLinks}. */
export interface LinkResolverOptions {
  /** Levels of links to replace by the nodes they point to. */
  depth: number;
  /**
   * Most reads this call may make ({@link DEFAULT_MAX_LINK_READS} by default). Links beyond it
   * are left unresolved, as links, exactly like a link to a soul with nothing live.
   */
  maxReads?: number | undefined;
  /** Reads in flight at once (default {@link LINK_READ_CONCURRENCY}). */
  concurrency?: number | undefined;
  /** Only links under these keys are followed, at every level; default every key. */
  keys?: readonly string[] | undefined;
  /**
   * Told of each link to another node's child (`{"#": "<other>/<key>"}` under `key` of a node
   * that is not `<other>`): such a link is never followed and stays a link.
   */
  onForeign?: ((problem: IdentityProblem) => void) | undefined;
}


/**
 * Replaces links in `node` (the node of `soul`) by the nodes they point to, `depth` levels deep,
 * with a bounded cost per call: each soul is read at most once (2,000 links to one soul cost one
 * read), at most `maxReads` reads in all, at most `concurrency` at a time. A link to a soul with
 * nothing live, back to a node on the current path, or beyond the read cap stays a link. Read
 * errors propagate (the first one ends the call). The caller bounds the whole call with one
 * deadline through `read`.
 */
export async function resolveLinks(node: RelayNode, soul: string, options: LinkResolverOptions, read: ReadNode): Promise<RelayNode> {
  const call = new ResolveCall(options, read);
  return call.level(node, soul, options.depth, new Set([soul]));
}

class ResolveCall {
  private readonly reads = new Map<string, Promise<RelayNode | null>>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  /** The first read error: the call has rejected, so no read waiting for a slot is sent. */
  private failed: unknown;
  private readonly maxReads: number;
  private readonly concurrency: number;
  private readonly keys: ReadonlySet<string> | undefined;
  private readonly onForeign: ((problem: IdentityProblem) => void) | undefined;

  constructor(
    options: LinkResolverOptions,
    private readonly read: ReadNode,
  ) {
    this.onForeign = options.onForeign;
    this.maxReads = options.maxReads ?? DEFAULT_MAX_LINK_READS;
    this.concurrency = Math.max(1, options.concurrency ?? LINK_READ_CONCURRENCY);
    this.keys = options.keys ? new Set(options.keys) : undefined;
  }

  async level(node: RelayNode, soul: string, depth: number, path: ReadonlySet<string>): Promise<RelayNode> {
    if (depth <= 0) return node;
    const pending: Array<{ key: string; target: string }> = [];
    for (const key of Object.keys(node)) {
      if (this.keys && !this.keys.has(key)) continue;
      const target = linkTarget(node[key]);
      if (target === undefined || path.has(target)) continue;
      const owner = foreignChildOwner(soul, key, target);
      if (owner === undefined) pending.push({ key, target });
      else this.onForeign?.({ soul, foreignSoul: owner, where: `link ${key}` });
    }
    if (pending.length === 0) return node;
    const out: RelayNode = { ...node };
    await Promise.all(
      pending.map(async ({ key, target }) => {
        const child = await this.once(target);
        if (child) out[key] = await this.level(child, target, depth - 1, new Set(path).add(target));
      }),
    );
    return out;
  }

  /** The node of `soul`, read at most once per call; `undefined` past the read cap. */
  private once(soul: string): Promise<RelayNode | null> | undefined {
    const known = this.reads.get(soul);
    if (known || this.reads.size >= this.maxReads) return known;
    const reading = this.limited(() => this.read(soul));
    this.reads.set(soul, reading);
    return reading;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    if (this.failed !== undefined) {
      this.queue.shift()?.();
      throw this.failed;
    }
    this.running++;
    try {
      return await task();
    } catch (error) {
      this.failed ??= error ?? new Error('a link read failed');
      throw error;
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
