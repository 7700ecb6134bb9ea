import type { ListenerErrorEvent } from '../events.js';

/**
 * Payload of the `sample` event. Bytes are as read from the memory source; rates are MB/min
 * (1 MB = 1024 × 1024 bytes) over the sliding window, 0 until two samples exist. RSS is the
 * signal to watch: `external` has been seen to disagree with the container's real usage.
 */
export interface MemorySample {
  /** Clock time of the reading, in ms (`performance.now()` with the system clock): for ordering and rates. */
  at: number;
  /** Epoch ms of the reading (`new Date(timestamp)`). */
  timestamp: number;
  /** Resident set size: what the OS/cgroup counts against the memory limit. */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's count of memory held outside the heap (Buffers etc.); not what the container sees. */
  external: number;
  arrayBuffers: number;
  /** RSS growth rate over the window, MB/min. The primary signal. */
  rssMbPerMin: number;
  /** `heapUsed` growth rate over the window, MB/min. */
  heapMbPerMin: number;
  /** `external` growth rate over the window, MB/min; secondary, see {@link MemorySample.external}. */
  externalMbPerMin: number;
  /** Time between the oldest sample in the window and this one, in whole ms (0 for the first sample). */
  spanMs: number;
}

/**
 * Growth attributed to one category of operation since the monitor was created. An attribution,
 * not an exact measurement: see {@link MemoryMonitor.track} and {@link MemoryMonitor.attach}.
 */
export interface CategorySummary {
  /** The name given to `track()`, `gun.<op>` for attached client operations, or `other`. */
  category: string;
  /** Operations finished (tracked calls returned/threw; attached calls settled). */
  operations: number;
  /** RSS bytes attributed to these operations (negative when memory was released). */
  rssGrowthBytes: number;
  /** `heapUsed` bytes attributed to these operations. */
  heapGrowthBytes: number;
  /** Operations that threw/rejected (tracked) or settled with outcome `error` (attached). */
  errors: number;
  /** `rssGrowthBytes / operations` (0 when there were none). */
  bytesPerOperation: number;
}

/** Payload of the `summary` event and what `summary()` returns; cumulative since creation. */
export interface MemorySummary {
  /** Clock time of the summary, in ms. */
  at: number;
  /** Epoch ms of the summary. */
  timestamp: number;
  /** Samples taken so far. */
  samples: number;
  /** The most recent sample, if any. */
  latest: MemorySample | undefined;
  /** One entry per category, largest RSS growth first. */
  categories: CategorySummary[];
  /** Growth between samples that no tracked call measured and no attached operation shared. */
  unattributed: { rssGrowthBytes: number; heapGrowthBytes: number };
}

/** Payload of the `alert` event: the RSS rate stayed above the threshold for `forMs`. */
export interface MemoryAlertEvent {
  /** Clock time of the sample that raised the alert. */
  at: number;
  /** Epoch ms of that sample. */
  timestamp: number;
  rssMbPerMin: number;
  thresholdMbPerMin: number;
  /** How long consecutive samples have been above the threshold, whole ms (≥ `alert.forMs`). */
  aboveForMs: number;
  rss: number;
}

/** Payload of the `alertCleared` event: the first sample at or below the threshold after an alert. */
export interface MemoryAlertClearedEvent {
  /** Clock time of the sample that cleared the alert. */
  at: number;
  /** Epoch ms of that sample. */
  timestamp: number;
  rssMbPerMin: number;
  thresholdMbPerMin: number;
  /** Time from the `alert` event to this one, in whole ms. */
  alertedForMs: number;
  rss: number;
}

/** Payload of the `sampleError` event: the memory source threw during a scheduled sample. */
export interface SampleErrorEvent {
  /** Clock time of the failed reading. */
  at: number;
  /** Epoch ms of the failed reading. */
  timestamp: number;
  error: unknown;
}

/** Every event a {@link MemoryMonitor} emits, with its listener signature. */
export interface MemoryMonitorEvents {
  sample: (sample: MemorySample) => void;
  summary: (summary: MemorySummary) => void;
  alert: (event: MemoryAlertEvent) => void;
  alertCleared: (event: MemoryAlertClearedEvent) => void;
  sampleError: (event: SampleErrorEvent) => void;
  listenerError: (event: ListenerErrorEvent) => void;
}
