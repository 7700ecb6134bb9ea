import type { ListenerErrorEvent } from '../../events.js';
import type { CycleStartEvent } from '../../sync/types.js';
import type { OipHookFailedEvent } from './hooks.js';
import type { OipSyncCycleReport } from './report.js';

/** Where a cycle is: `indexes` (reading indexes), `copy` (copying records), `deletions` (applying deletions). */
export interface OipProgressEvent {
  cycle: number;
  phase: 'indexes' | 'copy' | 'deletions';
  done: number;
  total: number;
}

/** Every event an `OipSyncWorker` emits, with its listener signature. */
export interface OipSyncWorkerEvents {
  cycleStart: (event: CycleStartEvent) => void;
  /** One per cycle, whatever its outcome. */
  cycle: (report: OipSyncCycleReport) => void;
  progress: (event: OipProgressEvent) => void;
  hookFailed: (event: OipHookFailedEvent) => void;
  listenerError: (event: ListenerErrorEvent) => void;
}
