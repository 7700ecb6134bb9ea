export { MemoryMonitor, type SettleEventSource } from './MemoryMonitor.js';
export {
  memoryMonitorOptionsSchema,
  type IntervalScheduler,
  type MemoryMonitorOptions,
  type MemoryReading,
  type MemorySource,
  type ResolvedMemoryMonitorOptions,
} from './options.js';
export type {
  CategorySummary,
  MemoryAlertClearedEvent,
  MemoryAlertEvent,
  MemoryMonitorEvents,
  MemorySample,
  MemorySummary,
  SampleErrorEvent,
} from './events.js';
export { OTHER_CATEGORY } from './CategoryLedger.js';
export { BYTES_PER_MB } from './SampleWindow.js';
export { formatAlertLine, formatRateLine, formatSummaryLine, formatSummaryLines } from './format.js';
