import type { Clock } from '../clock.js';
import { fromDid, isGunDid } from './did.js';
import { IndexSnapshot, type SnapshotCallOptions } from './snapshot/IndexSnapshot.js';
import type { RegistryIo } from './indexWrites.js';
import { DELETED_INDEX_SOUL, deletedRecordSoul } from './registrySouls.js';

/**
 * The deletion registry seen from one snapshot of its index (`oip:deleted:records:index`, a map
 * `did -> true`): `isDeleted(did)` is answered locally, so a cycle costs one read of the index
 * instead of one full read per discovered record. Refresh it once per cycle.
 */
export class DeletionRegistry {
  private readonly index: IndexSnapshot;

  constructor(
    private readonly io: RegistryIo,
    options: { clock?: Clock | undefined; ttlMs?: number | undefined; missingTtlMs?: number | undefined } = {},
  ) {
    this.index = new IndexSnapshot(io, DELETED_INDEX_SOUL, options);
  }

  /** Reads the deletion index now. */
  async refresh(opts: SnapshotCallOptions = {}): Promise<this> {
    await this.index.refresh(opts);
    return this;
  }

  /** Reads the deletion index if its TTL ran out; true when it read. */
  ensureFresh(opts: SnapshotCallOptions = {}): Promise<boolean> {
    return this.index.ensureFresh(opts);
  }

  /** True when the last read of the index lists `did` (or `did:gun:<soul>` when given a soul). Local. */
  isDeleted(didOrSoul: string): boolean {
    const did = isGunDid(didOrSoul) ? didOrSoul : `did:gun:${didOrSoul}`;
    const flag = this.index.entry(did);
    return flag !== undefined && flag !== false;
  }

  /** The deleted DIDs as of the last read. */
  deleted(): string[] {
    return this.index.keys().filter(isGunDid);
  }

  /** The deleted souls as of the last read. */
  deletedSouls(): string[] {
    return this.deleted().map(fromDid);
  }

  /**
   * Marks `did` deleted: writes its details (`oip:deleted:records:<did>`), then adds it to the
   * index with a single-field put. Two requests, no read.
   */
  async markDeleted(did: string, deletedBy: string, opts: SnapshotCallOptions & { at?: number } = {}): Promise<void> {
    const at = opts.at ?? Date.now();
    fromDid(did); // INVALID_INPUT unless did:gun:<soul>
    await (opts.via ?? this.io).put(deletedRecordSoul(did), { deletedAt: at, deletedBy, timestamp: new Date(at).toISOString(), did }, { signal: opts.signal });
    await this.index.add(did, true, { signal: opts.signal, via: opts.via });
  }
}
